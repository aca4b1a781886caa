"""Checkpoints as C2SP signed notes (c2sp.org/tlog-checkpoint, c2sp.org/signed-note).

A checkpoint body is

    <origin>\\n<tree size, decimal>\\n<root hash, base64>\\ntimestamp <RFC 3339 UTC>\\n

(the fourth line is a checkpoint extension line carrying the time), and the note
appends a blank line and one signature line

    — <key name> <base64(key id[4] ‖ Ed25519 signature[64])>\\n

signing the body's bytes exactly. The key name is the origin; the key id is
SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], 0x01 being Ed25519's algorithm byte.
Standard note verifiers (Go's golang.org/x/mod/sumdb/note, litetlog) accept these.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kit.logging import get_logger

log = get_logger(__name__)

ALG_ED25519 = b"\x01"
SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space start every signature line


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    timestamp: datetime

    def body(self) -> str:
        stamp = self.timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        root = base64.b64encode(self.root).decode()
        return f"{self.origin}\n{self.size}\n{root}\ntimestamp {stamp}\n"


def parse_checkpoint(body: str) -> Checkpoint:
    """The checkpoint of a note body; ValueError when it is not one of ours."""
    lines = body.split("\n")
    if len(lines) != 5 or lines[-1] != "" or not lines[3].startswith("timestamp "):
        raise ValueError("not a checkpoint body of four lines")
    origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True)
    if not origin or size < 0 or len(root) != 32 or str(size) != lines[1]:
        raise ValueError("malformed checkpoint")
    stamp = datetime.strptime(lines[3].removeprefix("timestamp "), "%Y-%m-%dT%H:%M:%SZ")
    return Checkpoint(origin, size, root, stamp.replace(tzinfo=UTC))


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ALG_ED25519 + public_key).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    """`<name>+<key id hex>+<base64(0x01 ‖ public key)>`: the note verifier key format."""
    encoded = base64.b64encode(ALG_ED25519 + public_key).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


@dataclass(frozen=True)
class Signer:
    """The ledger's Ed25519 key under its name (the origin)."""

    name: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    @property
    def verifier_key(self) -> str:
        return verifier_key(self.name, self.public_key)

    def sign(self, body: str) -> str:
        signature = self.private_key.sign(body.encode())
        line = base64.b64encode(self.key_id + signature).decode()
        return f"{body}\n{SIGNATURE_PREFIX}{self.name} {line}\n"


def open_note(note: str, name: str, public_key: bytes) -> str | None:
    """The body of `note` if it carries a valid signature by (name, public_key), else None."""
    body, sep, signatures = note.rpartition("\n\n")
    if not sep:
        return None
    body += "\n"
    wanted = key_id(name, public_key)
    verifier = Ed25519PublicKey.from_public_bytes(public_key)
    for line in signatures.splitlines():
        signer, _, encoded = line.removeprefix(SIGNATURE_PREFIX).rpartition(" ")
        if not line.startswith(SIGNATURE_PREFIX) or signer != name:
            continue
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError:
            continue
        if len(raw) != 68 or raw[:4] != wanted:
            continue
        try:
            verifier.verify(raw[4:], body.encode())
        except InvalidSignature:
            continue
        return body
    return None


def parse_verifier_key(vkey: str) -> tuple[str, bytes]:
    """(name, raw public key) from `<name>+<key id hex>+<base64(0x01 ‖ key)>`."""
    # Names never contain "+", base64 may: split from the left, as note verifiers do.
    name, hex_id, encoded = vkey.split("+", 2)
    raw = base64.b64decode(encoded, validate=True)
    if raw[:1] != ALG_ED25519 or len(raw) != 33 or key_id(name, raw[1:]).hex() != hex_id:
        raise ValueError("not an Ed25519 verifier key")
    return name, raw[1:]


def signer_from_seed(name: str, seed_b64: str) -> Signer:
    seed = base64.b64decode(seed_b64.strip(), validate=True)
    if len(seed) != 32:
        raise ValueError("the ledger signing key must be a 32-byte Ed25519 seed, base64")
    return Signer(name, Ed25519PrivateKey.from_private_bytes(seed))


def _read_when_written(path: Path) -> str:
    """The file's text, waiting briefly while another process is still writing it."""
    for _ in range(100):
        text = path.read_text().strip()
        if text:
            return text
        time.sleep(0.02)
    raise ValueError(f"{path} is empty")


def load_signer(name: str, seed_b64: str | None, key_file: Path) -> Signer:
    """The configured key; in development, one generated once and kept in `key_file`.

    The file is created exclusively, so two processes starting together agree on
    one key: the loser of the race reads the winner's.
    """
    if seed_b64:
        return signer_from_seed(name, seed_b64)
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(base64.b64encode(seed).decode() + "\n")
            log.warning(
                "ledger.dev_key_generated",
                path=str(key_file),
                hint="development only: set ECOHOST_ARCHIVE_LEDGER_SIGNING_KEY in production",
            )
    signer = signer_from_seed(name, _read_when_written(key_file))
    log.warning("ledger.dev_key_in_use", path=str(key_file), verifier_key=signer.verifier_key)
    return signer
