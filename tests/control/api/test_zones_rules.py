"""A zone's rules over HTTP: read, replaced whole, and refused with the desk's sentence
(nothing changed, the revision as it was) when an edge could not load them."""

from __future__ import annotations

from tests.control.conftest import Control

WP_LOGIN = {
    "id": "wp-login",
    "expression": 'http.request.uri.path eq "/wp-login.php"',
    "action": "block",
}
EMPTY = {"access_rules": [], "firewall_rules": [], "rate_limits": [], "lists": []}


def test_rules_are_read_replaced_and_removed(control: Control) -> None:
    control.add_zone("forum")
    response = control.client.get("/v1/zones/forum/rules", headers=control.auth("viewer"))
    assert (response.status_code, response.json()) == (200, EMPTY)

    rules = {
        "access_rules": [{"action": "block", "ips": ["192.0.2.0/24"]}],
        "firewall_rules": [WP_LOGIN],
        "rate_limits": [
            {"id": "burst", "expression": "ip.src.asnum in $hosters", "requests_per_period": 5}
        ],
        "lists": [{"name": "hosters", "items": [64496, 64511], "description": "cloud ASNs"}],
    }
    response = control.client.put(
        "/v1/zones/forum/rules", json=rules, headers=control.auth("operator")
    )
    assert response.status_code == 200, response.text
    assert response.json() == {**rules, "revision": 2}
    read = control.client.get("/v1/zones/forum/rules", headers=control.auth("viewer")).json()
    assert read == rules

    # A list left out is emptied; an empty body removes every rule.
    response = control.client.put(
        "/v1/zones/forum/rules", json={"firewall_rules": [WP_LOGIN]}, headers=control.auth()
    )
    assert response.json() == {**EMPTY, "firewall_rules": [WP_LOGIN], "revision": 3}
    response = control.client.put("/v1/zones/forum/rules", json={}, headers=control.auth())
    assert response.json() == {**EMPTY, "revision": 4}


def test_bad_rules_are_422_with_the_sentence_and_change_nothing(control: Control) -> None:
    control.add_zone("forum")
    control.client.put(
        "/v1/zones/forum/rules", json={"firewall_rules": [WP_LOGIN]}, headers=control.auth()
    )
    before = control.revision()
    for body, expected in [
        (
            {"firewall_rules": [{**WP_LOGIN, "expression": 'http.request.uri.path eq "/x" and'}]},
            "Zone 'forum', firewall rule 'wp-login':\nhttp.request.uri.path eq \"/x\" and\n",
        ),
        (
            {"access_rules": [{"action": "block", "ips": ["300.0.0.1"]}]},
            "Zone 'forum': access_rules[0]: '300.0.0.1' is not an IP address or CIDR block",
        ),
        (
            {"rate_limits": [{"id": "burst", "requests_per_period": 5, "periode": 10}]},
            "Zone 'forum': rate_limits[0] has an unknown key 'periode'; the keys are",
        ),
        (
            {"firewall_rules": [{**WP_LOGIN, "expression": "ip.src.asnum in $hosters"}]},
            "Zone 'forum', firewall rule 'wp-login':\nip.src.asnum in $hosters\n",
        ),
        (
            {"lists": [{"name": "hosters", "items": [{"asn": 64496}]}]},
            "Zone 'forum': lists[0].items[0]: Expected `int | str`, got `object`",
        ),
        ({"firewall_rule": []}, "The request is not valid: 'firewall_rule': Extra inputs"),
        ({"firewall_rules": ["true"]}, "The request is not valid: 'firewall_rules.0': Input"),
    ]:
        response = control.client.put("/v1/zones/forum/rules", json=body, headers=control.auth())
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "invalid"
        assert response.json()["message"].startswith(expected), response.json()["message"]
    assert control.revision() == before
    read = control.client.get("/v1/zones/forum/rules", headers=control.auth()).json()
    assert read == {**EMPTY, "firewall_rules": [WP_LOGIN]}


def test_rules_of_an_unknown_zone_are_404_and_viewers_cannot_change_them(
    control: Control,
) -> None:
    for method in ("GET", "PUT"):
        response = control.client.request(
            method, "/v1/zones/nowhere/rules", json={}, headers=control.auth()
        )
        assert response.status_code == 404
        assert "There is no zone named 'nowhere'" in response.json()["message"]
    control.add_zone("forum")
    response = control.client.put(
        "/v1/zones/forum/rules", json={"firewall_rules": [WP_LOGIN]}, headers=control.auth("viewer")
    )
    assert response.status_code == 403
    assert control.revision() == 1
