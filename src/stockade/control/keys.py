"""Files of the data directory: the signing key, its public half, the first admin token.

DATA/signing-key       Ed25519 private key (mode 0600); several control processes
                       serving the same edges must share it
DATA/control-key.pub   the public key, for `stockade edge --control-key`
DATA/admin-token       the admin token made on first start (mode 0600)
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from stockade.control.errors import ControlError
from stockade.policy import SigningKey

log = logging.getLogger("stockade.control")

SIGNING_KEY_FILE = "signing-key"
PUBLIC_KEY_FILE = "control-key.pub"


def load_signing_key(data: Path) -> SigningKey:
    path = data / SIGNING_KEY_FILE
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ControlError(
            f"There is no signing key at {path}: start the control plane once with "
            f"`stockade control --data {data}` to create one, or copy the key of the other "
            "control processes there."
        ) from None
    except OSError as error:
        raise ControlError(f"Cannot read the signing key {path}: {error.strerror}.") from None
    try:
        key = SigningKey.from_text(text)
    except ValueError as error:
        raise ControlError(f"The signing key {path} is not usable: {error}") from None
    if path.stat().st_mode & 0o077:
        log.warning("%s can be read by other users: chmod 600 it", path)
    return key


def ensure_signing_key(data: Path) -> SigningKey:
    """The data directory's signing key, created on first start; the public key file is
    (re)written from it every time."""
    data.mkdir(parents=True, exist_ok=True)
    try:
        write_secret(data / SIGNING_KEY_FILE, SigningKey.generate().to_text())
        log.info("created the signing key %s", data / SIGNING_KEY_FILE)
    except FileExistsError:
        pass  # made by an earlier start, or by another process starting now
    key = load_signing_key(data)
    public = data / PUBLIC_KEY_FILE
    text = key.verify_key().to_text() + "\n"
    try:
        if not public.exists() or public.read_text(encoding="utf-8") != text:
            public.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ControlError(f"Cannot write {public}: {error.strerror}.") from None
    return key


def write_secret(path: Path, text: str) -> None:
    """Create `path`, readable by its owner only, whole or not at all; FileExistsError if
    it exists (two processes starting at once keep the first one's file)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.link(partial, path)  # atomic, and fails if the file exists
    finally:
        partial.unlink(missing_ok=True)
