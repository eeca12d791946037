"""The origin's responses, read from the bytes of one connection: heads checked strictly,
bodies framed by Content-Length, the chunked coding or the end of the connection.

Pull-style, so that one read costs a few calls rather than one per header: `feed` the
bytes of a read, then call `next_event` until it returns NEED_DATA. The head comes as the
end-to-end header lines, ready to send on: the hop-by-hop ones (RFC 9110 7.6.1, and any
that Connection lists) describe this connection only and are read here, never passed on.

Whatever llhttp refuses in a response is refused here too (CL with TE, two Content-Lengths,
obs-fold, a bare CR or LF, control characters, bad tokens or chunk sizes), and a little
more it lets pass: a second Transfer-Encoding, control characters in the reason phrase,
versions other than HTTP/1.0 and 1.1, bytes after a response the edge did not ask for.
"""

from __future__ import annotations

from typing import Final

from mypy_extensions import i64

from stockade.edge.http11 import ACTED_ON_LENGTHS, HOP_BY_HOP, connection_tokens

# Events of next_event.
NEED_DATA: Final = 0  # every byte fed so far is used: feed the next read
HEAD: Final = 1  # a head was read: status, fields, framing (1xx ones too)
BODY: Final = 2  # `body` holds the next piece of the body, decoded
END: Final = 3  # the response is complete; `keep_alive` says if the connection is reusable
UPGRADE: Final = 4  # after a 101: `body` holds the bytes of the new protocol that came along

# As nginx's proxy_buffer_size does, though larger: a longer head is refused.
MAX_RESPONSE_HEAD: Final = 64 * 1024
# A chunk-size line (size and extensions) or a trailer line longer than this is refused.
_MAX_LINE: Final = 4096
_MAX_CHUNK_DIGITS: Final = 15  # sizes up to 2**60, far beyond any real chunk

# Parser states.
_HEAD: Final = 0
_LENGTH: Final = 1  # a body of known length; `remaining` bytes of it to come
_CHUNK_SIZE: Final = 2
_CHUNK_DATA: Final = 3
_CHUNK_END: Final = 4  # the CRLF after a chunk's data
_TRAILERS: Final = 5
_UNTIL_CLOSE: Final = 6
_DONE: Final = 7  # the response ended: nothing more may come before the next request
_TUNNEL: Final = 8

_CRLF: Final = b"\r\n"
_HOP_BY_HOP_NAMES: Final = tuple(sorted(HOP_BY_HOP))
_PLAIN_CONNECTION: Final = frozenset({b"close", b"keep-alive", b"upgrade"})
_NEVER_DROPPED: Final = frozenset({b"content-length", b"content-encoding"})


def _table(allowed: bytes) -> bytes:
    """256 bytes: 1 at the values in `allowed`, 0 elsewhere."""
    return bytes([1 if char in allowed else 0 for char in range(256)])


# RFC 9110 5.6.2: the characters of a header name.
_IS_TOKEN: Final = _table(
    b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)
_IS_HEX: Final = _table(b"0123456789abcdefABCDEF")


class InvalidResponse(Exception):
    """The origin's response cannot be passed on; the message says what was wrong."""


