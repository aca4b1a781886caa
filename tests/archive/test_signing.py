"""Checkpoints as C2SP signed notes, and the ledger's signing key."""

from __future__ import annotations

import base64
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.archive.ledger import merkle
from services.archive.ledger.signing import (
    Checkpoint,
    Signer,
    key_id,
    load_signer,
    open_note,
    parse_checkpoint,
    parse_verifier_key,
    signer_from_seed,
)

STAMP = datetime(2027, 1, 1, 8, 30, tzinfo=UTC)


def test_R1_trace_a_checkpoint_note_has_the_c2sp_shape(signer: Signer):
    body = Checkpoint(signer.name, 8, merkle.EMPTY_ROOT, STAMP).body()
    assert body == (
        f"{signer.name}\n8\n{base64.b64encode(merkle.EMPTY_ROOT).decode()}\n"
        "timestamp 2027-01-01T08:30:00Z\n"
    )
    note = signer.sign(body)
    head, signature = note.split("\n\n")
    assert head + "\n" == body
    assert signature.startswith(f"\u2014 {signer.name} ")
    assert note.endswith("\n")
    raw = base64.b64decode(signature.split(" ")[-1])
    assert raw[:4] == key_id(signer.name, signer.public_key) == signer.key_id
    assert open_note(note, signer.name, signer.public_key) == body
    assert parse_checkpoint(body) == Checkpoint(signer.name, 8, merkle.EMPTY_ROOT, STAMP)


def test_R1_trace_a_changed_note_or_another_key_does_not_open(signer: Signer):
    note = signer.sign(Checkpoint(signer.name, 3, b"\x01" * 32, STAMP).body())
    assert open_note(note.replace("\n3\n", "\n4\n"), signer.name, signer.public_key) is None
    other = signer_from_seed(signer.name, base64.b64encode(b"\x09" * 32).decode())
    assert open_note(note, other.name, other.public_key) is None
    assert open_note(note, "another/origin", signer.public_key) is None


@pytest.mark.parametrize("seed", range(40))
def test_verifier_keys_round_trip_even_with_plus_signs_in_base64(seed: int):
    s = signer_from_seed("ledger.example.cn", base64.b64encode(bytes([seed]) * 32).decode())
    assert parse_verifier_key(s.verifier_key) == (s.name, s.public_key)


def test_the_development_key_is_generated_once_and_kept_private(tmp_path: Path):
    path = tmp_path / "data" / "ledger.key"
    first = load_signer("dev/ledger", None, path)
    again = load_signer("dev/ledger", None, path)
    assert first.public_key == again.public_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    configured = load_signer("dev/ledger", base64.b64encode(b"\x05" * 32).decode(), path)
    assert configured.public_key != first.public_key  # settings win over the file


def test_a_seed_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="32-byte"):
        signer_from_seed("x", base64.b64encode(b"short").decode())
