"""Generated documents (文件): the reports the standard's parties exchange."""
