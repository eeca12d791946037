from __future__ import annotations

from stockade.rules import STANDARD_SCHEME, RequestValues, compile, ip_key
from tests.rules.sample import request


def test_every_field_reads_the_sample_request() -> None:
    values = request()
    read = {field.name: field.read(values) for field in STANDARD_SCHEME}
    assert read == {
        "http.host": "forum.example",
        "http.request.method": "POST",
        "http.request.uri": "/wp-login.php?next=%2Fadmin",
        "http.request.uri.path": "/wp-login.php",
        "http.request.uri.query": "next=%2Fadmin",
        "http.request.version": "HTTP/1.1",
        "http.request.headers": {
            "host": ["forum.example"],
            "user-agent": ["Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"],
            "accept": ["text/html", "application/json"],
            "referer": ["https://forum.example/threads/12"],
            "cookie": ["session=abc", "theme=dark"],
            "x-empty": [""],
        },
        "http.user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        "http.referer": "https://forum.example/threads/12",
        "http.cookie": "session=abc; theme=dark",
        "ip.src": ip_key("192.0.2.7"),
        "ip.src.country": "FR",
        "ip.src.asnum": 64500,
        "ssl": True,
        "http.request.body.size": 512,
    }


def test_a_bare_request_has_empty_values() -> None:
    values = RequestValues()
    assert (values.uri, values.user_agent, values.referer, values.cookie) == ("/", "", "", "")
    assert values.headers == {}


def test_lazy_fields_are_worked_out_once() -> None:
    values = request()
    assert values.headers is values.headers
    assert values.ip_key == values.ip_key == ip_key("192.0.2.7")


def test_an_invalid_address_matches_no_range() -> None:
    assert RequestValues(ip="not an address").ip_key == -1


def test_bytes_that_are_not_utf8_survive() -> None:
    values = RequestValues(raw_headers=[(b"User-Agent", b"caf\xe9")])
    assert values.user_agent == "caf\udce9"


def test_country_and_network_are_located_once_and_only_when_a_rule_reads_them() -> None:
    asked: list[str] = []

    def locate(ip: str) -> tuple[str, int]:
        asked.append(ip)
        return "DE", 3320

    values = RequestValues(ip="192.0.2.7", path="/admin", locate=locate)
    assert compile('http.request.uri.path eq "/admin"').matches(values)
    assert asked == []
    assert compile('ip.src.country eq "DE" and ip.src.asnum eq 3320').matches(values)
    assert compile("ip.src.asnum eq 3320").matches(values)
    assert asked == ["192.0.2.7"]


def test_given_country_and_network_win_over_locate() -> None:
    values = RequestValues(country="FR", locate=lambda ip: ("DE", 3320))
    assert (values.country, values.asn) == ("FR", 3320)
    assert (RequestValues().country, RequestValues().asn) == ("", 0)


def test_only_the_kelvin_sign_lower_cases_to_an_ascii_name() -> None:
    """RequestValues reads headers whose name has no k by their bytes: right only if no
    character but the Kelvin sign lower-cases to ASCII alone (İ gives i and a dot)."""
    every = (chr(point) for point in range(0x80, 0x110000) if not 0xD800 <= point <= 0xDFFF)
    to_ascii = [char for char in every if char.lower().isascii()]
    assert to_ascii == ["\u212a"]
    assert "\u212a".lower() == "k"


def test_headers_are_found_by_name_whatever_their_case_and_bytes() -> None:
    kelvin = "\u212a".encode()
    values = RequestValues(
        raw_headers=[
            (b"X-Key", b"1"),
            (b"x-" + kelvin + b"ey", b"2"),
            (b"USER-AGENT", b"curl"),
            (b"\xff", b"\xfe"),
            (b"Accept", b"a"),
            (b"accept", b"b"),
        ]
    )
    assert values.header_values("x-key") == ["1", "2"]
    assert values.header_values("accept") == ["a", "b"]
    assert values.header_values("\udcff") == ["\udcfe"]
    assert values.header_values("x-missing") is None
    assert values.user_agent == "curl"
    for name, found in values.headers.items():
        assert values.header_values(name) == found
