"""Use cases of generated documents: request one (`generate`), register a template
variant (`templates`); the worker (`documents/worker.py`) renders and files."""
