"""Messages between ecohost processes: events on JetStream and request/reply payloads.

`contracts.core` holds what every message shares; `contracts.<service>` holds a
service's `rpc` (subjects with their request/reply shapes), `events`, `errors` and
`enums` (its vocabulary, defined once). Everything is a frozen pydantic model with its
version in its name or type literal. A breaking change is a new version — for events a
new type, for a request/reply a new subject — and the exported JSON Schemas in
`contracts/schemas/` are snapshot-tested so a change cannot slip through.
"""
