"""API tokens (admin only): create one (its text is shown once), list, revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from stockade.control.auth import Caller, require
from stockade.control.state import ControlState, control_state
from stockade.desk import tokens as desk
from stockade.store.models import ApiTokenRecord

router = APIRouter(prefix="/v1/tokens", tags=["tokens"])

Role = Literal["admin", "operator", "viewer", "edge"]


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Who or what uses it, such as edge-paris-1 or alice.")
    role: Role


class TokenOut(BaseModel):
    id: int
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None


class NewToken(TokenOut):
    token: str = Field(description="The token itself: shown this once, never stored.")


def token_out(record: ApiTokenRecord) -> TokenOut:
    return TokenOut(
        id=record.id,
        name=record.name,
        role=record.role,
        created_at=record.created_at,
        revoked_at=record.revoked_at,
    )


@router.get("", response_model=list[TokenOut])
def list_tokens(
    state: Annotated[ControlState, Depends(control_state)],
    _caller: Annotated[Caller, Depends(require("tokens"))],
) -> list[TokenOut]:
    with state.database.read() as session:
        return [token_out(record) for record in desk.list_tokens(session)]


@router.post("", status_code=201, response_model=NewToken)
def create_token(
    body: TokenIn,
    state: Annotated[ControlState, Depends(control_state)],
    _caller: Annotated[Caller, Depends(require("tokens"))],
) -> NewToken:
    with state.database.write() as session:
        record, token = desk.create_token(session, name=body.name, role=body.role)
        out = token_out(record)
    return NewToken(**out.model_dump(), token=token)


@router.delete("/{token_id}", response_model=TokenOut)
def revoke_token(
    token_id: int,
    state: Annotated[ControlState, Depends(control_state)],
    _caller: Annotated[Caller, Depends(require("tokens"))],
) -> TokenOut:
    """Revoke a token: it stops working at once. The record stays."""
    with state.database.write() as session:
        return token_out(desk.revoke_token(session, token_id))
