"""Trust & safety domain logic, without HTTP: zones, enforcement, notices, tokens, edges.

Every function takes a SQLAlchemy session inside the caller's transaction
(`Database.write()`), so one request is one change, committed whole or not at all.
"""

from stockade.desk.errors import Conflict, DeskError, Invalid, NotFound

__all__ = ["Conflict", "DeskError", "Invalid", "NotFound"]
