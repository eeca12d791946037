"""The contract between control plane and edge: immutable, versioned snapshots of zones."""

from stockade.policy.codec import decode_snapshot, encode_snapshot
from stockade.policy.types import Snapshot, Zone, ZoneError, validate_hostname, validate_origin

__all__ = [
    "Snapshot",
    "Zone",
    "ZoneError",
    "decode_snapshot",
    "encode_snapshot",
    "validate_hostname",
    "validate_origin",
]
