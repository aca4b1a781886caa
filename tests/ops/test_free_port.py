"""Listening ports for the processes tests start: outside the range outgoing
connections draw from, so no client socket can take one before its server binds."""

from __future__ import annotations

import socket

from cli.process import _ephemeral_low, free_port


def test_ports_come_from_below_the_ephemeral_range_and_never_twice() -> None:
    ports = [free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    assert all(20000 <= port < _ephemeral_low() for port in ports)


def test_a_handed_out_port_can_be_listened_on() -> None:
    port = free_port()
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        server.listen()
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass


def test_the_ephemeral_range_is_read_from_the_kernel() -> None:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        assert _ephemeral_low() == int(f.read().split()[0])
