"""What can go wrong in a desk operation, as sentences for whoever asked.

The API turns each kind into its HTTP status (control/errors.py); the CLI prints the
sentence. Nothing was written when one is raised: the change's transaction rolls back.
"""

from __future__ import annotations


class DeskError(Exception):
    """Base of desk errors. `details` holds machine-readable context (such as the zone
    that already has a hostname)."""

    code = "invalid"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class Invalid(DeskError):
    """The request itself is wrong: a bad hostname, origin, notice, status..."""

    code = "invalid"


class NotFound(DeskError):
    """The zone, enforcement, notice or token named does not exist."""

    code = "not_found"


class Conflict(DeskError):
    """The request is valid but clashes with what is stored (a hostname of another zone)."""

    code = "conflict"
