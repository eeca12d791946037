"""The functions rules may call, with their parameter and result types.

Built-in functions are defined here the way any other would be: add a `Function` to
`FUNCTIONS` and the compiler, the docs test and the reference pick it up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus

from stockade.rules.scheme import BOOL, INT, STRING, Kind, Type, array_of


@dataclass(frozen=True, slots=True)
class Parameter:
    described: str
    accepts: Callable[[Type], bool]


@dataclass(frozen=True, slots=True)
class Function:
    """A function: called with every argument already checked against `parameters`.

    A first argument that goes element by element (`x[*]`) makes the call go element by
    element too, giving an array of results, unless the function `aggregates` an array
    (any, all), which then takes the elements as its array.

    A function must be pure (the same arguments give the same result, and nothing else
    happens): a compiled rule calls it once for every rule of a zone that gives it the
    same arguments. `inline`, if given, is the Python expression compiled rules write
    instead of calling `implementation`, with {0}, {1}... for the arguments, such as
    "{0}.lower()"; it must mean the same."""

    name: str
    parameters: tuple[Parameter, ...]
    result: Type
    implementation: Callable[..., Any]
    summary: str
    example: str
    aggregates: bool = False
    inline: str = ""


def _is_string(kind: Type) -> bool:
    return kind == STRING


def _has_length(kind: Type) -> bool:
    return kind.kind in (Kind.STRING, Kind.ARRAY, Kind.MAP)


def _is_bool_array(kind: Type) -> bool:
    return kind == array_of(BOOL)


STRING_PARAMETER = Parameter("a string", _is_string)
BOOL_ARRAY_PARAMETER = Parameter(
    'an array of booleans, such as http.request.headers["accept"][*] contains "json"',
    _is_bool_array,
)


# Several rules of a zone often decode the same query: the cache makes that one decoding.
@lru_cache(maxsize=256)
def _url_decode(text: str) -> str:
    # Undecodable bytes are kept as they came rather than replaced, so nothing is hidden.
    return unquote_plus(text, errors="surrogateescape")


def _starts_with(text: str, prefix: str) -> bool:
    return text.startswith(prefix)


def _ends_with(text: str, suffix: str) -> bool:
    return text.endswith(suffix)


FUNCTIONS: dict[str, Function] = {
    function.name: function
    for function in (
        Function(
            "lower",
            (STRING_PARAMETER,),
            STRING,
            str.lower,
            "The string in lower case.",
            'lower(http.host) eq "forum.example"',
            inline="{0}.lower()",
        ),
        Function(
            "upper",
            (STRING_PARAMETER,),
            STRING,
            str.upper,
            "The string in upper case.",
            'upper(ip.src.country) eq "FR"',
            inline="{0}.upper()",
        ),
        Function(
            "len",
            (Parameter("a string, an array or a map", _has_length),),
            INT,
            len,
            "The length of a string (in characters), an array or a map (in entries).",
            "len(http.request.uri.query) gt 1024",
            inline="len({0})",
        ),
        Function(
            "starts_with",
            (STRING_PARAMETER, STRING_PARAMETER),
            BOOL,
            _starts_with,
            "True when the first string begins with the second.",
            'starts_with(http.request.uri.path, "/admin/")',
            inline="{0}.startswith({1})",
        ),
        Function(
            "ends_with",
            (STRING_PARAMETER, STRING_PARAMETER),
            BOOL,
            _ends_with,
            "True when the first string ends with the second.",
            'ends_with(http.request.uri.path, ".php")',
            inline="{0}.endswith({1})",
        ),
        Function(
            "url_decode",
            (STRING_PARAMETER,),
            STRING,
            _url_decode,
            "The string with %XX escapes decoded (as UTF-8) and + read as a space.",
            'url_decode(http.request.uri.query) contains "<script"',
        ),
        Function(
            "any",
            (BOOL_ARRAY_PARAMETER,),
            BOOL,
            any,
            "True when at least one element is true (false for no element).",
            'any(http.request.headers["accept"][*] contains "json")',
            aggregates=True,
            inline="any({0})",
        ),
        Function(
            "all",
            (BOOL_ARRAY_PARAMETER,),
            BOOL,
            all,
            "True when every element is true (true for no element).",
            'all(http.request.headers["x-forwarded-proto"][*] eq "https")',
            aggregates=True,
            inline="all({0})",
        ),
    )
}
