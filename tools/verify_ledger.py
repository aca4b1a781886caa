#!/usr/bin/env python3
"""Check an ecohost ledger proof with nothing but SHA-256 and Ed25519.

    python tools/verify_ledger.py export.json

`export.json` is what `ecohost ledger proof` writes (docs/ledger.md, "Export"):

    {"verifier_key": "<origin>+<key id hex>+<base64(0x01 ‖ Ed25519 key)>",
     "checkpoint": "<C2SP signed note>", "leaf": "<canonical leaf JSON>",
     "leaf_index": 3, "tree_size": 10, "inclusion_path": ["<hex>", ...],
     "consistency": {"checkpoint": "<older signed note>", "path": ["<hex>", ...]}}

("consistency" is optional.) It checks the checkpoint's signature under the key,
that the leaf is the one at leaf_index, and the RFC 9162 inclusion proof against
the signed root; with "consistency", that the older signed checkpoint is a prefix
of the newer. Prints what holds and exits 0 only if everything does. Imports
nothing from ecohost on purpose: a third party can read and run it alone.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(m: int, n: int, proof: list[bytes], old: bytes, new: bytes) -> bool:
    """RFC 9162 §2.1.4.2 (an empty or equal-size old tree needs no proof)."""
    if m == n:
        return not proof and old == new
    if m == 0 or m > n:
        return m == 0 and not proof
    path = ([old] if m & (m - 1) == 0 else []) + proof
    if not path:
        return False
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old and sr == new


def open_checkpoint(note: str, vkey: str) -> tuple[str, int, bytes]:
    """(origin, size, root) of a signed note, if signed by `vkey`; ValueError if not."""
    name, key_id, encoded = vkey.split("+", 2)  # base64 may hold "+", a name may not
    raw_key = base64.b64decode(encoded)
    if raw_key[:1] != b"\x01" or len(raw_key) != 33:
        raise ValueError("verifier key is not Ed25519")
    wanted = hashlib.sha256(name.encode() + b"\n" + raw_key).digest()[:4]
    if wanted.hex() != key_id:
        raise ValueError("verifier key id does not match its key")
    body, _, signatures = note.partition("\n\n")
    body += "\n"
    key = Ed25519PublicKey.from_public_bytes(raw_key[1:])
    for line in signatures.splitlines():
        if not line.startswith(f"\u2014 {name} "):
            continue
        sig = base64.b64decode(line.rsplit(" ", 1)[1])
        if sig[:4] != wanted:
            continue
        try:
            key.verify(sig[4:], body.encode())
        except InvalidSignature:
            continue
        origin, size, root = body.split("\n")[:3]
        if origin != name:
            raise ValueError("checkpoint origin is not the key's name")
        return origin, int(size), base64.b64decode(root)
    raise ValueError("no valid signature by the verifier key")


def main(path: str) -> int:
    with open(path, encoding="utf-8") as f:
        export = json.load(f)
    checks: list[tuple[str, bool]] = []
    try:
        origin, size, root = open_checkpoint(export["checkpoint"], export["verifier_key"])
        checks.append((f"checkpoint of {origin} at size {size} is signed by the key", True))
    except (ValueError, IndexError) as exc:
        print(f"FAIL checkpoint: {exc}")
        return 1
    leaf = export["leaf"].encode("utf-8")
    index = export["leaf_index"]
    checks.append(("proof is for the checkpoint's size", export["tree_size"] == size))
    checks.append(("leaf names its own index", json.loads(leaf).get("index") == index))
    path_hashes = [bytes.fromhex(h) for h in export["inclusion_path"]]
    included = verify_inclusion(leaf_hash(leaf), index, size, path_hashes, root)
    checks.append((f"entry {index} is included in the signed tree", included))
    if "consistency" in export:
        try:
            _, old_size, old_root = open_checkpoint(
                export["consistency"]["checkpoint"], export["verifier_key"]
            )
        except (ValueError, IndexError) as exc:
            print(f"FAIL older checkpoint: {exc}")
            return 1
        proof = [bytes.fromhex(h) for h in export["consistency"]["path"]]
        consistent = verify_consistency(old_size, size, proof, old_root, root)
        checks.append((f"tree of size {old_size} is a prefix of size {size}", consistent))
    for what, ok in checks:
        print(("ok   " if ok else "FAIL ") + what)
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
