"""Gateway: the engagement dashboard query, 50 rows, 32 concurrent clients, against two baselines.

    python -m bench.gateway [--n 1000] [--concurrency 32 | 1,32] [--rounds 3] [--profile DIR]

Starts NATS and `cli.stack.Stack` (three services and the gateway, SQLite files),
seeds one agency with 50 engagements (each with its unit, two list items, an
opened scorecard and its trace), then sends the dashboard query (`DASHBOARD`:
engagements with unit, list items, workflow fields, trace and latest scorecard)
with httpx at `concurrency` in flight (each level in turn) to four servers, all over HTTP on
loopback, reading the same databases:

- **system**: the real gateway of the stack: resolvers call the services over NATS.
- **(a) in-process**: the same gateway app (`gateway.app.create_app`, uvloop +
  httptools, every protection and cache) in a child process whose `RpcClient`
  is replaced by `InProcessRpc`: the services' own endpoint handlers (their
  use-case functions, registered by each service's `endpoints.register`) called
  directly against the same databases. Same resolvers, no NATS hop.
- **(b) default**: a default FastAPI app with strawberry's `GraphQLRouter` and a
  plain `strawberry.Schema` of the same types, served by uvicorn with the asyncio
  loop and h11, no parser or validation cache, fed by `InProcessRpc` too.

- **(c) monolith**: what a team would build instead of services (`monolith`): one
  FastAPI + strawberry process, SQLAlchemy ORM models and DataLoaders reading the
  three databases directly, parser and validation caches on, casbin on the same
  policy; written once as the baseline, not tuned.

Before timing, the four answers are compared: they must be the same JSON.
Each round times `n` requests per server (after 50 warm-up requests), servers
in turn; the table gives the median round's requests/s, p50 and p99 over all
rounds, and the CPU seconds per request of the serving processes (the system:
gateway plus services plus NATS) and of this client.

`__main__` runs it; `workload` seeds the rows and drives the query, `baselines`
serves (a) and (b), `monolith` serves (c), `report` prints the table, `profile`
(`--profile DIR`) samples the system's processes with py-spy after the rounds.
"""
