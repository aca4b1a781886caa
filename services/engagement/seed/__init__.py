"""Reference data, versioned: a published version never changes; a new one is a new module."""
