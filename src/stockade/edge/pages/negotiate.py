"""Choose HTML, JSON or plain text from an Accept header."""

from __future__ import annotations

HTML = 0
JSON = 1
TEXT = 2

_MEDIA_TYPES = {
    b"text/html": HTML,
    b"application/xhtml+xml": HTML,
    b"application/json": JSON,
    b"application/problem+json": JSON,
    b"text/plain": TEXT,
}


def preferred_format(accept: bytes | None) -> int:
    """The format the client ranks highest among the three; plain text when it names none.

    Only answers the edge writes itself go through here, so clarity beats speed.
    """
    if not accept:
        return TEXT
    best, best_quality = TEXT, 0.0
    for position, media_range in enumerate(accept.split(b",")):
        media_type, *parameters = media_range.strip().lower().split(b";")
        quality = 1.0
        for parameter in parameters:
            key, _, value = parameter.strip().partition(b"=")
            if key == b"q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media_type = media_type.strip()
        fmt = _MEDIA_TYPES.get(media_type)
        if fmt is None and media_type.endswith(b"+json"):
            fmt = JSON
        # Earlier entries win ties, as clients list their favourite first.
        if fmt is not None and quality > best_quality:
            best, best_quality = fmt, quality - position * 1e-6
    # Nothing named (only */* or unknown types): plain text reads everywhere.
    return best
