from __future__ import annotations

from stockade.rules.scheme import BOOL, INT, IP, STRING, Field, Scheme, array_of, map_of


def test_types_print_as_wirefilter_writes_them_and_read_as_words() -> None:
    headers = map_of(array_of(STRING))
    assert str(headers) == "Map<Array<String>>"
    assert headers.described == "a map of arrays of strings"
    assert array_of(INT).described == "an array of numbers"
    assert IP.described == "an IP address"
    assert BOOL.plural == "booleans"
    assert array_of(BOOL) == array_of(BOOL)


def test_a_scheme_finds_fields_by_name() -> None:
    field = Field("port", INT, lambda values: values["port"], "The port.", "443")
    scheme = Scheme([field])
    assert scheme.field("port") is field
    assert scheme.field("nope") is None
    assert list(scheme) == [field]
    assert len(scheme) == 1


def test_a_scheme_of_ones_own_compiles_rules_over_any_values() -> None:
    from stockade.rules import compile

    scheme = Scheme([Field("port", INT, lambda values: values["port"], "The port.", "443")])
    rule = compile("port in {80 443}", scheme)
    assert rule.matches({"port": 443})
    assert not rule.matches({"port": 8080})
