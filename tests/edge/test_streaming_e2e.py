"""1 GiB each way through a real edge process at constant memory: the edge holds a few
buffers, never a body. The origin reads and writes incrementally and checks every byte."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.raw_http import exchange
from tests.support.streaming import (
    RssSampler,
    StreamingOrigin,
    download,
    pattern_crc,
    upload,
)
from tests.support.zones import zone

GIB = 1 << 30
# What the edge may grow by while 1 GiB goes through it.
RSS_GROWTH_LIMIT = 64 << 20
# Far above what loopback needs (a few seconds); reached only if a transfer stalls.
TRANSFER_TIMEOUT = 90.0


@pytest.fixture(scope="module")
def expected_crc() -> int:
    return pattern_crc(GIB)


@pytest.fixture
def streaming_origin() -> Iterator[StreamingOrigin]:
    origin = StreamingOrigin()
    yield origin
    origin.close()


@pytest.fixture
def edge(edge_process, streaming_origin: StreamingOrigin):  # type: ignore[no-untyped-def]
    edge = edge_process.start(
        zone("files", ["files.example"], [streaming_origin.url], max_body_bytes=2 * GIB)
    )
    # One small request first, so the sampler's baseline includes a warm connection path.
    assert upload(edge.port, "files.example", 1024, chunked=False).endswith(
        b"1024 %d" % pattern_crc(1024)
    )
    return edge


def _report(record_property, name: str, seconds: float, sampler: RssSampler) -> None:  # type: ignore[no-untyped-def]
    record_property(f"{name}_seconds", round(seconds, 2))
    record_property(f"{name}_rss_growth_mib", round(sampler.growth / 2**20, 1))
    print(
        f"\n{name}: 1 GiB in {seconds:.1f} s ({GIB / seconds / 2**20:.0f} MiB/s), edge RSS "
        f"{sampler.baseline / 2**20:.1f} -> peak {sampler.peak / 2**20:.1f} MiB "
        f"({sampler.samples} samples)"
    )


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_upload_of_1_gib_at_constant_memory(
    edge, expected_crc: int, chunked: bool, record_property
) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    with RssSampler(edge.process.pid) as sampler:
        raw = upload(edge.port, "files.example", GIB, chunked=chunked, timeout=TRANSFER_TIMEOUT)
    seconds = time.monotonic() - started
    _report(record_property, f"upload_{'chunked' if chunked else 'length'}", seconds, sampler)
    assert raw.startswith(b"HTTP/1.1 200 OK\r\n"), raw[:200]
    # The origin read every byte, in order, unchanged.
    assert raw.endswith(b"\r\n\r\n%d %d" % (GIB, expected_crc))
    assert sampler.samples > 10
    assert sampler.growth < RSS_GROWTH_LIMIT


def test_download_of_1_gib_at_constant_memory(edge, expected_crc: int, record_property) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    with RssSampler(edge.process.pid) as sampler:
        result = download(edge.port, "files.example", GIB, timeout=TRANSFER_TIMEOUT)
    seconds = time.monotonic() - started
    _report(record_property, "download", seconds, sampler)
    assert result.status_line == b"HTTP/1.1 200 OK"
    assert b"content-length: %d" % GIB in result.head.lower()
    assert result.size == GIB
    assert result.crc == expected_crc
    assert sampler.samples > 10
    assert sampler.growth < RSS_GROWTH_LIMIT


def test_download_to_a_visitor_that_stops_reading_holds_no_body(edge, expected_crc: int) -> None:  # type: ignore[no-untyped-def]
    # The visitor reads nothing for 2 s while the origin could send 1 GiB in one: the edge
    # must stop reading the origin instead of buffering for the visitor.
    with RssSampler(edge.process.pid) as sampler:
        result = download(edge.port, "files.example", GIB, timeout=TRANSFER_TIMEOUT, stall=2.0)
    assert result.size == GIB
    assert result.crc == expected_crc
    assert sampler.growth < RSS_GROWTH_LIMIT


def test_upload_waiting_for_an_origin_connection_is_not_buffered(
    edge_process, streaming_origin: StreamingOrigin
) -> None:  # type: ignore[no-untyped-def]
    # One origin connection at most, held 2 s by a slow request: an upload that arrives
    # meanwhile waits for it, and must wait without the edge reading its body into memory.
    edge = edge_process.start(
        zone("files", ["files.example"], [streaming_origin.url], max_body_bytes=2 * GIB),
        edge_settings="[edge.upstream]\nmax_connections = 1",
    )
    size = 512 << 20
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(
            exchange,
            edge.port,
            b"GET /slow/2 HTTP/1.1\r\nhost: files.example\r\nconnection: close\r\n\r\n",
        )
        time.sleep(0.3)
        with RssSampler(edge.process.pid) as sampler:
            raw = upload(edge.port, "files.example", size, chunked=False, timeout=TRANSFER_TIMEOUT)
        response, _ = slow.result(10)
    assert response is not None and response.status == 200
    assert raw.endswith(b"\r\n\r\n%d %d" % (size, pattern_crc(size)))
    assert sampler.growth < RSS_GROWTH_LIMIT


def test_upload_to_an_origin_that_reads_late_is_held_back(
    edge, streaming_origin: StreamingOrigin
) -> None:  # type: ignore[no-untyped-def]
    # The origin takes the request and waits 2 s before reading its body: the edge must
    # stop reading the visitor once the origin's socket is full, not buffer the rest.
    size = 512 << 20
    with RssSampler(edge.process.pid) as sampler:
        raw = upload(
            edge.port, "files.example", size, chunked=True, timeout=TRANSFER_TIMEOUT, path="/late/2"
        )
    assert raw.endswith(b"\r\n\r\n%d %d" % (size, pattern_crc(size)))
    assert sampler.growth < RSS_GROWTH_LIMIT
