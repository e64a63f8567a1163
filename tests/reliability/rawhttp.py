"""Send exact bytes over HTTP/1.1, so tests can say what no well-behaved client would."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

READ_TIMEOUT = 10.0


@dataclass(frozen=True)
class RawAnswer:
    """The status and body of one answer."""

    status: int
    body: bytes


def build_request(
    method: str,
    target: bytes,
    headers: dict[str, bytes] | None = None,
    body: bytes | None = None,
    *,
    chunked: bool = False,
) -> bytes:
    """Return one request exactly as it goes on the wire (Connection: close)."""
    lines = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1"]
    lines += [name.encode() + b": " + value for name, value in (headers or {}).items()]
    lines.append(b"Connection: close")
    payload = b""
    if body is not None and chunked:
        lines.append(b"Transfer-Encoding: chunked")
        step = 16 * 1024
        for start in range(0, len(body), step):
            piece = body[start : start + step]
            payload += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        payload += b"0\r\n\r\n"
    elif body is not None:
        lines.append(f"Content-Length: {len(body)}".encode())
        payload = body
    return b"\r\n".join(lines) + b"\r\n\r\n" + payload


async def send(port: int, request: bytes) -> RawAnswer:
    """Send the bytes to 127.0.0.1:port and return the answer's status and body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        # The server may answer (413, 400) and close before it has read everything.
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        async with asyncio.timeout(READ_TIMEOUT):
            data = await reader.read()
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    head, _, body = data.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0]
    if not status_line.startswith(b"HTTP/1."):
        msg = f"no HTTP answer: {data[:200]!r}"
        raise AssertionError(msg)
    return RawAnswer(int(status_line.split()[1]), body)
