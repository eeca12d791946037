"""The edge as an operator runs it: SIGTERM drains in-flight requests, SIGHUP reloads the
config file without dropping connections (and refuses a broken one), and several workers
share the port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.origin import Origin, OriginRequest, Reply, respond
from tests.support.raw_http import RawConnection, exchange
from tests.support.zones import zone


def _slow_paths(request: OriginRequest) -> bytes | Reply:
    body = f"answer to {request.url}".encode()
    if request.url.startswith("/slow/"):
        return Reply(respond(200, body), delay=float(request.url.rsplit("/", 1)[1]))
    return respond(200, body)


@pytest.fixture
def origin() -> Iterator[Origin]:
    origin = Origin(handler=_slow_paths)
    yield origin
    origin.close()


def _wait_for(condition, what: str, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _get(port: int, host: bytes, path: bytes = b"/"):  # type: ignore[no-untyped-def]
    response, raw = exchange(
        port, b"GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path, host)
    )
    assert response is not None, raw
    return response


def _refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def test_sigterm_lets_the_request_in_flight_finish(edge_process, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    edge = edge_process.start(zone("site", ["site.example"], [origin.url]))
    with RawConnection(edge.port) as idle, RawConnection(edge.port, timeout=10) as busy:
        idle.send(b"GET /first HTTP/1.1\r\nHost: site.example\r\n\r\n")
        assert idle.read_response().status == 200
        busy.send(b"GET /slow/1.5 HTTP/1.1\r\nHost: site.example\r\n\r\n")
        _wait_for(lambda: len(origin.requests) == 2, "the slow request to reach the origin")
        edge.signal(signal.SIGTERM)
        # New visitors are turned away at once; an idle keep-alive connection is closed.
        _wait_for(lambda: _refuses_connections(edge.port), "the listener to close", 3)
        assert idle.read_until_closed(timeout=3) == b""
        assert edge.process.poll() is None
        # The request in flight is answered, and told the connection ends.
        response = busy.read_response()
        assert response.status == 200
        assert response.body == b"answer to /slow/1.5"
        assert response.header("connection") == "close"
        busy.read_until_closed()
    assert edge.process.wait(5) == 0


def test_sigterm_gives_up_on_requests_after_the_shutdown_timeout(
    edge_process, origin: Origin
) -> None:  # type: ignore[no-untyped-def]
    edge = edge_process.start(
        zone("site", ["site.example"], [origin.url]), edge_settings="shutdown_timeout = 1.0"
    )
    with RawConnection(edge.port, timeout=10) as busy:
        busy.send(b"GET /slow/30 HTTP/1.1\r\nHost: site.example\r\n\r\n")
        _wait_for(lambda: len(origin.requests) == 1, "the slow request to reach the origin")
        started = time.monotonic()
        edge.signal(signal.SIGTERM)
        with contextlib.suppress(ConnectionResetError):
            assert busy.read_until_closed(timeout=5) == b""
        assert edge.process.wait(5) == 0
        assert time.monotonic() - started < 3


def test_sighup_applies_a_new_zone_without_dropping_connections(
    edge_process, origin: Origin
) -> None:  # type: ignore[no-untyped-def]
    other = Origin()
    try:
        edge = edge_process.start(zone("site", ["site.example"], [origin.url]))
        with RawConnection(edge.port) as connection:
            connection.send(b"GET /before HTTP/1.1\r\nHost: new.example\r\n\r\n")
            assert connection.read_response().status == 404
            connection.send(b"GET /before HTTP/1.1\r\nHost: site.example\r\n\r\n")
            assert connection.read_response().status == 200

            config = edge.config_path.read_text()
            edge.config_path.write_text(config + zone("new", ["new.example"], [other.url]))
            applied = edge.log().count("edge serves revision")
            edge.signal(signal.SIGHUP)
            _wait_for(lambda: edge.log().count("edge serves revision") > applied, "the reload")

            # The same keep-alive connection now reaches the new zone, and the old one.
            connection.send(b"GET /after HTTP/1.1\r\nHost: new.example\r\n\r\n")
            response = connection.read_response()
            assert response.status == 200
            assert response.body == b"hello from origin /after"
            connection.send(b"GET /after HTTP/1.1\r\nHost: site.example\r\n\r\n")
            assert connection.read_response().status == 200
        assert [request.url for request in other.requests] == ["/after"]
    finally:
        other.close()


@pytest.mark.parametrize(
    "broken",
    [
        "[[zones]\nname = ",
        '[[zones]]\nname = "bad"\nhostnames = ["Not A Host"]\norigins = ["http://127.0.0.1:1"]\n',
        '[[zones]]\nname = "tls"\nhostnames = ["tls.example"]\norigins = ["http://127.0.0.1:1"]\n'
        'tls_certificate = "/nonexistent/cert.pem"\ntls_key = "/nonexistent/key.pem"\n',
    ],
    ids=["invalid-toml", "invalid-zone", "missing-certificate"],
)
def test_sighup_with_a_broken_config_keeps_the_old_one(
    edge_process, origin: Origin, broken: str
) -> None:  # type: ignore[no-untyped-def]
    edge = edge_process.start(zone("site", ["site.example"], [origin.url]))
    good = edge.config_path.read_text()
    with RawConnection(edge.port) as connection:
        connection.send(b"GET /before HTTP/1.1\r\nHost: site.example\r\n\r\n")
        assert connection.read_response().status == 200
        # The zone is gone from the file, a limit changed and a broken table added: none of
        # it may apply.
        header = good.split("[[zones]]", 1)[0]
        edge.config_path.write_text(header + "[edge.limits]\nmax_url_bytes = 16\n" + broken)
        edge.signal(signal.SIGHUP)
        _wait_for(lambda: "reload refused" in edge.log(), "the reload to be refused")
        connection.send(b"GET /after HTTP/1.1\r\nHost: site.example\r\n\r\n")
        assert connection.read_response().status == 200
    # A new connection still gets the old limits.
    assert _get(edge.port, b"site.example", b"/a-new-connection-with-a-long-path").status == 200
    assert edge.process.poll() is None


def test_two_workers_share_the_port(edge_process, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    edge = edge_process.start(zone("site", ["site.example"], [origin.url]), workers=2)
    _wait_for(
        lambda: "edge worker 0 listening" in edge.log() and "edge worker 1 listening" in edge.log(),
        "both workers",
        20,
    )
    with ThreadPoolExecutor(4) as pool:
        responses = list(
            pool.map(lambda i: _get(edge.port, b"site.example", b"/%d" % i), range(60))
        )
    assert [response.status for response in responses] == [200] * 60
    # Request ids start with a per-process prefix: both workers answered.
    prefixes = {response.header("stockade-request-id")[:8] for response in responses}
    assert len(prefixes) == 2

    # A reload reaches every worker.
    other = Origin()
    try:
        edge.config_path.write_text(
            edge.config_path.read_text() + zone("new", ["new.example"], [other.url])
        )
        applied = edge.log().count("edge serves revision")
        edge.signal(signal.SIGHUP)
        _wait_for(
            lambda: edge.log().count("edge serves revision") == applied + 2,
            "both workers to reload",
        )
        statuses = [_get(edge.port, b"new.example").status for _ in range(20)]
        assert statuses == [200] * 20
    finally:
        other.close()
    edge.signal(signal.SIGTERM)
    try:
        assert edge.process.wait(15) == 0
    except subprocess.TimeoutExpired:
        pytest.fail(f"the supervisor did not stop:\n{edge.log()}")


def _workers(edge) -> list[int]:  # type: ignore[no-untyped-def]
    pid = edge.process.pid
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        pids = [int(child) for child in children.read().split()]
    workers = []
    for child in pids:
        with open(f"/proc/{child}/cmdline", "rb") as cmdline:
            if b"spawn_main" in cmdline.read():
                workers.append(child)
    return workers


def test_a_worker_that_dies_is_replaced(edge_process, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    edge = edge_process.start(zone("site", ["site.example"], [origin.url]), workers=2)
    _wait_for(lambda: edge.log().count("listening on") == 2, "both workers", 20)
    workers = _workers(edge)
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)
    _wait_for(lambda: "restarting it" in edge.log(), "the supervisor to notice", 10)
    _wait_for(lambda: edge.log().count("listening on") == 3, "the new worker", 20)
    assert len(_workers(edge)) == 2
    statuses = [_get(edge.port, b"site.example", b"/%d" % index).status for index in range(20)]
    assert statuses == [200] * 20
