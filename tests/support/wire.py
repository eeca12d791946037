"""A visitor connection to an in-memory edge, with origin connections from its pools:
protocol tests feed raw bytes and read raw bytes, no sockets."""

from __future__ import annotations

from stockade.edge.protocol import HttpProtocol
from stockade.edge.runtime import Edge
from stockade.edge.upstream import UpstreamConnection
from tests.support.mock_transport import MockTransport


class Wire:
    """One visitor connection, and the origin connections the edge took from its pools."""

    def __init__(
        self, edge: Edge, peer: tuple[str, int] = ("203.0.113.7", 40000), scheme: bytes = b"http"
    ) -> None:
        self.edge = edge
        self.transport = MockTransport(peer)
        self.protocol = HttpProtocol(edge, scheme)
        self.transport.protocol = self.protocol
        self.protocol.connection_made(self.transport)
        self.upstreams: list[tuple[UpstreamConnection, MockTransport]] = []

    def pool_connection(self, url: str = "http://10.0.0.5:8080") -> MockTransport:
        """Put an idle connection in the origin's pool, as if opened earlier."""
        origin = self.edge.registry.get(url, True)
        connection = UpstreamConnection(origin)
        transport = MockTransport(("10.0.0.5", 8080))
        transport.protocol = connection
        connection.connection_made(transport)
        origin.open_connections += 1
        origin.idle.append(connection)
        self.upstreams.append((connection, transport))
        return transport

    def send(self, data: bytes) -> None:
        self.protocol.data_received(data)

    def reply(self, data: bytes, index: int = 0) -> None:
        self.upstreams[index][0].data_received(data)


def header(message: bytes, name: bytes) -> bytes | None:
    head = message.partition(b"\r\n\r\n")[0]
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip()
    return None
