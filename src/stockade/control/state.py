"""What every request handler of one control process shares."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from stockade.config import Settings
from stockade.control.revisions import RevisionWatch
from stockade.control.snapshots import SnapshotCache
from stockade.policy import SigningKey
from stockade.store import Database


@dataclass(frozen=True, kw_only=True)
class ControlState:
    settings: Settings
    database: Database
    signing_key: SigningKey
    watch: RevisionWatch
    snapshots: SnapshotCache

    @property
    def public_base(self) -> str:
        return self.settings.public_base


def control_state(request: Request) -> ControlState:
    """FastAPI dependency: the state create_app attached to the app."""
    state: ControlState = request.app.state.control
    return state
