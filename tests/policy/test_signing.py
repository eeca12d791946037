from __future__ import annotations

import msgspec
import pytest

from stockade.policy import (
    Enforcement,
    SignatureError,
    SignedSnapshot,
    SigningKey,
    Snapshot,
    VerifyKey,
    Zone,
    sign_snapshot,
    verify_snapshot,
)

SNAPSHOT = Snapshot(
    revision=3,
    zones=(
        Zone(
            name="forum",
            hostnames=("forum.example",),
            origins=("http://10.0.0.5",),
            enforcements=(
                Enforcement(
                    id="e1",
                    action="block",
                    basis="emergency",
                    reason="This site is blocked because it is used to threaten a person.",
                    notice_url="https://provider.example/notices/1",
                ),
            ),
        ),
    ),
)


def test_signed_snapshots_verify_with_the_public_key_text() -> None:
    key = SigningKey.generate()
    public = VerifyKey.from_text(key.verify_key().to_text())
    assert verify_snapshot(sign_snapshot(SNAPSHOT, key), public) == SNAPSHOT
    assert SigningKey.from_text(key.to_text()).verify_key().to_text() == public.to_text()


def test_tampering_and_other_keys_are_refused() -> None:
    key = SigningKey.generate()
    data = sign_snapshot(SNAPSHOT, key)
    envelope = msgspec.msgpack.decode(data, type=SignedSnapshot)
    unblocked = msgspec.structs.replace(
        SNAPSHOT, zones=(msgspec.structs.replace(SNAPSHOT.zones[0], enforcements=()),)
    )
    forged = msgspec.msgpack.encode(
        msgspec.structs.replace(envelope, payload=msgspec.msgpack.encode(unblocked))
    )
    with pytest.raises(SignatureError, match="does not match"):
        verify_snapshot(forged, key.verify_key())
    with pytest.raises(SignatureError, match="does not match"):
        verify_snapshot(data, SigningKey.generate().verify_key())
    with pytest.raises(SignatureError, match="unreadable"):
        verify_snapshot(b"\x00garbage", key.verify_key())
    relabelled = msgspec.msgpack.encode(msgspec.structs.replace(envelope, revision=99))
    with pytest.raises(SignatureError, match="revision differs"):
        verify_snapshot(relabelled, key.verify_key())


@pytest.mark.parametrize("text", ["abc", "ed25519:", "ed25519:AAAA", "ed25519:!!!"])
def test_bad_key_text_is_explained(text: str) -> None:
    with pytest.raises(ValueError, match="ed25519:"):
        VerifyKey.from_text(text)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"status": 404}, "use 451 or 403"),
        ({"reason": " "}, "needs a reason"),
        ({"notice_url": "javascript:alert(1)"}, "is not a link"),
        ({"notice_url": "https://a.example/x\r\nSet-Cookie: a=b"}, "is not a link"),
        ({"notice_url": "https://a.example/<x>"}, "is not a link"),
        ({"action": "path_block"}, "needs at least one path"),
        ({"action": "path_block", "paths": ("threads",)}, "must start with '/'"),
        ({"action": "geo_block"}, "at least one country code"),
        ({"action": "geo_block", "countries": ("fr",)}, "is not a country code"),
        ({"starts_at": 10.0, "ends_at": 5.0}, "end after it starts"),
    ],
)
def test_bad_enforcements_are_refused(fields: dict[str, object], words: str) -> None:
    base: dict[str, object] = {
        "id": "e",
        "action": "block",
        "basis": "policy",
        "reason": "Blocked.",
        "notice_url": "/notices/1",
    }
    with pytest.raises(ValueError, match=words):
        Enforcement(**{**base, **fields})  # type: ignore[arg-type]
