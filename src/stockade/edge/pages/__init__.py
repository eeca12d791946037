"""Pages the edge answers itself: errors now, block pages later.

Templates are rendered once when pages are loaded, with a marker where the request id
goes; answering a request only joins three byte strings.
"""

from stockade.edge.pages.negotiate import HTML, JSON, TEXT, preferred_format
from stockade.edge.pages.render import ERRORS, Page, Pages

__all__ = ["ERRORS", "HTML", "JSON", "TEXT", "Page", "Pages", "preferred_format"]
