"""Code generation: what a rule's author writes never becomes code, a value several
rules read is read once, and what the generated source looks like."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockade.rules import INT, STRING, Field, FilterList, RequestValues, Scheme, compile
from stockade.rules.codegen import Module
from tests.rules.sample import request
from tests.rules.test_compiler_reference import evaluate, truth

# Strings that would be code if they went into the source as written.
HOSTILE = [
    '"); __import__("os").system("true"); ("',
    "'''; import os; '''",
    '"""\nimport os\n"""',
    "\\",
    "\\x41\\u0041\\N{LATIN SMALL LETTER A}",
    "\n# comment\n",
    "__import__",
    "{values.__class__}",
    "é\u202e\u0000\U0001f600",
    "_c1",
    "values",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_no_text_of_a_rule_goes_into_the_generated_source(text: str) -> None:
    lists = {"hostile": [text]}
    headers = [(b"User-Agent", text.encode("utf-8", "surrogateescape")), (b"x-h", b"1")]
    sent = request(path=text, raw_headers=headers)
    written = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    for expression, expected in [
        (f'http.request.uri.path eq "{written}"', True),
        (f'http.user_agent contains "{written}"', True),
        (f'http.request.uri.path matches r#"{text}"#', None),
        (f'http.request.uri.path wildcard "{written}*"', None if "\\" in text else True),
        (f'http.request.uri.path in {{"{written}" "other"}}', True),
        ("http.request.uri.path in $hostile", True),
        (f'any(http.request.headers["user-agent"][*] eq "{written}")', True),
    ]:
        if "\n" in text and "matches" in expression:
            continue  # a raw string holds no newline
        try:
            rule = compile(expression, lists=lists)
        except Exception:
            assert "matches" in expression
            continue
        if not text.isidentifier():  # a name of a field or of a constant may be in it
            for piece in (text, text.strip(), "import", "__"):
                assert piece not in rule.source, expression
        assert not set(rule.source) & set("\"'\\#{}"), rule.source
        if expected is not None:
            assert rule.matches(sent) is expected, expression


def test_a_source_with_a_quote_or_a_backslash_is_refused() -> None:
    for source in ('def f(values):\n    return "x"\n', "def f(values):\n    return 1 \\\n", "#"):
        with pytest.raises(AssertionError, match="must not"):
            Module().build(source, "f")


def test_field_attributes_must_be_names() -> None:
    for attribute in ("a.b", "import", "a b", "x()", "é"):
        with pytest.raises(ValueError, match="not an attribute name"):
            Field("f", STRING, len, "F.", '"a"', attribute=attribute)


class CountingValues:
    """Values whose fields count their reads."""

    def __init__(self, **fields: object) -> None:
        self.fields = fields
        self.reads: dict[str, int] = {}

    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):
            raise AttributeError(name)
        self.reads[name] = self.reads.get(name, 0) + 1
        return self.fields[name]


COUNTING = Scheme(
    [
        Field("path", STRING, lambda values: values.path, "Path.", '"/"', attribute="path"),
        Field("agent", STRING, lambda values: values.agent, "Agent.", '"a"', attribute="agent"),
        Field("size", INT, lambda values: values.size, "Size.", "1", attribute="size"),
    ]
)


def test_a_zone_reads_each_value_once_where_it_is_sure_to_be_read() -> None:
    rules = [
        compile(expression, COUNTING)
        for expression in (
            'path eq "/a" or agent contains "bot"',  # agent: not sure to be read here
            'agent contains "curl"',  # read here, and kept
            'lower(agent) contains "python" and size gt 10',
            'lower(agent) contains "go-http"',
            'path contains "x" or lower(path) eq "y"',
            'lower(path) eq "z"',
        )
    ]
    zone = FilterList(rules)
    values = CountingValues(path="/b", agent="Python-urllib", size=100)
    assert list(zone.matching(values)) == [2]
    assert values.reads == {"path": 1, "agent": 2, "size": 1}
    assert zone.source.count(".lower()") == 3  # agent once, path twice: once not for sure


def test_matching_stops_where_the_caller_stops() -> None:
    zone = FilterList([compile(text) for text in ("true", 'http.host eq "x"', "ssl", "true")])
    assert list(zone.matching(request(host="x"))) == [0, 1, 2, 3]
    assert list(zone.matching(request(tls=False))) == [0, 3]
    found = zone.matching(request())
    assert next(found) == 0
    found.close()
    assert list(FilterList([]).matching(request())) == []
    assert repr(zone) == "FilterList(4 rules)"


def test_the_source_reads_as_python() -> None:
    rule = compile('http.user_agent contains "curl" or lower(http.host) eq "a.example"')
    assert rule.source == (
        "def matches(values):\n"
        "    return ((_c1 in values.user_agent) or (values.host.lower() == _c2))\n"
    )
    zone = FilterList([rule, compile('http.user_agent eq "wget"')])
    assert zone.source == (
        "def matching(values):\n"
        "    if ((_c1 in (user_agent_ := values.user_agent)) or (values.host.lower() == _c2)):\n"
        "        yield 0\n"
        "    if (user_agent_ == _c3):\n"
        "        yield 1\n"
    )


def test_the_deepest_rules_the_parser_takes_compile() -> None:
    depth = 60
    for expression in (
        "not " * depth + "ssl",
        "(" * depth + "ssl" + ")" * depth,
        "lower(" * depth + "http.host" + ")" * depth + ' eq "a"',
        "len("
        + "lower(" * (depth - 2)
        + 'http.request.headers["a"][0]'
        + ")" * (depth - 1)
        + " eq 1",
        " and ".join(f'(http.host eq "{index}" or not ssl)' for index in range(100)),
    ):
        rule = compile(expression)
        assert rule.matches(RequestValues()) in (True, False)
        assert list(FilterList([rule, rule]).matching(RequestValues())) in ([], [0, 1])


# Rules that differ by their constant only, so that the tests of one value share guards.
FAMILIES = [
    'starts_with(http.request.uri.path, "{text}")',
    'ends_with(http.request.uri.path, "{text}")',
    'http.request.uri.path contains "{text}"',
    'http.user_agent contains "{text}" or http.request.uri.path contains "{text}{text}"',
    'http.request.uri.path matches "^{text}"',
    'http.request.uri.path wildcard "{text}*"',
    'http.request.uri.path eq "{text}"',
    'lower(http.host) eq "{text}"',
    'ssl and starts_with(http.request.uri.path, "{text}")',
    'not starts_with(http.request.uri.path, "{text}") or http.host eq "{text}"',
    "ip.src in {{{network} 198.51.100.0/24}}",
    "ip.src eq {network}",
    "ip.src ne {network}",
    "http.request.body.size eq {number}",
    "http.request.body.size in {{{number} 10..20}}",
]
PIECES = ["/a", "/ab", "/b", "", "/a/", "A", "b"]
NETWORKS = ["192.0.2.7", "192.0.2.0/24", "10.0.0.0/8", "2001:db8::/32", "192.0.2.8"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(FAMILIES),
            st.sampled_from(PIECES),
            st.sampled_from(NETWORKS),
            st.integers(0, 25),
        ),
        min_size=2,
        max_size=10,
    ),
    st.sampled_from(["/a", "/ab/c", "/b", "/", "/a/b"]),
    st.sampled_from(["A", "a", "b.example", "/a"]),
    st.sampled_from(["192.0.2.7", "192.0.2.8", "10.0.0.1", "2001:db8::1", "203.0.113.1"]),
    st.integers(0, 25),
    st.booleans(),
)
def test_rules_that_share_guards_match_as_each_alone(
    chosen: list[tuple[str, str, str, int]],
    path: str,
    host: str,
    ip: str,
    size: int,
    tls: bool,
) -> None:
    expressions = [
        family.format(text=text, network=network, number=number)
        for family, text, network, number in chosen
    ]
    rules = [compile(expression) for expression in expressions]
    values = RequestValues(path=path, host=host, ip=ip, body_size=size, tls=tls)
    expected = [index for index, rule in enumerate(rules) if truth(evaluate(rule.tree, values))]
    assert list(FilterList(rules).matching(values)) == expected
    either = compile(" or ".join(f"({expression})" for expression in expressions))
    assert either.matches(values) is bool(expected)


def test_guards_are_written_once_and_tested_first() -> None:
    zone = FilterList(
        [compile(f'starts_with(http.request.uri.path, "/{name}/")') for name in "abc"]
        + [compile(f'http.host eq "{name}.example"') for name in "ab"]
    )
    assert zone.source == (
        "def matching(values):\n"
        "    if ((path_any_ := (path_ := values.path).startswith(_c1)) and path_.startswith(_c2)):\n"
        "        yield 0\n"
        "    if (path_any_ and path_.startswith(_c3)):\n"
        "        yield 1\n"
        "    if (path_any_ and path_.startswith(_c4)):\n"
        "        yield 2\n"
        "    if ((host_any_ := ((host_ := values.host) in _c5)) and (host_ == _c6)):\n"
        "        yield 3\n"
        "    if (host_any_ and (host_ == _c7)):\n"
        "        yield 4\n"
    )
