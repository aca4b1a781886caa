"""The reminder samples in docs/samples/ are what the code sends today."""

from __future__ import annotations

from pathlib import Path

from tools.reminder_samples import SAMPLES, write


def test_the_reminder_samples_in_the_docs_are_current(tmp_path: Path) -> None:
    write(tmp_path)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == [
        "reminder-dingtalk-wecom.json",
        "reminder-email.eml",
        "reminder-email.txt",
        "reminder-webhook.json",
    ]
    for name in written:
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), (
            f"docs/samples/{name} is stale: run .venv/bin/python -m tools.reminder_samples"
        )
