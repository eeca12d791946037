"""The firewall expression language, compatible with Cloudflare's and wirefilter's
syntax for what it covers: a scheme of typed fields, a lexer, a parser, a syntax tree
and a compiler that writes each rule, or a zone's rules together, as one Python function.

    rule = compile('http.request.uri.path contains "/wp-login" and not ip.src in {10.0.0.0/8}')
    rule.matches(RequestValues(path="/wp-login.php", ip="192.0.2.7"))   # True
"""

from stockade.rules.addresses import RangeSet, ip_key
from stockade.rules.ast import to_text
from stockade.rules.compiler import Filter, FilterList, compile
from stockade.rules.errors import RuleError
from stockade.rules.functions import FUNCTIONS, Function
from stockade.rules.lexer import MAX_EXPRESSION_LENGTH
from stockade.rules.lists import NamedLists
from stockade.rules.parser import MAX_DEPTH, parse
from stockade.rules.scheme import (
    BOOL,
    INT,
    IP,
    STRING,
    Field,
    Kind,
    Predicate,
    Reader,
    Scheme,
    Type,
    array_of,
    map_of,
)
from stockade.rules.standard import STANDARD_SCHEME, RequestValues

__all__ = [
    "BOOL",
    "FUNCTIONS",
    "INT",
    "IP",
    "MAX_DEPTH",
    "MAX_EXPRESSION_LENGTH",
    "STANDARD_SCHEME",
    "STRING",
    "Field",
    "Filter",
    "FilterList",
    "Function",
    "Kind",
    "NamedLists",
    "Predicate",
    "RangeSet",
    "Reader",
    "RequestValues",
    "RuleError",
    "Scheme",
    "Type",
    "array_of",
    "compile",
    "ip_key",
    "map_of",
    "parse",
    "to_text",
]
