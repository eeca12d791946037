"""TLS on a real edge process with certificates made for the test (trustme): SNI picks each
zone's certificate, a Host of another zone than the SNI name gets 421, old protocol
versions are refused, and ALPN settles on http/1.1."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

import pytest
import trustme
from cryptography import x509

from tests.support.edge_process import EdgeProcess
from tests.support.origin import Origin
from tests.support.raw_http import RawConnection
from tests.support.shared_edge import module_edge
from tests.support.zones import zone


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def origin(shared_origin: Origin) -> Origin:
    shared_origin.reset()
    return shared_origin


@pytest.fixture(scope="module")
def edge(
    shared_origin: Origin, authority: trustme.CA, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EdgeProcess]:
    tmp_path = tmp_path_factory.mktemp("tls")
    zones = []
    for name, hostnames in (
        ("alpha", ["alpha.example"]),
        ("beta", ["beta.example", "*.beta.example"]),
    ):
        certificate = authority.issue_cert(*hostnames)
        certificate_path = tmp_path / f"{name}.pem"
        key_path = tmp_path / f"{name}.key"
        certificate.cert_chain_pems[0].write_to_path(certificate_path)
        certificate.private_key_pem.write_to_path(key_path)
        zones.append(
            zone(
                name,
                hostnames,
                [shared_origin.url],
                tls_certificate=str(certificate_path),
                tls_key=str(key_path),
            )
        )
    with module_edge("".join(zones), tmp_path, tls=True) as edge:
        yield edge


def _client(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    authority.configure_trust(context)
    context.set_alpn_protocols(["h2", "http/1.1"])
    return context


def _names(der: bytes) -> list[str]:
    certificate = x509.load_der_x509_certificate(der)
    extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    return extension.value.get_values_for_type(x509.DNSName)


@pytest.mark.parametrize(
    ("server_name", "expected_names"),
    [
        ("alpha.example", ["alpha.example"]),
        ("beta.example", ["beta.example", "*.beta.example"]),
        ("shop.beta.example", ["beta.example", "*.beta.example"]),
    ],
)
def test_each_sni_name_gets_its_zones_certificate(
    edge, origin: Origin, authority: trustme.CA, server_name: str, expected_names: list[str]
) -> None:  # type: ignore[no-untyped-def]
    # Hostname verification passes, so the certificate names what the visitor asked for.
    with RawConnection(
        edge.tls_port, tls=_client(authority), server_name=server_name
    ) as connection:
        tls_socket = connection.sock
        assert isinstance(tls_socket, ssl.SSLSocket)
        assert _names(tls_socket.getpeercert(binary_form=True)) == expected_names
        assert tls_socket.selected_alpn_protocol() == "http/1.1"
        assert tls_socket.version() in ("TLSv1.2", "TLSv1.3")
        connection.send(b"GET /secure HTTP/1.1\r\nHost: %s\r\n\r\n" % server_name.encode())
        response = connection.read_response()
        assert response.status == 200
        assert response.body == b"hello from origin /secure"
    assert origin.requests[-1].header("x-forwarded-proto") == "https"
    assert origin.requests[-1].header("host") == server_name


def test_host_of_another_zone_than_the_sni_name_is_421(
    edge, origin: Origin, authority: trustme.CA
) -> None:  # type: ignore[no-untyped-def]
    with RawConnection(
        edge.tls_port, tls=_client(authority), server_name="alpha.example"
    ) as connection:
        connection.send(b"GET / HTTP/1.1\r\nHost: beta.example\r\n\r\n")
        response = connection.read_response()
        assert response.status == 421
        assert response.header("stockade-request-id") in response.body.decode()
        # The same connection still serves its own zone.
        connection.send(b"GET / HTTP/1.1\r\nHost: alpha.example\r\n\r\n")
        assert connection.read_response().status == 200
    assert [request.header("host") for request in origin.requests] == ["alpha.example"]


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion:DeprecationWarning")
def test_tls_1_1_is_refused(edge, authority: trustme.CA) -> None:  # type: ignore[no-untyped-def]
    context = _client(authority)
    context.minimum_version = ssl.TLSVersion.TLSv1
    context.maximum_version = ssl.TLSVersion.TLSv1_1
    # Let this client offer TLS 1.1 at all (OpenSSL's default security level forbids it),
    # so that the refusal comes from the edge.
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    with (
        socket.create_connection(("127.0.0.1", edge.tls_port), timeout=5) as sock,
        pytest.raises(ssl.SSLError) as refused,
    ):
        context.wrap_socket(sock, server_hostname="alpha.example")
    # The edge ended the handshake (an alert or a close), not this client before it asked.
    reason = str(refused.value).lower()
    assert "no_protocols_available" not in reason
    assert isinstance(refused.value, ssl.SSLEOFError) or "alert" in reason, reason


def test_tls_1_2_is_accepted(edge, authority: trustme.CA) -> None:  # type: ignore[no-untyped-def]
    context = _client(authority)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    with RawConnection(edge.tls_port, tls=context, server_name="alpha.example") as connection:
        assert connection.sock.version() == "TLSv1.2"  # type: ignore[attr-defined]
        connection.send(b"GET / HTTP/1.1\r\nHost: alpha.example\r\n\r\n")
        assert connection.read_response().status == 200


def test_plain_http_listener_still_serves_the_zones(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    with RawConnection(edge.port) as connection:
        # No SNI on plain HTTP, so no 421: any zone may be asked for.
        for host in (b"alpha.example", b"beta.example"):
            connection.send(b"GET / HTTP/1.1\r\nHost: %s\r\n\r\n" % host)
            assert connection.read_response().status == 200
    assert origin.requests[-1].header("x-forwarded-proto") == "http"