class ResponseParser:
    """Reads the responses of one origin connection, one per request sent on it."""

    __slots__ = (
        "body",
        "chunked",
        "content_length",
        "data",
        "fields",
        "head_bytes",
        "head_request",
        "keep_alive",
        "pending",
        "pos",
        "remaining",
        "state",
        "status",
        "upgrade",
    )

    def __init__(self) -> None:
        self.state = _HEAD
        self.head_request = False  # the request was HEAD: no body follows whatever the head says
        # the read being parsed, and how far
        self.data = b""
        self.pos = 0
        # A head or a chunk line cut across reads, kept until its end arrives.
        self.pending = bytearray()
        # Bytes of the heads of this response so far, interim (1xx) ones included: all of
        # them count towards MAX_RESPONSE_HEAD, or an origin could send 1xx heads forever.
        self.head_bytes: i64 = 0
        # the latest head
        self.status = 0
        self.fields = b""  # its end-to-end header lines, each ending in CRLF
        self.content_length: i64 = -1  # -1: none given
        self.chunked = False
        self.keep_alive = True
        self.upgrade = b""  # the Upgrade header's value
        # the body
        self.body = b""
        self.remaining: i64 = 0

    def start(self, head_request: bool) -> None:
        """A request went out on the connection: its response comes next."""
        self.state = _HEAD
        self.head_request = head_request
        self.head_bytes = 0
        if self.pending:
            self.pending.clear()

    def feed(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def next_event(self) -> int:
        """The next event of what was fed; raises InvalidResponse if it is malformed."""
        state = self.state
        if state == _LENGTH:
            return self._length_body()
        if state == _HEAD:
            return self._head()
        if state == _UNTIL_CLOSE:
            data, pos = self.data, self.pos
            if pos >= len(data):
                return NEED_DATA
            self.body = data[pos:] if pos else data
            self.pos = len(data)
            return BODY
        if state == _TUNNEL:
            self.state = _DONE
            self.body = self.data[self.pos :]
            self.pos = len(self.data)
            return UPGRADE
        if state == _DONE:
            if self.pos < len(self.data):
                # Bytes no request asked for: the connection cannot be trusted any more.
                self.keep_alive = False
                self.pos = len(self.data)
            return NEED_DATA
        return self._chunked_body()

    def _end(self) -> int:
        self.state = _DONE
        if self.pos < len(self.data):
            self.keep_alive = False  # bytes after the response: see _DONE
            self.pos = len(self.data)
        return END

    # the head

    def _head(self) -> int:
        data, pos = self.data, self.pos
        pending = self.pending
        if pending:
            # Scanned only once whole: a head that trickles in is not scanned once a read.
            searched = max(0, len(pending) - 3)
            pending += data[pos:] if pos else data
            if pending.find(b"\r\n\r\n", searched) < 0:
                self.pos = len(data)
                if self.head_bytes + len(pending) > MAX_RESPONSE_HEAD:
                    raise InvalidResponse("a response head larger than 64 KiB")
                return NEED_DATA
            whole = bytes(pending)
            pending.clear()
            head_end = self._read_head(whole, 0)
            if head_end < 0:
                raise InvalidResponse("a response head that does not end")
            self.head_bytes += head_end
            # What follows the head in `whole` is the end of `data`.
            self.pos = len(data) - (len(whole) - head_end)
        else:
            head_end = self._read_head(data, pos)
            if head_end < 0:
                self.pos = len(data)
                if self.head_bytes + len(data) - pos > MAX_RESPONSE_HEAD:
                    raise InvalidResponse("a response head larger than 64 KiB")
                pending += data[pos:] if pos else data
                return NEED_DATA
            self.head_bytes += head_end - pos
            self.pos = head_end
        if self.head_bytes > MAX_RESPONSE_HEAD:
            raise InvalidResponse("a response head (interim ones included) larger than 64 KiB")
        status = self.status
        if status < 200:
            if status == 101:
                self.state = _TUNNEL
            return HEAD  # an interim response: the final head follows, in state _HEAD
        if self.head_request or status == 204 or status == 304:
            self.remaining = 0
            self.state = _LENGTH
        elif self.chunked:
            self.state = _CHUNK_SIZE
        elif self.content_length >= 0:
            self.remaining = self.content_length
            self.state = _LENGTH
        else:
            self.keep_alive = False  # the end of the connection is the end of the body
            self.state = _UNTIL_CLOSE
        return HEAD

    def _read_head(self, data: bytes, start: i64) -> i64:
        """Read the head that begins at data[start]: where it ends (past its empty line),
        or -1 if `data` ends first. Raises InvalidResponse at the first byte out of place.

        One pass over the bytes, in compiled code a loop over them (docs/performance.md):
        a call per line, or searches of the whole head, would cost more."""
        end: i64 = len(data)
        if end - start < 13:
            return -1
        if _equal_at(data, start, b"HTTP/1.1 "):
            keep_alive = True
        elif _equal_at(data, start, b"HTTP/1.0 "):
            keep_alive = False
        else:
            raise InvalidResponse("not an HTTP/1.1 or HTTP/1.0 status line")
        status = _digits(data, start + 9, start + 12)
        after = data[start + 12]
        # The reason phrase may be left out: "HTTP/1.1 200" and the line's end.
        if status < 100 or (after != 32 and after != 13):
            raise InvalidResponse("an invalid status code")
        index = _field_end(data, start + 12, end)
        if index + 1 >= end:
            return -1
        if data[index] != 13 or data[index + 1] != 10:
            raise InvalidResponse("a control character, or a CR or LF alone, in the head")
        index += 2
        fields_start = index
        # Dropped lines cut the header lines into pieces; `kept` is where the next began.
        pieces: list[bytes] = []
        kept = fields_start
        content_length: i64 = -1
        chunked = False
        transfer_encoding = False
        connection = b""
        upgrade = b""
        while True:
            if index + 1 >= end:
                return -1
            if data[index] == 13:
                if data[index + 1] != 10:
                    raise InvalidResponse("a control character, or a CR or LF alone, in the head")
                break  # the empty line
            line_start = index
            colon = _token_end(data, index, end)
            if colon >= end:
                return -1
            if colon == line_start or data[colon] != 58:
                raise InvalidResponse("an invalid header name")
            value_start = _space_end(data, colon + 1, end)
            index = _field_end(data, value_start, end)
            if index + 1 >= end:
                return -1
            if data[index] != 13 or data[index + 1] != 10:
                raise InvalidResponse("a control character, or a CR or LF alone, in the head")
            index += 2
            name_length = colon - line_start
            if not (ACTED_ON_LENGTHS >> name_length) & 1:
                continue  # most: passed on as they are
            if name_length == 14 and _name_at(data, line_start, b"content-length"):
                if content_length >= 0:
                    raise InvalidResponse("two Content-Length headers")
                value_end = _value_end(data, value_start, index - 2)
                content_length = _digits(data, value_start, value_end)
                if content_length < 0 or value_end == value_start or value_end - value_start > 18:
                    raise InvalidResponse("an invalid Content-Length")
                continue
            name = _hop_by_hop_name(data, line_start, name_length)
            if not name:
                continue
            # A hop-by-hop header: read here, never passed on.
            pieces.append(data[kept:line_start])
            kept = index
            value = data[value_start : _value_end(data, value_start, index - 2)]
            if name == b"transfer-encoding":
                # As nginx does: the edge decodes chunked alone, and a body in another
                # coding could reach the visitor neither decoded nor labelled.
                if transfer_encoding:
                    raise InvalidResponse("two Transfer-Encoding headers")
                transfer_encoding = True
                if value.lower() != b"chunked":
                    raise InvalidResponse("a transfer coding other than chunked")
                chunked = True
            elif name == b"connection":
                # Several Connection headers are one list.
                connection = value if not connection else connection + b"," + value
            elif name == b"upgrade":
                upgrade = value
        head_end = index + 2
        if chunked and content_length >= 0:
            raise InvalidResponse("both Content-Length and Transfer-Encoding")
        if kept < index:
            pieces.append(data[kept:index])
        fields = pieces[0] if len(pieces) == 1 else b"".join(pieces)
        if connection:
            # Most say just keep-alive or close; a list may name more headers to drop.
            lowered = connection.lower()
            if lowered == b"close":
                keep_alive = False
            elif lowered == b"keep-alive":
                keep_alive = True
            else:
                tokens = connection_tokens(connection)
                keep_alive = b"close" not in tokens and (keep_alive or b"keep-alive" in tokens)
                # The body's framing and coding are never dropped: without Content-Length
                # the visitor could not tell where this response ends and the next begins,
                # and without Content-Encoding it would take gzip for the content itself.
                listed = tokens - _PLAIN_CONNECTION - _NEVER_DROPPED
                if listed:
                    fields = _without(fields, listed)
        if chunked and data[start + 7] == 48:
            # HTTP/1.0 has no chunked coding: after such a message the connection's framing
            # cannot be trusted (RFC 9112 6.1), whatever Connection says.
            keep_alive = False
        self.fields = fields
        self.status = status
        self.content_length = content_length
        self.chunked = chunked
        self.keep_alive = keep_alive
        self.upgrade = upgrade
        return head_end

    # bodies

    def _length_body(self) -> int:
        if not self.remaining:
            return self._end()
        return self._take()

    def _take(self) -> int:
        """BODY with up to `remaining` bytes of what is left of the read; NEED_DATA if none is."""
        data, pos = self.data, self.pos
        available = len(data) - pos
        if available <= 0:
            return NEED_DATA
        remaining = self.remaining
        if available <= remaining:
            self.body = data[pos:] if pos else data
            self.pos = len(data)
            self.remaining = remaining - available
        else:
            self.body = data[pos : pos + remaining]
            self.pos = pos + remaining
            self.remaining = 0
        return BODY

    def _line(self, what: str) -> bytes | None:
        """The next CRLF-ended line (without it), or None until it has all come."""
        data, pos = self.data, self.pos
        pending = self.pending
        if pending:
            searched = max(0, len(pending) - 1)
            pending += data[pos:]
            end = pending.find(_CRLF, searched)
            if end < 0:
                self.pos = len(data)
                if len(pending) > _MAX_LINE:
                    raise InvalidResponse(f"a {what} line longer than {_MAX_LINE} bytes")
                return None
            line = bytes(pending[:end])
            self.pos = len(data) - (len(pending) - end - 2)
            pending.clear()
        else:
            end = data.find(_CRLF, pos)
            if end < 0:
                self.pos = len(data)
                if len(data) - pos > _MAX_LINE:
                    raise InvalidResponse(f"a {what} line longer than {_MAX_LINE} bytes")
                pending += data[pos:]
                return None
            line = data[pos:end]
            self.pos = end + 2
        if len(line) > _MAX_LINE:
            raise InvalidResponse(f"a {what} line longer than {_MAX_LINE} bytes")
        if _field_end(line, 0, len(line)) != len(line):
            raise InvalidResponse(f"an invalid {what} line")
        return line

    def _chunked_body(self) -> int:
        while True:
            state = self.state
            if state == _CHUNK_DATA:
                event = self._take()
                if not self.remaining:
                    self.state = _CHUNK_END
                return event
            if state == _CHUNK_SIZE:
                line = self._line("chunk size")
                if line is None:
                    return NEED_DATA
                size = line.split(b";", 1)[0]
                if not size or len(size) > _MAX_CHUNK_DIGITS or _hex_end(size) != len(size):
                    raise InvalidResponse("an invalid chunk size")
                self.remaining = int(size, 16)
                self.state = _CHUNK_DATA if self.remaining else _TRAILERS
            elif state == _CHUNK_END:
                line = self._line("chunk end")
                if line is None:
                    return NEED_DATA
                if line:
                    raise InvalidResponse("chunk data longer than its size")
                self.state = _CHUNK_SIZE
            else:  # _TRAILERS: read and dropped, up to the empty line
                line = self._line("trailer")
                if line is None:
                    return NEED_DATA
                if not line:
                    return self._end()
                colon = _token_end(line, 0, len(line))
                if not colon or colon >= len(line) or line[colon] != 58:
                    raise InvalidResponse("an invalid trailer")


# Byte scans, in compiled code a tight loop over the bytes (i64 indexes).


def _token_end(data: bytes, start: i64, end: i64) -> i64:
    """Where the run of token characters from `start` ends (at most `end`)."""
    index = start
    while index < end and _IS_TOKEN[data[index]]:
        index += 1
    return index


def _field_end(data: bytes, start: i64, end: i64) -> i64:
    """Where the run of field characters (no CR, LF or control) from `start` ends."""
    index = start
    while index < end:
        char = data[index]
        # Two comparisons for most bytes: fewer instructions than a table's lookup.
        if (char < 32 and char != 9) or char == 127:
            break
        index += 1
    return index


def _space_end(data: bytes, start: i64, end: i64) -> i64:
    """Where the spaces and tabs from `start` end."""
    index = start
    while index < end and (data[index] == 32 or data[index] == 9):
        index += 1
    return index


def _value_end(data: bytes, start: i64, end: i64) -> i64:
    """Where data[start:end] ends once trailing spaces and tabs are left out."""
    while end > start and (data[end - 1] == 32 or data[end - 1] == 9):
        end -= 1
    return end


def _equal_at(data: bytes, start: i64, text: bytes) -> bool:
    """Whether `data` holds `text` at `start`."""
    length: i64 = len(text)
    if start + length > len(data):
        return False
    return all(data[start + offset] == text[offset] for offset in range(length))


def _name_at(data: bytes, start: i64, name: bytes) -> bool:
    """Whether the header name at `start`, of the length of `name`, is `name` in any
    case. `name` is small letters and "-", and the bytes compared are token characters:
    OR-ing 0x20 turns capital letters into small ones, and no other into those."""
    return all(data[start + offset] | 32 == name[offset] for offset in range(len(name)))


def _hop_by_hop_name(data: bytes, start: i64, length: i64) -> bytes:
    """The hop-by-hop header name (lower case) at `start`, `length` bytes long, or b""."""
    for name in _HOP_BY_HOP_NAMES:
        if len(name) == length and _name_at(data, start, name):
            return name
    return b""


def _hex_end(data: bytes) -> i64:
    index: i64 = 0
    end: i64 = len(data)
    while index < end and _IS_HEX[data[index]]:
        index += 1
    return index


def _digits(data: bytes, start: i64, end: i64) -> i64:
    """The decimal number data[start:end] spells, or -1 if it is not all digits."""
    number: i64 = 0
    for index in range(start, end):
        digit = data[index] - 48
        if not 0 <= digit <= 9:
            return -1
        number = number * 10 + digit
    return number


def _without(fields: bytes, names: set[bytes]) -> bytes:
    """Header lines as `ResponseParser.fields` holds them, less those of `names`."""
    kept = [
        line + _CRLF
        for line in fields.split(_CRLF)
        if line and line[: line.find(b":")].lower() not in names
    ]
    return b"".join(kept)


def header_pairs(fields: bytes) -> list[tuple[bytes, bytes]]:
    """The (name, value) pairs of header lines as `ResponseParser.fields` holds them."""
    pairs = []
    for line in fields.split(_CRLF):
        name, colon, value = line.partition(b":")
        if colon:
            pairs.append((name, value.strip()))
    return pairs
