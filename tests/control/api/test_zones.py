"""Zones over HTTP: the answers, the errors as sentences, and nothing half-written."""

from __future__ import annotations

from tests.control.conftest import Control


def test_create_read_list_update_delete(control: Control) -> None:
    created = control.add_zone(
        "forum",
        "forum.example",
        "www.forum.example",
        service="hosted",
        customer_contact="owner@forum.example",
        abuse_contact="abuse@host.example",
    )
    assert created["revision"] == 1
    zone = control.client.get("/v1/zones/forum", headers=control.auth("viewer")).json()
    assert zone["hostnames"] == ["forum.example", "www.forum.example"]
    assert (zone["service"], zone["abuse_contact"]) == ("hosted", "abuse@host.example")
    listed = control.client.get("/v1/zones", headers=control.auth("viewer")).json()
    assert [z["name"] for z in listed] == ["forum"]

    response = control.client.patch(
        "/v1/zones/forum",
        json={"origins": ["https://origin.example"], "customer_contact": None},
        headers=control.auth("operator"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["revision"] == 2
    assert body["zone"]["origins"] == ["https://origin.example"]
    assert body["zone"]["customer_contact"] is None
    assert body["zone"]["abuse_contact"] == "abuse@host.example"

    response = control.client.delete("/v1/zones/forum", headers=control.auth("operator"))
    assert response.json() == {"deleted": "forum", "revision": 3}
    assert control.client.get("/v1/zones/forum", headers=control.auth()).status_code == 404


def test_a_hostname_conflict_is_409_naming_the_other_zone(control: Control) -> None:
    control.add_zone("forum", "forum.example")
    response = control.client.post(
        "/v1/zones",
        json={"name": "copy", "hostnames": ["forum.example"], "origins": ["http://10.0.0.6"]},
        headers=control.auth(),
    )
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "conflict"
    assert "already belongs to zone 'forum'" in body["message"]
    assert body["details"] == {"hostname": "forum.example", "zone": "forum"}
    assert control.revision() == 1


def test_invalid_hostnames_and_origins_are_422_with_a_sentence(control: Control) -> None:
    for field, value, expected in [
        ("hostnames", ["bad host!"], "'bad host!' is not a valid hostname"),
        ("origins", ["ftp://10.0.0.5"], "origin 'ftp://10.0.0.5' is not usable"),
    ]:
        body = {"name": "forum", "hostnames": ["forum.example"], "origins": ["http://10.0.0.5"]}
        body[field] = value
        response = control.client.post("/v1/zones", json=body, headers=control.auth())
        assert response.status_code == 422
        assert expected in response.json()["message"]
        assert response.json()["message"].endswith(".")
    assert control.client.get("/v1/zones", headers=control.auth()).json() == []
    assert control.revision() == 0


def test_malformed_bodies_are_422_saying_which_field(control: Control) -> None:
    response = control.client.post(
        "/v1/zones",
        json={"name": "forum", "hostnames": "forum.example", "origin": ["http://x"]},
        headers=control.auth(),
    )
    assert response.status_code == 422
    message = response.json()["message"]
    assert "'hostnames'" in message and "'origin'" in message and "'origins'" in message


def test_unknown_zones_are_404(control: Control) -> None:
    for method, path in [
        ("GET", "/v1/zones/ghost"),
        ("PATCH", "/v1/zones/ghost"),
        ("DELETE", "/v1/zones/ghost"),
    ]:
        response = control.client.request(
            method,
            path,
            json={"service": "hosted"} if method == "PATCH" else None,
            headers=control.auth(),
        )
        assert response.status_code == 404, (method, response.text)
        assert "no zone named 'ghost'" in response.json()["message"]


def test_a_failed_update_changes_nothing(control: Control) -> None:
    control.add_zone("forum", "forum.example")
    control.add_zone("other", "other.example")
    response = control.client.patch(
        "/v1/zones/other",
        json={"hostnames": ["forum.example"], "origins": ["http://10.0.0.9"]},
        headers=control.auth(),
    )
    assert response.status_code == 409
    other = control.client.get("/v1/zones/other", headers=control.auth()).json()
    assert (other["hostnames"], other["origins"]) == (["other.example"], ["http://10.0.0.5:8080"])
    assert control.revision() == 2


def test_the_list_comes_in_pages_linked_by_next(control: Control) -> None:
    for name in ("gamma", "alpha", "beta"):
        control.add_zone(name, f"{name}.example")
    first = control.client.get("/v1/zones?limit=2", headers=control.auth("viewer"))
    assert [z["name"] for z in first.json()] == ["alpha", "beta"]
    assert first.headers["link"] == '</v1/zones?after=beta&limit=2>; rel="next"'
    last = control.client.get(first.links["next"]["url"], headers=control.auth("viewer"))
    assert [z["name"] for z in last.json()] == ["gamma"]
    assert "link" not in last.headers
    # Without a limit, a page holds up to 500.
    everything = control.client.get("/v1/zones", headers=control.auth("viewer"))
    assert len(everything.json()) == 3 and "link" not in everything.headers


def test_a_page_size_out_of_range_is_422_with_a_sentence(control: Control) -> None:
    for limit in ("0", "1001", "many"):
        response = control.client.get(f"/v1/zones?limit={limit}", headers=control.auth())
        assert response.status_code == 422
        message = response.json()["message"]
        assert "limit'" in message and message.endswith("."), message


def test_challenge_settings_are_set_shown_and_changed(control: Control) -> None:
    created = control.add_zone("forum", challenge_difficulty=12)
    zone = created["zone"]
    assert isinstance(zone, dict)
    assert (zone["security_level"], zone["challenge_difficulty"], zone["clearance_ttl"]) == (
        "normal",
        12,
        3600,
    )
    response = control.client.patch(
        "/v1/zones/forum",
        json={"security_level": "under_attack", "clearance_ttl": 600},
        headers=control.auth("operator"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["revision"] == 2
    zone = control.client.get("/v1/zones/forum", headers=control.auth("viewer")).json()
    assert (zone["security_level"], zone["challenge_difficulty"], zone["clearance_ttl"]) == (
        "under_attack",
        12,
        600,
    )


def test_bad_challenge_settings_are_422_with_a_sentence_and_change_nothing(
    control: Control,
) -> None:
    control.add_zone("forum")
    for body, expected in [
        (
            {"challenge_difficulty": 40},
            "Zone 'forum': challenge_difficulty 40 is out of range: give 1 to 32 leading zero bits",
        ),
        (
            {"clearance_ttl": 10, "security_level": "under_attack"},
            "Zone 'forum': clearance_ttl 10 is out of range: give 60 seconds to 30 days",
        ),
        ({"security_level": "panic"}, "'security_level': Input should be 'normal' or 'under_at"),
        ({"challenge_difficulty": True}, "'challenge_difficulty': Input should be a valid int"),
        ({"clearance_ttl": "600"}, "'clearance_ttl': Input should be a valid integer"),
    ]:
        response = control.client.patch("/v1/zones/forum", json=body, headers=control.auth())
        assert response.status_code == 422, response.text
        message = response.json()["message"]
        assert expected in message and message.endswith("."), message
    response = control.client.post(
        "/v1/zones",
        json={
            "name": "other",
            "hostnames": ["other.example"],
            "origins": ["http://10.0.0.5"],
            "challenge_difficulty": 0,
        },
        headers=control.auth(),
    )
    assert response.status_code == 422
    assert "challenge_difficulty 0 is out of range" in response.json()["message"]
    zones = control.client.get("/v1/zones", headers=control.auth()).json()
    assert [(z["name"], z["security_level"], z["clearance_ttl"]) for z in zones] == [
        ("forum", "normal", 3600)
    ]
    assert control.revision() == 1


def test_sampling_settings_are_set_shown_and_changed(control: Control) -> None:
    created = control.add_zone("forum", sample_rate=0.25)
    zone = created["zone"]
    assert isinstance(zone, dict)
    assert (zone["sample_rate"], zone["sample_types"]) == (0.25, ["text/html", "application/json"])
    response = control.client.patch(
        "/v1/zones/forum",
        json={"sample_rate": 1, "sample_types": ["text/plain"]},
        headers=control.auth("operator"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["revision"] == 2
    zone = control.client.get("/v1/zones/forum", headers=control.auth("viewer")).json()
    assert (zone["sample_rate"], zone["sample_types"]) == (1.0, ["text/plain"])


def test_bad_sampling_settings_are_422_with_a_sentence_and_change_nothing(
    control: Control,
) -> None:
    control.add_zone("forum")
    for body, expected in [
        (
            {"sample_rate": 1.5},
            "Zone 'forum': sample_rate 1.5 is out of range: give 0 (no sampling) to 1",
        ),
        (
            {"sample_types": ["text/html", "HTML"], "origins": ["http://10.0.0.6"]},
            "Zone 'forum': sample type 'HTML' is not a media type: give one in lower case",
        ),
        ({"sample_rate": "0.5"}, "'sample_rate': Input should be a valid number"),
        ({"sample_types": "text/html"}, "'sample_types': Input should be a valid list"),
    ]:
        response = control.client.patch("/v1/zones/forum", json=body, headers=control.auth())
        assert response.status_code == 422, response.text
        message = response.json()["message"]
        assert expected in message and message.endswith("."), message
    response = control.client.post(
        "/v1/zones",
        json={
            "name": "other",
            "hostnames": ["other.example"],
            "origins": ["http://10.0.0.5"],
            "sample_rate": -0.1,
        },
        headers=control.auth(),
    )
    assert response.status_code == 422
    assert "sample_rate -0.1 is out of range" in response.json()["message"]
    zones = control.client.get("/v1/zones", headers=control.auth()).json()
    assert [(z["name"], z["origins"], z["sample_rate"], z["sample_types"]) for z in zones] == [
        ("forum", ["http://10.0.0.5:8080"], 0.0, ["text/html", "application/json"])
    ]
    assert control.revision() == 1


def test_the_schema_describes_the_challenge_settings(control: Control) -> None:
    schemas = control.client.get("/openapi.json").json()["components"]["schemas"]
    for model in ("ZoneIn", "ZonePatch", "ZoneOut"):
        properties = schemas[model]["properties"]
        for name in (
            "security_level",
            "challenge_difficulty",
            "clearance_ttl",
            "sample_rate",
            "sample_types",
        ):
            assert properties[name].get("description"), (model, name)
