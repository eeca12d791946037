"""GET /v1/alerts and GET /v1/alerts/{id} over HTTP: newest first, in pages linked by
next, one alert with its evidence, and a sentence for an alert that does not exist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from stockade.watch.alerts import record_surge
from stockade.watch.surge import Surge
from tests.control.conftest import Control

HOUR = datetime(2026, 3, 2, 14, tzinfo=UTC)


def add_alerts(control: Control, count: int) -> None:
    control.add_zone("forum")
    database = control.client.app.state.control.database  # type: ignore[attr-defined]
    with database.write() as session:
        for back in range(count):
            surge = Surge(
                "forum", "zone", HOUR - timedelta(hours=back), 6, 18, 1.5, 9, 6.3, 1e-12, "critical"
            )
            record_surge(session, surge, zone="forum", zone_id=1)


def test_alerts_are_listed_newest_first_in_pages(control: Control) -> None:
    add_alerts(control, 3)
    first = control.client.get("/v1/alerts?limit=2", headers=control.auth("viewer"))
    assert first.status_code == 200, first.text
    assert [alert["id"] for alert in first.json()] == [3, 2]
    assert first.headers["link"] == '</v1/alerts?after=2&limit=2>; rel="next"'
    assert "evidence" not in first.json()[0]
    assert first.json()[0]["sentence"].startswith("surge on forum: 18 signals by 9 authors in 6 h")
    last = control.client.get(first.links["next"]["url"], headers=control.auth("viewer"))
    assert [alert["id"] for alert in last.json()] == [1]
    assert "link" not in last.headers


def test_one_alert_with_its_evidence(control: Control) -> None:
    add_alerts(control, 1)
    alert = control.client.get("/v1/alerts/1", headers=control.auth("viewer")).json()
    assert alert["severity"] == "critical" and alert["hour"] == "2026-03-02T14:00:00Z"
    assert alert["evidence"]["item_count"] == 0
    assert len(alert["evidence"]["series"]) == 7 * 24 + 6
    assert alert["delivery"]["status"] == "none"


def test_an_alert_that_does_not_exist_is_404_with_a_sentence(control: Control) -> None:
    response = control.client.get("/v1/alerts/7", headers=control.auth())
    assert response.status_code == 404
    assert response.json()["message"] == (
        "There is no alert 7: list the alerts with `stockade alerts` (GET /v1/alerts)."
    )


def test_alerts_need_a_token(control: Control) -> None:
    assert control.client.get("/v1/alerts").status_code == 401
    assert control.client.get("/v1/alerts", headers=control.auth("edge")).status_code == 403
