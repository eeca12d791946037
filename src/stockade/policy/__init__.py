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
    CHALLENGE_DIFFICULTY,
    CLEARANCE_TTL,
    SECURITY_LEVELS,
    Enforcement,
    SecurityLevel,
    Snapshot,
    Zone,
    ZoneError,
    parse_origin,
    validate_challenge,
    validate_hostname,
    validate_origin,
)

__all__ = [
    "CHALLENGE_DIFFICULTY",
    "CLEARANCE_TTL",
    "SECURITY_LEVELS",
    "Enforcement",
    "SecurityLevel",
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
    "validate_challenge",
    "validate_hostname",
    "validate_origin",
    "verify_snapshot",
]
