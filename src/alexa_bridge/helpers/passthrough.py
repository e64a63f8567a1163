"""Relay one HTTP response body from an upstream socket to a client transport, read by read.

Each read from Music Assistant is written to the Echo's transport straight from
`data_received`: no stream reader, no task wake-up per chunk. When the Echo's transport
buffers too much, reading from Music Assistant pauses until it drains.

A live stream (no Content-Length) is read in batches once it runs: the kernel is asked
(SO_RCVLOWAT) to wake the bridge only when a batch has arrived, so a 320 kbit/s stream
costs a few reads a second instead of one per write of Music Assistant's. The owner
calls `release_held()` when the stream goes quiet, so no bytes wait behind a batch.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import enum
import socket
import sys

MAX_HEAD = 64 * 1024
MAX_SIZE_LINE = 1024
SINK_HIGH_WATER = 256 * 1024  # about 6 s of a 320 kbit/s stream buffered for the Echo
# A live stream's first bytes (and its first bytes after a quiet spell) pass read by read,
# so playback starts at once; after that the kernel wakes the bridge per 16 KiB, about
# 0.4 s of a 320 kbit/s stream.
BATCH_AFTER = 64 * 1024
BATCH_SIZE = 16 * 1024
CRLF = b"\r\n"


class UpstreamError(Exception):
    """The upstream answer is not a usable HTTP response."""


@dataclass(frozen=True, slots=True)
class UpstreamHead:
    """Status and headers of the upstream answer (header names lower-case)."""

    status: int
    headers: dict[str, str]
    length: int | None
    chunked: bool


class Framing(enum.Enum):
    """How body bytes are framed towards the client."""

    RAW = "raw"  # Content-Length, or close-delimited for an HTTP/1.0 client
    CHUNKED = "chunked"


def parse_head(raw: bytes) -> UpstreamHead:
    """Parse a response status line and headers."""
    lines = raw.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():  # noqa: PLR2004
        raise UpstreamError("not an HTTP/1.x status line")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise UpstreamError("malformed header line")
        headers[name.lower()] = value.strip()
    chunked = "chunked" in headers.get("transfer-encoding", "").lower()
    length = None
    if not chunked and "content-length" in headers:
        if not headers["content-length"].isdigit():
            raise UpstreamError("malformed Content-Length")
        length = int(headers["content-length"])
    return UpstreamHead(int(parts[1]), headers, length, chunked)


class ChunkDecoder:
    """Take the payload out of a chunked body, piece by piece, without copying data."""

    def __init__(self) -> None:
        """Start before the first chunk-size line."""
        self._left = 0  # payload bytes left in the current chunk
        self._crlf = 0  # bytes of the CRLF after a chunk still to skip
        self._line = b""
        self.done = False

    def feed(self, data: bytes) -> list[memoryview]:
        """Return the payload pieces in `data`; set `done` at the last chunk."""
        view = memoryview(data)
        pieces: list[memoryview] = []
        pos, end = 0, len(data)
        while pos < end and not self.done:
            if self._left:
                take = min(self._left, end - pos)
                pieces.append(view[pos : pos + take])
                pos += take
                self._left -= take
                if not self._left:
                    self._crlf = 2
            elif self._crlf:
                take = min(self._crlf, end - pos)
                pos += take
                self._crlf -= take
            else:
                newline = data.find(b"\n", pos)
                if newline < 0:
                    self._line += data[pos:]
                    if len(self._line) > MAX_SIZE_LINE:
                        raise UpstreamError("chunk-size line too long")
                    break
                line = self._line + data[pos:newline]
                self._line = b""
                pos = newline + 1
                size = line.split(b";", 1)[0].strip()
                try:
                    self._left = int(size, 16)
                except ValueError:
                    raise UpstreamError("malformed chunk size") from None
                if self._left == 0:
                    self.done = True  # trailers, if any, are not passed on
        return pieces


class RelayProtocol(asyncio.Protocol):
    """Read one upstream response; once attached, write its body to the client."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, head_only: bool) -> None:
        """Prepare to read the head; the body waits for `attach()`."""
        self._loop = loop
        self._head_only = head_only
        self.head: asyncio.Future[UpstreamHead] = loop.create_future()
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._pending: list[bytes] = []
        self._sink: asyncio.Transport | None = None
        self._framing = Framing.RAW
        self._decoder: ChunkDecoder | None = None
        self._length: int | None = None
        self._limit: int | None = None
        self.sent = 0
        self.last_read = loop.time()
        self.paused = False
        self.finished = False
        self.complete = False
        self.reason = ""
        self._wake: asyncio.Future[None] | None = None
        self._batch_from = BATCH_AFTER  # `sent` from which reads are batched
        self.holding = False  # the kernel is asked to hold reads below BATCH_SIZE

    # asyncio.Protocol -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport."""
        assert isinstance(transport, asyncio.Transport)  # noqa: S101 - a stream socket
        self.transport = transport
        if self.finished:  # ended (replaced by a newer relay) while connecting
            self.close()

    def data_received(self, data: bytes) -> None:
        """Parse the head, then hold or pass on body bytes."""
        self.last_read = self._loop.time()
        if self.finished:
            return
        if self._sink is not None:
            self._deliver(data)
        elif not self.head.done():
            self._read_head(data)
        else:
            self._pending.append(data)

    def eof_received(self) -> bool:
        """Let the transport close; the body ends with the connection."""
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """Finish: complete when the body's framing says it ended."""
        self.transport = None
        if not self.head.done():
            self.head.set_exception(UpstreamError("connection closed before the head"))
            return
        if self._sink is None:
            self._pending.append(b"")  # end marker, delivered on attach
            return
        self._finish_at_eof(exc)

    # the relay's side --------------------------------------------------------------------

    def attach(self, sink: asyncio.Transport, framing: Framing, limit: int | None) -> None:
        """Start passing the body to the client's transport."""
        head = self.head.result()
        self._sink = sink
        self._framing = framing
        self._decoder = ChunkDecoder() if head.chunked else None
        self._length = head.length
        self._limit = limit
        sink.set_write_buffer_limits(high=SINK_HIGH_WATER)
        if self._head_only or head.length == 0:
            self._end(complete=True)
            return
        pending, self._pending = self._pending, []
        for data in pending:
            if self.finished:
                break
            if data:
                self._deliver(data)
            else:
                self._finish_at_eof(None)
        if self.transport is not None and not self.finished and not self.paused:
            self.transport.resume_reading()

    async def wait(self, seconds: float) -> None:
        """Wait until paused, finished, or `seconds` pass."""
        if self.paused or self.finished:
            return
        self._wake = self._loop.create_future()
        try:
            async with asyncio.timeout(seconds):
                await self._wake
        except TimeoutError:
            pass
        finally:
            self._wake = None

    def resume(self) -> None:
        """Read from upstream again after the client's transport drained."""
        self.paused = False
        if self.transport is not None and not self.finished:
            self.transport.resume_reading()

    def release_held(self) -> bool:
        """Stop batching, so bytes below a batch come through now; say whether it was on.

        Batching starts again once another `BATCH_AFTER` bytes have passed.
        """
        if not self.holding:
            return False
        self.holding = False
        self._batch_from = self.sent + BATCH_AFTER
        self._set_low_water(1)
        return True

    def abort(self, reason: str) -> None:
        """End the relay as incomplete (limit, stall, eviction) and close upstream."""
        if not self.finished:
            self.reason = reason
            if not self.head.done():
                self.head.set_exception(UpstreamError(reason))
                self.head.exception()  # retrieved here: the relay may not be waiting yet
            self._end(complete=False)

    def close(self) -> None:
        """Close the upstream connection (the client left or the relay is over)."""
        if self.transport is not None:
            self.transport.abort()
            self.transport = None

    # internals ---------------------------------------------------------------------------

    def _read_head(self, data: bytes) -> None:
        """Collect bytes until the blank line that ends the head."""
        self._buffer += data
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD:
                self.head.set_exception(UpstreamError("response head too large"))
                self.close()
            return
        try:
            head = parse_head(bytes(self._buffer[:end]))
        except UpstreamError as err:
            self.head.set_exception(err)
            self.close()
            return
        rest = bytes(self._buffer[end + 4 :])
        self._buffer = bytearray()
        if rest:
            self._pending.append(rest)
        if self.transport is not None:
            self.transport.pause_reading()  # until the client's answer is prepared
        self.head.set_result(head)

    def _deliver(self, data: bytes) -> None:
        """Write body bytes to the client; pause upstream when the client lags."""
        sink = self._sink
        assert sink is not None  # noqa: S101 - only called once attached
        if sink.is_closing():
            self.abort("the client left")
            return
        if self._decoder is not None:
            try:
                pieces: list[memoryview] | list[bytes] = self._decoder.feed(data)
            except UpstreamError as err:
                self.abort(str(err))
                return
            size = sum(map(len, pieces))
        else:
            pieces, size = [data], len(data)
        self.sent += size
        if self._limit is not None and self.sent > self._limit:
            self.abort("over the size limit")
            return
        if size:  # one write, and one chunk towards the client, per read
            if self._framing is Framing.CHUNKED:
                sink.writelines((b"%x\r\n" % size, *pieces, CRLF))
            else:
                sink.writelines(pieces)
        if (self._decoder is not None and self._decoder.done) or (
            self._length is not None and self.sent >= self._length
        ):
            self._end(complete=self._length is None or self.sent == self._length)
            return
        if sink.get_write_buffer_size() > SINK_HIGH_WATER and self.transport is not None:
            self.transport.pause_reading()
            self.paused = True
            self._wakeup()
        if not self.holding and self._length is None and self.sent >= self._batch_from:
            self._start_batching()

    def _start_batching(self) -> None:
        """Have the kernel hold reads below a batch; the owner then watches for quiet."""
        self.holding = self._set_low_water(BATCH_SIZE)
        if self.holding:
            self._wakeup()
        else:  # no socket option here: every read passes on its own, never asked again
            self._batch_from = sys.maxsize

    def _set_low_water(self, size: int) -> bool:
        """Ask the kernel to report the upstream socket readable from `size` bytes on."""
        sock = self.transport.get_extra_info("socket") if self.transport is not None else None
        if sock is None:
            return False
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, size)
        except OSError:
            return False
        return True

    def _finish_at_eof(self, exc: Exception | None) -> None:
        """Upstream closed: complete only for a close-delimited body ended cleanly."""
        if self.finished:
            return
        delimited = self._decoder is None and self._length is None
        if not (delimited and exc is None):
            self.reason = "Music Assistant closed the stream early"
        self._end(complete=delimited and exc is None)

    def _end(self, *, complete: bool) -> None:
        """Mark the relay finished and close upstream."""
        self.finished = True
        self.complete = complete
        self.close()
        self._wakeup()

    def _wakeup(self) -> None:
        """Wake the waiting relay handler."""
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)
