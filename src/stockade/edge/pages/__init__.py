"""Pages the edge answers itself: errors, block pages and warnings.

Templates are rendered once when pages are loaded, with a marker where the request id
goes; answering a request only joins three byte strings.
"""

from stockade.edge.pages.negotiate import HTML, JSON, TEXT, preferred_format
from stockade.edge.pages.render import ERRORS, WAIT, Answer, FixedPage, Page, Pages, redirect

__all__ = [
    "ERRORS",
    "HTML",
    "JSON",
    "TEXT",
    "WAIT",
    "Answer",
    "FixedPage",
    "Page",
    "Pages",
    "preferred_format",
    "redirect",
]
