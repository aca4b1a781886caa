"""RPC: request/reply round trips through kit.rpc against raw nats-py.

    python -m bench.rpc [--n 20000] [--concurrency 32] [--repeat 3]

A trivial echo contract served by `kit.rpc.RpcServer` (nats.micro endpoint,
pydantic request and reply, the `{"ok": …, "result": …}` envelope, CallContext
headers) and called with `kit.rpc.RpcClient`, first one call at a time, then
from 32 concurrent callers. Baseline in the same run, against the same
nats-server: nats-py `nc.request` to a plain `nc.subscribe` handler that
responds with the request's bytes. Server and caller use separate connections
but share this process and its event loop, as both sides' Python costs should
be counted ("bench CPU" is this process's CPU time over the wall time). Each
round is preceded by a warm-up of 200 calls; rounds of the two paths alternate,
and the round with the median throughput is shown.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg

from bench import common
from contracts.core import Contract, Rpc
from kit.rpc import CallContext, RpcClient, RpcServer

SERVICE = "benchecho"
WARMUP = 200


class Echo(Contract):
    text: str
    n: int


class Echoed(Contract):
    text: str
    n: int
    actor: str


ECHO = Rpc(SERVICE, "echo", Echo, Echoed)
RAW_SUBJECT = "bench.raw.echo"
CTX = CallContext(actor="bench", tenant="agency:bench", correlation_id="bench-rpc")
TEXT = "ping " * 12  # a request of about 80 bytes


async def echo(req: Echo, ctx: CallContext) -> Echoed:
    return Echoed(text=req.text, n=req.n, actor=ctx.actor)


@dataclass
class Round:
    seconds: float
    cpu: float
    latencies: list[float]


def row(label: str, what: str, n: int, rounds: list[Round]) -> list[str]:
    """The median round by throughput, with the range of requests/s over all rounds."""
    ordered = sorted(rounds, key=lambda r: r.seconds)
    mid = ordered[len(ordered) // 2]
    spread = (
        f"{n / ordered[-1].seconds:,.0f}–{n / ordered[0].seconds:,.0f}" if len(rounds) > 1 else "–"
    )
    return [
        label,
        what,
        common.per_second(n, mid.seconds),
        common.ms(common.percentile(mid.latencies, 50)),
        common.ms(common.percentile(mid.latencies, 99)),
        common.ms(max(mid.latencies)),
        spread,
        f"{mid.cpu / mid.seconds:.0%}",
    ]


async def measure(nats_url: str, n: int, concurrency: int, repeat: int) -> None:
    server_nc: Client = await nats.connect(nats_url, name="bench-rpc-server")
    client_nc: Client = await nats.connect(nats_url, name="bench-rpc-client")
    server = RpcServer(server_nc, service=SERVICE, version="1.0.0", description="bench echo")
    server.add(ECHO, echo)
    rows: list[list[str]] = []
    try:
        await server.start()

        async def raw_echo(msg: Msg) -> None:
            await msg.respond(msg.data)

        raw_sub = await server_nc.subscribe(RAW_SUBJECT, cb=raw_echo)
        await server_nc.flush()
        client = RpcClient(client_nc, timeout=5.0)

        async def kit_call(i: int) -> None:
            reply = await client.call(ECHO, Echo(text=TEXT, n=i), CTX)
            if reply.n != i:
                raise RuntimeError("wrong reply")

        raw_request = Echo(text=TEXT, n=0).model_dump_json().encode()

        async def raw_call(_i: int) -> None:
            reply = await client_nc.request(RAW_SUBJECT, raw_request, timeout=5.0)
            if reply.data != raw_request:
                raise RuntimeError("wrong reply")

        for callers in (1, concurrency):
            mode = "sequential" if callers == 1 else f"{callers} concurrent callers"
            paths = (
                ("kit.rpc", f"RpcClient → RpcServer, {mode}", kit_call),
                ("nats-py", f"baseline: nc.request → nc.subscribe, {mode}", raw_call),
            )
            rounds: dict[str, list[Round]] = {what: [] for _, what, _ in paths}
            for _ in range(repeat):  # alternating, so slow spells of the machine hit both
                for _label, what, call in paths:
                    await common.drive(call, WARMUP, callers)
                    with common.Stopwatch() as sw:
                        seconds, latencies = await common.drive(call, n, callers)
                    rounds[what].append(Round(seconds, sw.cpu, latencies))
            rows += [row(label, what, n, rounds[what]) for label, what, _ in paths]
        await raw_sub.unsubscribe()
    finally:
        await server.stop()
        await client_nc.close()
        await server_nc.close()
    common.report(
        f"RPC: {n:,} echo round trips per round (request ≈{len(raw_request)} B), "
        f"median of {repeat} rounds",
        ["layer", "calls", "requests/s", "p50 ms", "p99 ms", "max ms", "range req/s", "bench CPU"],
        rows,
    )


def main() -> None:
    p = common.parser(__doc__.splitlines()[0], n=20000)
    p.add_argument("--concurrency", type=int, default=32, help="concurrent callers (default 32)")
    p.add_argument("--repeat", type=int, default=3, help="rounds per figure (default 3)")
    args = p.parse_args()
    print(common.machine_facts(args.loop))
    with ExitStack() as stack:
        server = stack.enter_context(common.nats_server())
        common.run_async(measure(server.url, args.n, args.concurrency, args.repeat), args.loop)


if __name__ == "__main__":
    common.run_main(main)
