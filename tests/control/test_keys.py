"""The signing key: made once, owner-only, written whole; its public half beside it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from stockade.control.errors import ControlError
from stockade.control.keys import ensure_signing_key, load_signing_key, write_secret


def test_the_key_is_made_once_and_kept(tmp_path: Path) -> None:
    first = ensure_signing_key(tmp_path / "data")
    second = ensure_signing_key(tmp_path / "data")
    assert first.to_text() == second.to_text()
    assert stat.S_IMODE((tmp_path / "data" / "signing-key").stat().st_mode) == 0o600
    public = (tmp_path / "data" / "control-key.pub").read_text().strip()
    assert public == first.verify_key().to_text()
    assert [p.name for p in (tmp_path / "data").iterdir() if p.name.startswith(".")] == []


def test_a_missing_or_broken_key_is_explained(tmp_path: Path) -> None:
    with pytest.raises(ControlError, match="no signing key"):
        load_signing_key(tmp_path)
    (tmp_path / "signing-key").write_text("ed25519:short\n")
    with pytest.raises(ControlError, match="not usable"):
        load_signing_key(tmp_path)


def test_write_secret_never_replaces_a_file(tmp_path: Path) -> None:
    write_secret(tmp_path / "secret", "one")
    with pytest.raises(FileExistsError):
        write_secret(tmp_path / "secret", "two")
    assert (tmp_path / "secret").read_text() == "one\n"
