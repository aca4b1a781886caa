"""Generated documents (文件生成): reports rendered from the recorded data and filed into
the archive as new versions of their series."""
