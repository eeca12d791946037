"""Alerts the watch worker raised, newest first, each with its evidence."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from stockade.control.api.zones import DEFAULT_PAGE, MAX_PAGE, link_next_page
from stockade.control.auth import Caller, require
from stockade.control.errors import ApiError
from stockade.control.state import ControlState, control_state
from stockade.watch.alerts import alert_json, get_alert, list_alerts

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])


class DeliveryOut(BaseModel):
    status: str = Field(description="none, pending, delivered or failed.")
    attempts: int
    error: str | None
    delivered_at: str | None


class AlertOut(BaseModel):
    id: int
    zone: str
    scope: str = Field(description="zone: the zone's signals; target: threats against one.")
    target: str | None
    hour: str = Field(description="The last hour of the window, UTC.")
    window_hours: int
    observed: int
    expected: float
    authors: int
    baseline_per_day: float
    p_value: float
    severity: str = Field(description="watch, elevated or critical.")
    sentence: str
    created_at: str
    delivery: DeliveryOut


class AlertWithEvidence(AlertOut):
    evidence: dict[str, Any] = Field(
        description="items (with their spans), item_count, series, window_start."
    )


@router.get("", response_model=list[AlertOut])
def read_alerts(
    response: Response,
    state: Annotated[ControlState, Depends(control_state)],
    _caller: Annotated[Caller, Depends(require("read"))],
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="Alerts per page, 1 to 1000.")
    ] = DEFAULT_PAGE,
    after: Annotated[
        int | None, Query(description="Only alerts older than the alert with this id.")
    ] = None,
) -> list[dict[str, Any]]:
    """A page of alerts, newest first, without their evidence; a `Link` header with
    `rel="next"` leads to the next page."""
    with state.database.read() as session:
        alerts = list_alerts(session, after=after, limit=limit + 1)
        page = [alert_json(alert, evidence=False) for alert in alerts[:limit]]
    if len(alerts) > limit:
        link_next_page(response, "/v1/alerts", page[-1]["id"], limit)
    return page


@router.get("/{alert_id}", response_model=AlertWithEvidence)
def read_alert(
    alert_id: int,
    state: Annotated[ControlState, Depends(control_state)],
    _caller: Annotated[Caller, Depends(require("read"))],
) -> dict[str, Any]:
    """One alert with its evidence: the items and their spans, and the hourly series."""
    with state.database.read() as session:
        alert = get_alert(session, alert_id)
        if alert is None:
            raise ApiError(
                404,
                f"There is no alert {alert_id}: list the alerts with `stockade alerts` "
                "(GET /v1/alerts).",
                alert=alert_id,
            )
        return alert_json(alert)
