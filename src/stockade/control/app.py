"""The control-plane service: bootstrap the data directory, build the app, serve it.

bootstrap(settings)   migrations, signing key, first admin token (idempotent)
create_app(settings)  the FastAPI app; needs a bootstrapped data directory
serve(settings)       run it with uvicorn in the current event loop
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

from stockade.config import ADMIN_TOKEN_FILE, Settings, parse_listen, read_admin_token
from stockade.control import edge_feed
from stockade.control.api import (
    alerts,
    edge_samples,
    edges,
    enforcements,
    tokens,
    watch_items,
    zones,
)
from stockade.control.body_limit import BodyLimit
from stockade.control.errors import install_error_handlers
from stockade.control.keys import ensure_signing_key, load_signing_key, write_secret
from stockade.control.public import notices
from stockade.control.revisions import RevisionWatch, listen_for_revisions
from stockade.control.snapshots import SnapshotCache
from stockade.control.state import ControlState
from stockade.desk.tokens import any_token, create_token
from stockade.store import Database, current_revision

log = logging.getLogger("stockade.control")

# How long a stopping control process lets requests finish (long-polls are released).
SHUTDOWN_SECONDS = 5
# How long a starting process waits for LISTEN before serving without it.
LISTEN_READY_SECONDS = 10


@dataclass(frozen=True, kw_only=True)
class Bootstrap:
    data: Path
    public_key: str  # ed25519:..., for `stockade edge --control-key`
    # The admin token: made now on first start, else read back from DATA/admin-token
    # (None if that file was removed).
    admin_token: str | None
    created_admin_token: bool


def bootstrap(settings: Settings) -> Bootstrap:
    """Prepare the data directory and database; safe to run at every start."""
    key = ensure_signing_key(settings.data)
    database = Database(settings.database)
    created: str | None = None
    try:
        database.migrate()
        with database.write() as session:
            database.lock_exclusively(session)
            if not any_token(session):
                _record, created = create_token(session, name="admin", role="admin")
                # Written before the commit: if the file cannot be written, no token
                # exists that nobody knows.
                token_file = settings.data / ADMIN_TOKEN_FILE
                token_file.unlink(missing_ok=True)
                write_secret(token_file, created)
    finally:
        database.dispose()
    return Bootstrap(
        data=settings.data,
        public_key=key.verify_key().to_text(),
        admin_token=created or read_admin_token(settings.data),
        created_admin_token=created is not None,
    )


class Health(BaseModel):
    status: str
    revision: int


def create_app(settings: Settings) -> FastAPI:
    """The control plane's app. Run bootstrap(settings) first."""
    signing_key = load_signing_key(settings.data)
    database = Database(settings.database)
    watch = RevisionWatch()
    database.add_revision_listener(watch.advance_threadsafe)
    state = ControlState(
        settings=settings,
        database=database,
        signing_key=signing_key,
        watch=watch,
        snapshots=SnapshotCache(database, signing_key, settings.public_base),
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        watch.bind(asyncio.get_running_loop())
        with database.read() as session:
            watch.advance(current_revision(session))
        listener = None
        if database.is_postgres:
            ready = asyncio.Event()
            listener = asyncio.create_task(listen_for_revisions(database.url, watch, ready))
            try:
                await asyncio.wait_for(ready.wait(), LISTEN_READY_SECONDS)
            except TimeoutError:
                log.warning(
                    "serving before LISTEN is in place: changes made through other "
                    "control processes reach this one's edges within 30 s"
                )
        try:
            yield
        finally:
            watch.close()
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener
            database.dispose()

    app = FastAPI(
        title="Stockade control plane",
        summary="Zones, enforcements with public notices, API tokens, and the signed "
        "snapshot feed edges follow.",
        version="1",
        lifespan=lifespan,
        openapi_url="/openapi.json",
        # The interactive docs pages load scripts from a CDN: not on a control plane.
        docs_url=None,
        redoc_url=None,
    )
    app.state.control = state
    install_error_handlers(app)
    app.add_middleware(BodyLimit)
    routers = (zones, enforcements, tokens, edges, watch_items, alerts, edge_feed, edge_samples)
    for module in (*routers, notices):
        app.include_router(module.router)

    @app.get("/v1/health", response_model=Health, tags=["health"])
    def health() -> Health:
        """Up, and the newest revision this process knows of (no token needed)."""
        return Health(status="ok", revision=watch.revision)

    return app


class _Server(uvicorn.Server):
    """Releases held long-polls as soon as a stop is asked for, so shutdown is quick."""

    def __init__(
        self, config: uvicorn.Config, watch: RevisionWatch, loop: asyncio.AbstractEventLoop
    ) -> None:
        super().__init__(config)
        self.watch = watch
        self.loop = loop

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # Called from a signal handler: hand the release over to the event loop.
        self.loop.call_soon_threadsafe(self.watch.close)
        super().handle_exit(sig, frame)


async def serve(settings: Settings, app: FastAPI | None = None) -> None:
    """Serve the control plane on settings.listen until SIGINT or SIGTERM."""
    host, port = parse_listen(settings.listen)
    app = app or create_app(settings)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        timeout_graceful_shutdown=SHUTDOWN_SECONDS,
        log_level="info",
    )
    await _Server(config, app.state.control.watch, asyncio.get_running_loop()).serve()
