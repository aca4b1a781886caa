"""Where a webhook may point: the public internet only, unless told otherwise.

A webhook URL is typed by a user; without this a tenant could make the service POST to
its own neighbours (NATS monitoring, the database's host, a cloud metadata endpoint at
169.254.169.254) — server-side request forgery. Loopback, private, link-local, shared
(CGNAT), multicast, reserved and unspecified addresses are refused, for an IP literal at
registration and for every address the host resolves to at delivery (a name registered
harmlessly may later resolve inward). The POST then goes to the address that was checked
(`pinned`), never to a second resolution of the name, so a DNS server that answers
differently a second later (rebinding) cannot turn it inward. `webhook_allow_private`
lifts all this for development and tests, whose receivers listen on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit


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


async def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, in the resolver's order, each once. A name that
    does not resolve raises `OSError`, as the POST itself would."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Pinned:
    """A request to `url`'s host sent to one checked address: the URL names the address,
    the `Host` header and TLS (SNI and certificate check, via httpcore's `sni_hostname`)
    name the host, so the receiver sees no difference."""

    url: str
    headers: dict[str, str]
    extensions: dict[str, Any]


def pinned(url: str, address: str) -> Pinned:
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    extensions: dict[str, Any] = {"sni_hostname": host} if parts.scheme == "https" else {}
    # Connection: close — the client pools connections by address, and a connection
    # whose TLS was checked for one host must not carry a request to another on that IP.
    headers = {"Host": parts.netloc, "Connection": "close"}
    return Pinned(urlunsplit(parts._replace(netloc=netloc)), headers, extensions)
