"""Tokens: random, shown once, stored only as a hash, revocable."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from stockade.desk import Conflict, Invalid, NotFound
from stockade.desk.tokens import (
    TOKEN_PREFIX,
    any_token,
    create_token,
    find_token,
    hash_token,
    list_tokens,
    revoke_token,
)
from stockade.store import Database
from stockade.store.models import ApiTokenRecord


def test_a_token_is_found_by_its_text_but_only_its_hash_is_stored(database: Database) -> None:
    with database.write() as session:
        assert not any_token(session)
        record, token = create_token(session, name="edge-1", role="edge")
        token_id = record.id
    assert token.startswith(TOKEN_PREFIX) and len(token) > 40
    with database.read() as session:
        stored = session.scalars(select(ApiTokenRecord)).one()
        assert stored.token_hash == hash_token(token) != token
        found = find_token(session, token)
        assert found is not None and (found.id, found.role) == (token_id, "edge")
        assert find_token(session, token + "x") is None
        assert any_token(session)


def test_tokens_differ_each_time(database: Database) -> None:
    with database.write() as session:
        tokens = {create_token(session, name="n", role="viewer")[1] for _ in range(5)}
    assert len(tokens) == 5


def test_a_revoked_token_stops_working_but_stays_listed(database: Database) -> None:
    with database.write() as session:
        record, token = create_token(session, name="alice", role="operator")
        token_id = record.id
    with database.write() as session:
        assert revoke_token(session, token_id).revoked_at is not None
    with database.read() as session:
        assert find_token(session, token) is None
        assert [t.name for t in list_tokens(session)] == ["alice"]
    with pytest.raises(Conflict, match="already revoked"), database.write() as session:
        revoke_token(session, token_id)
    with pytest.raises(NotFound), database.write() as session:
        revoke_token(session, 999)


@pytest.mark.parametrize(
    ("name", "role", "expected"),
    [
        ("x", "root", "Role 'root' is not known"),
        ("", "admin", "needs a name"),
        ("x" * 101, "edge", "needs a name"),
    ],
)
def test_bad_tokens_are_refused(database: Database, name: str, role: str, expected: str) -> None:
    with pytest.raises(Invalid, match=expected), database.write() as session:
        create_token(session, name=name, role=role)
