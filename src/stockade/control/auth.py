"""Who is calling: a bearer token, looked up by its hash, and what its role allows.

admin     everything, including tokens
operator  zones, enforcements, notices; read edges
viewer    read only
edge      the snapshot feed, and samples of served content
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from stockade.control.errors import ApiError
from stockade.control.state import ControlState, control_state
from stockade.desk.tokens import find_token

Permission = Literal["read", "write", "feed", "tokens"]

PERMISSIONS: dict[str, frozenset[Permission]] = {
    "admin": frozenset({"read", "write", "feed", "tokens"}),
    "operator": frozenset({"read", "write"}),
    "viewer": frozenset({"read"}),
    "edge": frozenset({"feed"}),
}
# For error messages: what each permission is for, and the roles that have it.
_WHAT = {
    "read": "read zones, enforcements, edges and alerts",
    "write": "change zones and enforcements, or push posts",
    "feed": "follow the snapshot feed and send samples",
    "tokens": "manage API tokens",
}

_bearer = HTTPBearer(auto_error=False, description="An API token: Authorization: Bearer stk_...")


@dataclass(frozen=True, slots=True)
class Caller:
    token_id: int
    name: str
    role: str

    @property
    def actor(self) -> str:
        """How the caller is named in records (created_by, lifted_by)."""
        return f"{self.name} (token {self.token_id})"


def require(permission: Permission) -> Callable[..., Caller]:
    """A dependency that admits a token whose role has `permission`."""

    def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        state: Annotated[ControlState, Depends(control_state)],
    ) -> Caller:
        if credentials is None:
            raise ApiError(
                401,
                "This call needs an API token: send 'Authorization: Bearer TOKEN' (the CLI "
                "reads it from STOCKADE_TOKEN).",
                headers={"WWW-Authenticate": "Bearer"},
            )
        with state.database.read() as session:
            record = find_token(session, credentials.credentials)
            caller = (
                Caller(token_id=record.id, name=record.name, role=record.role)
                if record is not None
                else None
            )
        if caller is None:
            raise ApiError(
                401,
                "This API token is not valid: it is mistyped or was revoked. Ask an admin "
                "for a new one (`stockade token create`).",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        if permission not in PERMISSIONS.get(caller.role, frozenset()):
            allowed = [role for role, granted in PERMISSIONS.items() if permission in granted]
            raise ApiError(
                403,
                f"Token '{caller.name}' has the role {caller.role}, which cannot "
                f"{_WHAT[permission]}: use a token with the role {' or '.join(allowed)}.",
                role=caller.role,
                allowed_roles=allowed,
            )
        request.state.caller = caller
        return caller

    return dependency
