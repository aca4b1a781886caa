"""Protections of the GraphQL endpoint (OWASP GraphQL cheat sheet) beyond strawberry's own."""
