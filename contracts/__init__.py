"""Messages between ecohost processes: events on JetStream and request/reply payloads.

Everything here is a frozen pydantic model with its version in its name or type
literal. A breaking change is a new version — for events a new type, for a
request/reply a new subject, the previous one served for one more release — and
the exported JSON Schemas in `contracts/schemas/` are snapshot-tested so a change
cannot slip through.
"""
