"""RFC 6962/9162 Merkle math (R1-trace): the CT reference vectors, then properties over
random trees: every proof verifies, and any changed byte makes it fail."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from services.archive.ledger import merkle
from services.archive.ledger.merkle import NodeId

# Certificate Transparency's reference leaves and roots (RFC 6962 test vectors).
LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (0, 1): [],
}
CONSISTENCY = {
    (1, 1): [],
    (1, 8): INCLUSION[(0, 8)],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}


class MemoryTree:
    """Perfect subtrees from the definition, as the database would hand them out."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves

    def node(self, n: NodeId) -> bytes:
        return merkle.mth(self.leaves[n.index << n.level : (n.index + 1) << n.level])

    def inclusion(self, index: int, size: int) -> list[bytes]:
        return merkle.resolve(merkle.inclusion_ranges(index, size), self.node)

    def consistency(self, old: int, new: int) -> list[bytes]:
        return merkle.resolve(merkle.consistency_ranges(old, new), self.node)

    def root(self, size: int) -> bytes:
        return merkle.mth(self.leaves[:size])


VECTORS = MemoryTree(LEAVES)


def test_R1_trace_roots_match_the_rfc6962_vectors():
    assert merkle.mth([]).hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    for size, want in enumerate(ROOTS, start=1):
        assert merkle.mth(LEAVES[:size]).hex() == want
        compact = merkle.CompactRange()
        for leaf in LEAVES[:size]:
            compact.append(merkle.leaf_hash(leaf))
        assert compact.root().hex() == want
        assert merkle.fold([VECTORS.node(n) for n in merkle.range_nodes(0, size)]).hex() == want


def test_R1_trace_inclusion_proofs_match_the_rfc6962_vectors():
    for (index, size), want in INCLUSION.items():
        path = VECTORS.inclusion(index, size)
        assert [p.hex() for p in path] == want
        leaf = merkle.leaf_hash(LEAVES[index])
        assert merkle.verify_inclusion(leaf, index, size, path, VECTORS.root(size))


def test_R1_trace_consistency_proofs_match_the_rfc6962_vectors():
    for (old, new), want in CONSISTENCY.items():
        proof = VECTORS.consistency(old, new)
        assert [p.hex() for p in proof] == want
        assert merkle.verify_consistency(old, new, proof, VECTORS.root(old), VECTORS.root(new))


def test_compact_range_reports_every_completed_subtree():
    compact = merkle.CompactRange()
    made = [compact.append(merkle.leaf_hash(leaf)) for leaf in LEAVES]
    assert [n for n, _ in made[7]] == [NodeId(0, 7), NodeId(1, 3), NodeId(2, 1), NodeId(3, 0)]
    for batch in made:
        for node, h in batch:
            assert VECTORS.node(node) == h


# Distinct leaves: with two equal leaves a proof for one is, rightly, a proof for both.
trees = st.lists(st.binary(max_size=8), min_size=1, max_size=70, unique=True)


@settings(max_examples=150, deadline=None)
@given(leaves=trees, data=st.data())
def test_R1_trace_every_inclusion_proof_verifies_and_any_changed_byte_fails(
    leaves: list[bytes], data: st.DataObject
):
    tree = MemoryTree(leaves)
    size = data.draw(st.integers(1, len(leaves)))
    index = data.draw(st.integers(0, size - 1))
    path, root, leaf = tree.inclusion(index, size), tree.root(size), merkle.leaf_hash(leaves[index])
    assert merkle.verify_inclusion(leaf, index, size, path, root)
    if index + 1 < size:
        assert not merkle.verify_inclusion(leaf, index + 1, size, path, root)
    blobs = [leaf, root, *path]
    which = data.draw(st.integers(0, len(blobs) - 1))
    byte = data.draw(st.integers(0, 31))
    broken = bytearray(blobs[which])
    broken[byte] ^= 0x01
    blobs[which] = bytes(broken)
    assert not merkle.verify_inclusion(blobs[0], index, size, blobs[2:], blobs[1])


@settings(max_examples=150, deadline=None)
@given(leaves=trees, data=st.data())
def test_R1_trace_every_consistency_proof_verifies_and_any_changed_byte_fails(
    leaves: list[bytes], data: st.DataObject
):
    tree = MemoryTree(leaves)
    new = data.draw(st.integers(1, len(leaves)))
    old = data.draw(st.integers(1, new))
    proof, old_root, new_root = tree.consistency(old, new), tree.root(old), tree.root(new)
    assert merkle.verify_consistency(old, new, proof, old_root, new_root)
    if old < new:
        assert not merkle.verify_consistency(old, new, proof, new_root, old_root)
    blobs = [old_root, new_root, *proof]
    which = data.draw(st.integers(0, len(blobs) - 1))
    broken = bytearray(blobs[which])
    broken[data.draw(st.integers(0, 31))] ^= 0x80
    blobs[which] = bytes(broken)
    assert not merkle.verify_consistency(old, new, blobs[2:], blobs[0], blobs[1])


def test_out_of_range_proofs_are_refused():
    assert not merkle.verify_inclusion(b"\x00" * 32, 3, 3, [], b"\x00" * 32)
    assert not merkle.verify_consistency(5, 4, [], b"", b"")
    assert merkle.verify_consistency(0, 4, [], merkle.EMPTY_ROOT, VECTORS.root(4))
