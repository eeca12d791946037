"""API tokens: random secrets shown once, stored as SHA-256, each with one role.

SHA-256 without salt is enough here: a token is 256 random bits, so there is nothing to
guess from its hash, and a lookup by hash is one indexed query per request.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from stockade.desk.errors import Conflict, Invalid, NotFound
from stockade.store.models import ROLES, ApiTokenRecord, utcnow

# A recognisable prefix, so a leaked token is easy to spot in logs and by secret scanners.
TOKEN_PREFIX = "stk_"
MAX_NAME = 100


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, name: str, role: str) -> tuple[ApiTokenRecord, str]:
    """A new token: its record and the token text, which is not kept anywhere."""
    name = name.strip()
    if role not in ROLES:
        raise Invalid(
            f"Role '{role}' is not known: use admin (everything), operator (zones and "
            "enforcements), viewer (read only) or edge (the snapshot feed)."
        )
    if not name or len(name) > MAX_NAME:
        raise Invalid(
            f"A token needs a name of 1 to {MAX_NAME} characters that says who or what uses "
            "it, such as edge-paris-1 or alice."
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiTokenRecord(name=name, role=role, token_hash=hash_token(token))
    session.add(record)
    session.flush()
    return record, token


def find_token(session: Session, token: str) -> ApiTokenRecord | None:
    """The token's record if it exists and is not revoked."""
    record = session.scalar(
        select(ApiTokenRecord).where(ApiTokenRecord.token_hash == hash_token(token))
    )
    if record is None or record.revoked_at is not None:
        return None
    return record


def list_tokens(session: Session) -> Sequence[ApiTokenRecord]:
    return session.scalars(select(ApiTokenRecord).order_by(ApiTokenRecord.id)).all()


def revoke_token(session: Session, token_id: int) -> ApiTokenRecord:
    record = session.get(ApiTokenRecord, token_id, with_for_update=True)
    if record is None:
        raise NotFound(
            f"There is no token {token_id}: list them with `stockade token list`.",
            token=token_id,
        )
    if record.revoked_at is not None:
        raise Conflict(
            f"Token {token_id} ({record.name}) was already revoked at "
            f"{record.revoked_at:%Y-%m-%d %H:%M:%S} UTC.",
            token=token_id,
        )
    record.revoked_at = utcnow()
    session.flush()
    return record


def any_token(session: Session) -> bool:
    """Whether a token was ever created (revoked ones count)."""
    return session.scalar(select(ApiTokenRecord.id).limit(1)) is not None
