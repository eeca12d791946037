"""TLS termination: the certificate is chosen per zone by the name the visitor asked for."""

from __future__ import annotations

import logging
import ssl

from stockade.edge.config import ConfigError
from stockade.policy import Snapshot

log = logging.getLogger("stockade.edge")

# Where the SNI name a visitor asked for is kept on its connection's SSLObject.
SERVER_NAME_ATTRIBUTE = "stockade_server_name"


class TlsContexts:
    """Server contexts by hostname; the listener's context switches to one in SNI."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.exact: dict[str, ssl.SSLContext] = {}
        self.wildcard: dict[str, ssl.SSLContext] = {}
        self.default: ssl.SSLContext | None = None
        self.default_files: tuple[str, str] | None = None
        self.update(snapshot)

    def update(self, snapshot: Snapshot) -> None:
        exact: dict[str, ssl.SSLContext] = {}
        wildcard: dict[str, ssl.SSLContext] = {}
        default = None
        default_files = None
        loaded: dict[tuple[str, str], ssl.SSLContext] = {}
        for zone in snapshot.zones:
            if zone.tls_certificate is None or zone.tls_key is None:
                continue
            key = (zone.tls_certificate, zone.tls_key)
            context = loaded.get(key)
            if context is None:
                context = loaded[key] = server_context(*key)
            if default is None:
                default, default_files = context, key
            for hostname in zone.hostnames:
                if hostname.startswith("*."):
                    wildcard[hostname[2:]] = context
                else:
                    exact[hostname] = context
        self.exact, self.wildcard = exact, wildcard
        self.default, self.default_files = default, default_files

    def find(self, server_name: str) -> ssl.SSLContext | None:
        context = self.exact.get(server_name)
        if context is not None:
            return context
        labels = server_name.split(".")
        for start in range(1, len(labels)):
            context = self.wildcard.get(".".join(labels[start:]))
            if context is not None:
                return context
        return None

    def listener_context(self) -> ssl.SSLContext:
        """The context a TLS listener starts with; SNI then picks the zone's own."""
        if self.default_files is None:
            raise ConfigError(
                "TLS listeners need at least one zone with tls_certificate and tls_key."
            )
        context = _base_context()
        # Without SNI (or for an unknown name) the visitor gets the first zone's certificate.
        context.load_cert_chain(*self.default_files)
        context.sni_callback = self._select
        return context

    def _select(
        self, connection: ssl.SSLObject, server_name: str | None, _: ssl.SSLContext
    ) -> int | None:
        if server_name:
            name = server_name.lower()
            # The server side of an SSLObject does not keep the name: keep it for the 421 check.
            setattr(connection, SERVER_NAME_ATTRIBUTE, name)
            context = self.find(name) or self.default
            if context is not None:
                connection.context = context
        return None


def _base_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    context.options |= ssl.OP_NO_COMPRESSION
    return context


def server_context(certificate: str, key: str) -> ssl.SSLContext:
    context = _base_context()
    try:
        context.load_cert_chain(certificate, key)
    except (OSError, ssl.SSLError) as error:
        raise ConfigError(
            f"Cannot load the TLS certificate {certificate} with key {key}: {error}. "
            "Check both paths and that the key matches the certificate."
        ) from None
    return context
