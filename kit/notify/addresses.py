"""Where a webhook may point: the public internet only, unless told otherwise.

A webhook URL is typed by a user; without this a tenant could make the service POST to
its own neighbours (NATS monitoring, the database's host, a cloud metadata endpoint at
169.254.169.254) — server-side request forgery. Loopback, private, link-local, shared
(CGNAT), multicast, reserved and unspecified addresses are refused, for an IP literal at
registration and for every address the host resolves to at delivery (a name registered
harmlessly may later resolve inward). `webhook_allow_private` lifts it for development
and tests, whose receivers listen on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket


def is_public(address: str) -> bool:
    """True for a globally routable unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id is local anyway
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def literal_is_private(host: str) -> bool:
    """True when `host` is an IP literal (or `localhost`) that is not public."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return not is_public(name)
    except ValueError:
        return False  # a name: checked when it is resolved


async def private_addresses(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to that are not public (empty: all public). A name
    that does not resolve raises `OSError`, as the POST itself would."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos if not is_public(str(info[4][0]))})
