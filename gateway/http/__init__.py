"""The GraphQL endpoint over HTTP: GraphQL-over-HTTP details and request-level protections."""
