"""Ed25519 signatures over encoded snapshots: the control plane signs, edges verify.

A key is written as `ed25519:` followed by the URL-safe base64 of its 32 raw bytes, so a
public key fits on a command line (`stockade edge --control-key ed25519:...`).
"""

from __future__ import annotations

import base64
import binascii

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from stockade.policy.codec import SnapshotDecoder, decode_snapshot, encode_snapshot
from stockade.policy.types import Snapshot

_PREFIX = "ed25519:"


class SignatureError(ValueError):
    """A snapshot that must not be applied: bad signature, bad key or unreadable data."""


class SignedSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """What travels from the control plane to edges, and what an edge keeps on disk."""

    revision: int
    payload: bytes  # encode_snapshot(snapshot)
    signature: bytes  # Ed25519 over payload


_envelope_encoder = msgspec.msgpack.Encoder()
_envelope_decoder = msgspec.msgpack.Decoder(SignedSnapshot)


class SigningKey:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_text(cls, text: str) -> SigningKey:
        return cls(Ed25519PrivateKey.from_private_bytes(_decode_key(text)))

    def to_text(self) -> str:
        raw = self._key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return _PREFIX + base64.urlsafe_b64encode(raw).decode()

    def verify_key(self) -> VerifyKey:
        return VerifyKey(self._key.public_key())

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)


class VerifyKey:
    def __init__(self, public_key: Ed25519PublicKey) -> None:
        self._key = public_key

    @classmethod
    def from_text(cls, text: str) -> VerifyKey:
        return cls(Ed25519PublicKey.from_public_bytes(_decode_key(text)))

    def to_text(self) -> str:
        raw = self._key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return _PREFIX + base64.urlsafe_b64encode(raw).decode()

    def verify(self, signature: bytes, data: bytes) -> None:
        try:
            self._key.verify(signature, data)
        except InvalidSignature:
            raise SignatureError(
                "the snapshot's signature does not match the control key"
            ) from None


def sign_snapshot(snapshot: Snapshot, key: SigningKey) -> bytes:
    """Encode, sign and wrap a snapshot, ready to send or store."""
    payload = encode_snapshot(snapshot)
    envelope = SignedSnapshot(
        revision=snapshot.revision, payload=payload, signature=key.sign(payload)
    )
    return _envelope_encoder.encode(envelope)


def verify_snapshot(
    data: bytes, key: VerifyKey, decoder: SnapshotDecoder | None = None
) -> Snapshot:
    """Check the signature first, then decode (with `decoder`, reusing the zones of the
    snapshot it decoded before); raise SignatureError on anything wrong."""
    try:
        envelope = _envelope_decoder.decode(data)
    except msgspec.DecodeError as error:
        raise SignatureError(f"the snapshot envelope is unreadable ({error})") from None
    key.verify(envelope.signature, envelope.payload)
    try:
        snapshot = (
            decoder.decode(envelope.payload)
            if decoder is not None
            else decode_snapshot(envelope.payload)
        )
    except (msgspec.DecodeError, ValueError) as error:
        raise SignatureError(f"the signed snapshot does not decode ({error})") from None
    if snapshot.revision != envelope.revision:
        raise SignatureError("the envelope's revision differs from the signed snapshot's")
    return snapshot


def _decode_key(text: str) -> bytes:
    if not text.startswith(_PREFIX):
        raise ValueError(f"A key must start with '{_PREFIX}', such as {_PREFIX}Abc...=")
    try:
        raw = base64.urlsafe_b64decode(text[len(_PREFIX) :].strip())
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ValueError(
            f"'{text}' is not an Ed25519 key: expected 32 bytes in base64 after '{_PREFIX}'."
        )
    return raw
