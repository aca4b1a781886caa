"""GraphQL of the evaluation service."""
