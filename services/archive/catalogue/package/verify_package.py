#!/usr/bin/env python3
"""核验环保管家移交包 / Verify an ecohost handover package, offline.

    python verify_package.py [包目录 package-dir] [--key <公钥 verifier key>]

Run it in the unzipped package (default: the directory this file is in). It checks,
with nothing but SHA-256 and Ed25519 (Python 3.11+ and the `cryptography` package):

1. the two signed checkpoints (at the handover and at packaging) under the public key
   in ledger/public-key.txt, printed for comparison with the one the agency publishes
   (or pinned with --key), and that the later tree extends the earlier one;
2. every file listed in manifest.json: present, its size and SHA-256 as listed, and no
   file in files/ that the manifest does not list;
3. every proof in ledger/proofs.json: the leaf is included in the signed tree, and the
   event data given hashes to the leaf's payload hash;
4. the engagement's process record: entries 1..N of its hash chain, each linked to the
   one before, N as the manifest says;
5. each file's SHA-256 is the one its signed filing event recorded, and the list of files
   is exactly the one the signed handover event recorded.

Prints one line per check (Chinese, then English) and exits 0 only if all hold. Imports
nothing from ecohost on purpose: anyone can read and run it alone.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

GENESIS = "0" * 64


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


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


def open_checkpoint(note: str, vkey: str) -> tuple[int, bytes]:
    """(size, root) of a C2SP signed note signed by `vkey`; ValueError if not."""
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
        return int(size), base64.b64decode(root)
    raise ValueError("no valid signature by the verifier key")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Report:
    def __init__(self) -> None:
        self.failed = 0

    def check(self, ok: bool, zh: str, en: str) -> bool:
        print(f"{'通过 ok  ' if ok else '失败 FAIL'} {zh} / {en}")
        self.failed += not ok
        return ok


def chain_link(prev: str, leaf: dict[str, Any]) -> str:
    entry = {
        "engagement_id": leaf["engagement_id"],
        "seq": leaf["chain_seq"],
        "event_id": leaf["event_id"],
        "event_type": leaf["event_type"],
        "occurred_at": leaf["occurred_at"],
        "actor": leaf["actor"],
        "tenant": leaf["tenant"],
        "payload_sha256": leaf["payload_sha256"],
    }
    return hashlib.sha256(bytes.fromhex(prev) + canonical(entry)).hexdigest()


def verify(root: Path, pinned_key: str | None) -> int:
    r = Report()
    try:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        ledger = manifest["ledger"]
        vkey = (root / ledger["public_key"]).read_text(encoding="utf-8").strip()
        proofs = json.loads((root / ledger["proofs"]).read_text(encoding="utf-8"))
        note = (root / ledger["checkpoint"]).read_text(encoding="utf-8")
        sealed_note = (root / ledger["handover_checkpoint"]).read_text(encoding="utf-8")
    except (OSError, ValueError, KeyError) as exc:
        r.check(
            False, f"无法读取清单或账本文件：{exc}", f"cannot read the manifest or ledger: {exc}"
        )
        return 1
    fingerprint = hashlib.sha256(vkey.encode()).hexdigest()[:16]
    print(f"公钥 public key: {vkey}")
    print(
        f"公钥指纹 fingerprint: {fingerprint}（请与机构另行提供的公钥核对 / compare out of band）"
    )
    if pinned_key is not None:
        r.check(
            pinned_key.strip() == vkey, "公钥与指定的一致", "the key is the one given with --key"
        )

    # 1. Checkpoints.
    try:
        size, tree_root = open_checkpoint(note, vkey)
        sealed_size, sealed_root = open_checkpoint(sealed_note, vkey)
    except (ValueError, IndexError) as exc:
        r.check(False, f"检查点签名无效：{exc}", f"checkpoint signature invalid: {exc}")
        return 1
    r.check(True, f"检查点（树大小 {size}）签名有效", f"checkpoint of size {size} is signed")
    r.check(
        True,
        f"移交时检查点（树大小 {sealed_size}）签名有效",
        f"handover checkpoint of size {sealed_size} is signed",
    )
    consistency = proofs.get("consistency", {})
    r.check(
        size == ledger["tree_size"] == proofs.get("tree_size")
        and sealed_size == ledger["handover_tree_size"] == consistency.get("from_size")
        and consistency.get("to_size") == size
        and verify_consistency(
            sealed_size,
            size,
            [bytes.fromhex(h) for h in consistency.get("path", [])],
            sealed_root,
            tree_root,
        ),
        "移交后账本只增未改（一致性证明）",
        f"the ledger at {size} extends the one signed at the handover ({sealed_size})",
    )

    # 2. Files against the manifest.
    listed = set()
    for entry in manifest["files"]:
        name = entry["file"]
        listed.add(name)
        path = root / name
        if not path.is_file():
            r.check(False, f"缺少文件 {name}", f"missing file {name}")
            continue
        ok = path.stat().st_size == entry["size"] and sha256_file(path) == entry["sha256"]
        r.check(
            ok,
            f"文件 {name} 的大小与 SHA-256 与清单一致"
            if ok
            else f"文件 {name} 与清单不符（已被改动）",
            f"{name} matches the manifest" if ok else f"{name} differs from the manifest",
        )
    files_dir = root / "files"
    extra = sorted(
        p.relative_to(root).as_posix()
        for p in (files_dir.rglob("*") if files_dir.is_dir() else [])
        if p.is_file() and p.relative_to(root).as_posix() not in listed
    )
    r.check(
        not extra, f"没有清单外的文件 {extra or ''}", f"no file outside the manifest {extra or ''}"
    )

    # 3. Proofs.
    leaves: dict[str, dict[str, Any]] = {}
    data_of: dict[str, dict[str, Any]] = {}
    bad = []
    for proof in proofs["entries"]:
        raw = proof["leaf"].encode("utf-8")
        leaf = json.loads(raw)
        index = proof["leaf_index"]
        ok = leaf.get("index") == index and verify_inclusion(
            leaf_hash(raw),
            index,
            size,
            [bytes.fromhex(h) for h in proof["inclusion_path"]],
            tree_root,
        )
        if "event_data" in proof:
            ok = ok and hashlib.sha256(canonical(proof["event_data"])).hexdigest() == leaf.get(
                "payload_sha256"
            )
            data_of[leaf["event_id"]] = proof["event_data"]
        if not ok:
            bad.append(index)
        leaves[leaf["event_id"]] = leaf
    r.check(
        not bad,
        f"{len(proofs['entries'])} 条记录均在签名账本中" + (f"，失败：{bad}" if bad else ""),
        f"{len(proofs['entries'])} entries included in the signed ledger"
        + (f", failed: {bad}" if bad else ""),
    )

    # 4. The engagement's chain, complete from 1 to N and linked.
    engagement = manifest["engagement_id"]
    chain = sorted(
        (leaf for leaf in leaves.values() if leaf.get("engagement_id") == engagement),
        key=lambda leaf: leaf["chain_seq"],
    )
    prev, linked = GENESIS, True
    for seq, leaf in enumerate(chain, start=1):
        link = chain_link(prev, leaf)
        linked = linked and leaf["chain_seq"] == seq and leaf["chain_hash"] == link
        prev = leaf["chain_hash"]
    n = ledger["engagement_chain_length"]
    r.check(
        linked and len(chain) == n,
        f"项目过程记录完整：第 1–{n} 条，逐条链接",
        f"the engagement's record is complete: entries 1..{n}, each linked to the last",
    )

    # 5. Files against their signed filing events, the list against the handover event.
    for entry in manifest["files"]:
        data = data_of.get(entry["filing_event_id"], {})
        leaf = leaves.get(entry["filing_event_id"], {})
        ids = data.get("item_ids", [])
        ok = (
            data.get("action") == "filed"
            and leaf.get("engagement_id") == engagement
            and entry["item_id"] in ids
            and data["sha256"][ids.index(entry["item_id"])] == entry["sha256"]
        )
        r.check(
            ok,
            f"文件 {entry['file']} 的 SHA-256 与签名的归档记录一致"
            if ok
            else f"文件 {entry['file']} 的 SHA-256 与签名的归档记录不符",
            f"{entry['file']}: SHA-256 is the one filed in the ledger"
            if ok
            else f"{entry['file']}: SHA-256 is not the one filed in the ledger",
        )
    handed = data_of.get(manifest["handover_event_id"], {})
    ok = (
        handed.get("action") == "handed_over"
        and handed.get("details", {}).get("handover_id") == manifest["handover_id"]
        and handed.get("item_ids") == [e["item_id"] for e in manifest["files"]]
        and handed.get("sha256") == [e["sha256"] for e in manifest["files"]]
    )
    r.check(
        ok,
        "清单中的文件正是签名的移交记录所列文件",
        "the manifest lists exactly the files of the signed handover event",
    )
    if r.failed:
        print(f"结论：核验失败（{r.failed} 项）/ RESULT: verification FAILED ({r.failed})")
        return 1
    print("结论：核验通过 / RESULT: all checks passed")
    return 0


def main(argv: list[str]) -> int:
    key = None
    if "--key" in argv:
        at = argv.index("--key")
        key = argv[at + 1] if at + 1 < len(argv) else ""
        argv = argv[:at] + argv[at + 2 :]
    root = Path(argv[0]) if argv else Path(__file__).resolve().parent
    return verify(root, key)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
