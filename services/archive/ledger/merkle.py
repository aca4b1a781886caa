"""Merkle tree math of RFC 6962 / RFC 9162 §2.1. Pure functions, no I/O.

    leaf hash  = SHA-256(0x00 ‖ leaf bytes)
    node hash  = SHA-256(0x01 ‖ left ‖ right)
    MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n

Storage never holds a whole tree: it holds every *perfect* subtree that is
complete, named `NodeId(level, index)` = the 2^level leaves starting at
index·2^level. Every hash a root or a proof needs is a fold of O(log n) of
those, so this module answers "which nodes?" (`*_ranges`, `range_nodes`) and
the store fetches them in at most two queries (leaves, stored subtrees), then
`fold`s. The in-memory `CompactRange` does the same while streaming leaves
(verification, benchmarks).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

EMPTY_ROOT = hashlib.sha256(b"").digest()


@dataclass(frozen=True, slots=True, order=True)
class NodeId:
    level: int
    index: int


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two strictly smaller than n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_nodes(start: int, end: int) -> list[NodeId]:
    """The perfect subtrees covering leaves [start, end), left to right.

    Only called for the ranges RFC 6962's recursion produces (start aligned to a
    power of two at least end - start), where the sizes strictly decrease and the
    right fold of their hashes is MTH(D[start:end]).
    """
    nodes: list[NodeId] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        nodes.append(NodeId(level, start >> level))
        start += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its perfect subtrees (largest first): a right fold."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose MTHs form PATH(index, D[size]) (RFC 9162 §2.1.3.1), leaf
    level first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = split(end - start)
        if index - start < k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    return ranges[::-1]


def consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """Leaf ranges whose MTHs form PROOF(old, D[new]) (RFC 9162 §2.1.4.1).

    Empty when old is 0 or equal to new: there is nothing to prove.
    """
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from size {old} to size {new}")
    if old in (0, new):
        return []
    ranges: list[tuple[int, int]] = []
    start, end, complete = 0, new, True
    m = old
    while True:
        if m == end - start:
            if not complete:
                ranges.append((start, end))
            break
        k = split(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            m -= k
            complete = False
    return ranges[::-1]


def nodes_for(ranges: Sequence[tuple[int, int]]) -> set[NodeId]:
    return {node for a, b in ranges for node in range_nodes(a, b)}


def resolve(ranges: Sequence[tuple[int, int]], node: Callable[[NodeId], bytes]) -> list[bytes]:
    """The MTH of each range, from stored perfect subtrees."""
    return [fold([node(n) for n in range_nodes(a, b)]) for a, b in ranges]


def verify_inclusion(
    leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2, step by step; `leaf` is the leaf hash."""
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


def verify_consistency(
    old: int, new: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> bool:
    """RFC 9162 §2.1.4.2; sizes 0 and old == new are settled without a proof."""
    if not 0 <= old <= new:
        return False
    if old == new:
        return not proof and old_root == new_root
    if old == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:  # an exact power of two: the old root is a node of the new tree
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
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
    return sn == 0 and fr == old_root and sr == new_root


def mth(leaves: Sequence[bytes]) -> bytes:
    """MTH straight from the definition; the reference the tests compare against."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = split(len(leaves))
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


class CompactRange:
    """The right frontier of a growing tree: one hash per set bit of its size.

    `append` is O(1) amortised and reports the perfect subtrees it completed, so
    a store can persist them; `root` is O(log n).
    """

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (level, hash), levels decreasing

    def append(self, hashed_leaf: bytes) -> list[tuple[NodeId, bytes]]:
        index = self.size
        made = [(NodeId(0, index), hashed_leaf)]
        level, h = 0, hashed_leaf
        while index & 1:
            _, left = self._stack.pop()
            level, index, h = level + 1, index >> 1, node_hash(left, h)
            made.append((NodeId(level, index), h))
        self._stack.append((level, h))
        self.size += 1
        return made

    def root(self) -> bytes:
        return fold([h for _, h in self._stack])

    @classmethod
    def of(cls, size: int, hashes: Sequence[bytes]) -> CompactRange:
        """The frontier of a tree of `size` leaves from the hashes of its perfect subtrees
        `range_nodes(0, size)` (one per set bit of the size, largest first)."""
        levels = [node.level for node in range_nodes(0, size)]
        if len(levels) != len(hashes):
            raise ValueError(f"a tree of size {size} has {len(levels)} frontier subtrees")
        made = cls()
        made.size = size
        made._stack = list(zip(levels, hashes, strict=True))
        return made

    def copy(self) -> CompactRange:
        made = CompactRange()
        made.size = self.size
        made._stack = list(self._stack)
        return made
