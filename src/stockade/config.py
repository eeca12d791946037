"""Settings of the control plane and of the CLI client.

Each setting is looked up, first found wins: a command-line flag, the environment
variable `STOCKADE_<NAME>`, the key `<name>` in `stockade.toml` in the working directory,
then the default. docs/control.md lists them all.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

CONFIG_FILE = "stockade.toml"
ENV_PREFIX = "STOCKADE_"
DEFAULT_LISTEN = "127.0.0.1:8000"
# Written by the control plane on first start (control/app.py); read by the CLI.
ADMIN_TOKEN_FILE = "admin-token"


# Settings that are numbers: their name, type, and least value.
_NUMBERS: tuple[tuple[str, type[int] | type[float], float], ...] = (
    ("watch_interval", float, 0.1),
    ("watch_webhook_timeout", float, 0.1),
    ("watch_webhook_retries", int, 0),
)


class SettingsError(ValueError):
    """A setting that cannot be used; the message says which one and how to fix it."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything `stockade control` and the CLI client need to know."""

    # Data directory: signing key, admin token, and the SQLite database by default.
    data: Path = Path("data")
    # SQLAlchemy URL; unset means sqlite:///DATA/stockade.db.
    database_url: str | None = None
    # Where `stockade control` listens, HOST:PORT.
    listen: str = DEFAULT_LISTEN
    # Base of the public links (notices) put in snapshots; unset means http://LISTEN.
    public_url: str | None = None
    # The control plane the CLI talks to; unset means http://LISTEN.
    url: str | None = None
    # API token the CLI sends; unset means the one in DATA/admin-token, if readable.
    token: str | None = None
    # Where the watch worker posts each new alert as JSON; unset means nowhere.
    watch_webhook: str | None = None
    # Seconds between two runs of the watch worker over new signals.
    watch_interval: float = 60.0
    # Seconds the webhook has to answer one post.
    watch_webhook_timeout: float = 10.0
    # Posts tried again at once when the webhook fails (then again at the next run).
    watch_webhook_retries: int = 3
    # A TOML file of [[monitors]]: pages the watch worker fetches and reads posts from.
    watch_monitors: Path | None = None

    def __post_init__(self) -> None:
        parse_listen(self.listen)
        for name, kind, least in _NUMBERS:
            object.__setattr__(self, name, _number(name, getattr(self, name), kind, least))
        for name in ("public_url", "url", "watch_webhook"):
            value = getattr(self, name)
            if value is not None and not value.startswith(("http://", "https://")):
                raise SettingsError(
                    f"{ENV_PREFIX}{name.upper()} is '{value}', which is not a URL: give one "
                    "such as https://control.example.net."
                )

    @property
    def database(self) -> str:
        """The database URL in use."""
        return self.database_url or f"sqlite:///{self.data.resolve() / 'stockade.db'}"

    @property
    def public_base(self) -> str:
        """Base URL of the public site, without a trailing slash."""
        return (self.public_url or f"http://{self.listen}").rstrip("/")

    @property
    def api_url(self) -> str:
        """Base URL of the API the CLI talks to, without a trailing slash."""
        return (self.url or f"http://{self.listen}").rstrip("/")

    @property
    def api_token(self) -> str | None:
        """The token the CLI sends: the setting, else the admin token of the data directory."""
        return self.token or read_admin_token(self.data)


SETTING_NAMES = tuple(field.name for field in fields(Settings))


def _number(name: str, value: object, kind: type[int] | type[float], least: float) -> float:
    """`value` (a string when it comes from the environment or stockade.toml) as `kind`."""
    try:
        number = kind(str(value).strip())
    except (TypeError, ValueError):
        number = None
    if number is None or number < least:
        example = "10" if kind is int else "60"
        raise SettingsError(
            f"{ENV_PREFIX}{name.upper()} is '{value}', which is not a "
            f"{'whole ' if kind is int else ''}number of at least {least:g}: give one such "
            f"as {example}."
        )
    return number


def load_settings(
    flags: Mapping[str, object | None] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    directory: Path | None = None,
) -> Settings:
    """Settings from flags (None values ignored), the environment, and stockade.toml."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = dict(_read_file((directory or Path.cwd()) / CONFIG_FILE))
    for name in SETTING_NAMES:
        env_value = environ.get(ENV_PREFIX + name.upper())
        if env_value:
            values[name] = env_value
    values.update({key: value for key, value in (flags or {}).items() if value is not None})
    for name in ("data", "watch_monitors"):
        if name in values:
            values[name] = Path(str(values[name]))
    return Settings(**values)  # type: ignore[arg-type]


def _read_file(path: Path) -> dict[str, str]:
    try:
        with path.open("rb") as file:
            raw = tomllib.load(file)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"Cannot read {path}: {error}. Fix the file or remove it.") from None
    unknown = sorted(set(raw) - set(SETTING_NAMES))
    if unknown:
        raise SettingsError(
            f"{path} has unknown key(s) {', '.join(unknown)}: the keys are "
            f"{', '.join(SETTING_NAMES)}."
        )
    for key, value in raw.items():
        if not isinstance(value, str):
            raise SettingsError(f"{path}: '{key}' must be a string, such as {key} = \"...\".")
    return raw


def read_admin_token(data: Path) -> str | None:
    try:
        return (data / ADMIN_TOKEN_FILE).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def parse_listen(address: str) -> tuple[str, int]:
    """(host, port) of HOST:PORT or [IPv6]:PORT."""
    host, _, port = address.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SettingsError(
            f"Listen address '{address}' is not HOST:PORT: give one such as 127.0.0.1:8000."
        )
    return host, int(port)
