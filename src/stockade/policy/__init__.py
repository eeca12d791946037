"""The contract between control plane and edge: immutable, versioned snapshots of zones."""

from stockade.policy.codec import decode_snapshot, encode_snapshot
from stockade.policy.signing import (
    SignatureError,
    SignedSnapshot,
    SigningKey,
    VerifyKey,
    sign_snapshot,
    verify_snapshot,
)
from stockade.policy.types import (
    Enforcement,
    FirewallRule,
    RateLimit,
    Snapshot,
    Zone,
    ZoneError,
    parse_origin,
    validate_hostname,
    validate_origin,
)

__all__ = [
    "Enforcement",
    "FirewallRule",
    "RateLimit",
    "SignatureError",
    "SignedSnapshot",
    "SigningKey",
    "Snapshot",
    "VerifyKey",
    "Zone",
    "ZoneError",
    "decode_snapshot",
    "encode_snapshot",
    "parse_origin",
    "sign_snapshot",
    "validate_hostname",
    "validate_origin",
    "verify_snapshot",
]
