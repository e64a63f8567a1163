"""TLS on the public listener: the configured certificate, renewals without restart, errors."""

from __future__ import annotations

import asyncio
from pathlib import Path
import ssl

from cryptography import x509
import pytest

from alexa_bridge.exceptions import ListenerError
from alexa_bridge.server import limits

from .conftest import BridgeFactory
from .fakes.pki import Issued, TestPKI, make_leaf
from .harness import RunningBridge

HOST = "bridge.example.com"
RELOAD_INTERVAL = 0.05  # how often the bridge under test looks for a renewal, in seconds


def _write(directory: Path, leaf: Issued, pki: TestPKI) -> tuple[Path, Path]:
    """Write a certificate chain and key the way Let's Encrypt leaves them in /ssl."""
    cert, key = directory / "fullchain.pem", directory / "privkey.pem"
    cert.write_bytes(leaf.pem + pki.intermediate.pem)
    key.write_bytes(leaf.key_pem)
    return cert, key


async def _served_serial(bridge: RunningBridge, pki: TestPKI) -> int:
    """Open a TLS connection to the public port, check /health, return the cert's serial."""
    context = ssl.create_default_context(cadata=pki.root.pem.decode())
    port = bridge.core.bound_ports["public"]
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=context, server_hostname=HOST
    )
    try:
        writer.write(f"GET /health HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
        answer = await reader.read()
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    finally:
        writer.close()
    assert answer.startswith(b"HTTP/1.1 200"), answer[:80]
    return x509.load_der_x509_certificate(der).serial_number


async def _wait_for_serial(bridge: RunningBridge, pki: TestPKI, serial: int) -> None:
    """Wait up to 10 s for new connections to get the certificate with `serial`."""
    async with asyncio.timeout(10):
        while await _served_serial(bridge, pki) != serial:  # noqa: ASYNC110 - polling a server
            await asyncio.sleep(RELOAD_INTERVAL)


async def _wait_for_log(caplog: pytest.LogCaptureFixture, text: str) -> None:
    """Wait up to 10 s until the bridge has logged `text`."""
    async with asyncio.timeout(10):
        while not any(text in record.getMessage() for record in caplog.records):  # noqa: ASYNC110
            await asyncio.sleep(RELOAD_INTERVAL)


async def test_serves_configured_certificate_and_picks_up_renewal(
    bridge_factory: BridgeFactory,
    pki: TestPKI,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The public port speaks TLS with /ssl's pair and reloads a renewed pair, no restart."""
    first = make_leaf(pki.intermediate, [HOST])
    cert, key = _write(tmp_path, first, pki)
    bridge = await bridge_factory(
        ssl=True, certfile=str(cert), keyfile=str(key), tls_reload_interval=RELOAD_INTERVAL
    )
    assert await _served_serial(bridge, pki) == first.cert.serial_number

    # A renewal that is only half written (new certificate, old key) is not used...
    renewed = make_leaf(pki.intermediate, [HOST])  # a key of its own, as a renewal has
    cert.write_bytes(renewed.pem + pki.intermediate.pem)
    await _wait_for_log(caplog, "keeping the old one")
    assert await _served_serial(bridge, pki) == first.cert.serial_number
    # ...and once the key follows, new connections get the renewed certificate.
    key.write_bytes(renewed.key_pem)
    await _wait_for_serial(bridge, pki, renewed.cert.serial_number)
    assert bridge.bridge.listeners.port("public") == bridge.core.bound_ports["public"]


async def test_missing_certificate_stops_start_up(
    bridge_factory: BridgeFactory, tmp_path: Path
) -> None:
    """A missing file is a clear start-up error that names it and the options."""
    with pytest.raises(ListenerError) as err:
        await bridge_factory(
            ssl=True, certfile=str(tmp_path / "nope.pem"), keyfile=str(tmp_path / "key.pem")
        )
    assert "nope.pem" in str(err.value)
    assert "certfile" in str(err.value)


async def test_mismatched_pair_stops_start_up(
    bridge_factory: BridgeFactory, pki: TestPKI, tmp_path: Path
) -> None:
    """A key that does not belong to the certificate is a clear start-up error."""
    cert, _ = _write(tmp_path, make_leaf(pki.intermediate, [HOST]), pki)
    other = tmp_path / "other.key"
    other.write_bytes(make_leaf(pki.intermediate, [HOST]).key_pem)
    with pytest.raises(ListenerError, match="cannot be used together"):
        await bridge_factory(ssl=True, certfile=str(cert), keyfile=str(other))


async def test_handshake_that_never_comes_is_closed_at_the_head_deadline(
    bridge_factory: BridgeFactory,
    pki: TestPKI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A client that connects to the TLS port and says nothing is closed at the head deadline.

    Asyncio alone would hold it for 60 s; here the deadline is shortened to 0.5 s.
    """
    monkeypatch.setattr(limits, "HEAD_TIMEOUT", 0.5)
    cert, key = _write(tmp_path, make_leaf(pki.intermediate, [HOST]), pki)
    bridge = await bridge_factory(ssl=True, certfile=str(cert), keyfile=str(key))
    port = bridge.core.bound_ports["public"]
    silent_reader, silent = await asyncio.open_connection("127.0.0.1", port)
    half_reader, half = await asyncio.open_connection("127.0.0.1", port)
    half.write(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # a ClientHello that stops
    try:
        async with asyncio.timeout(3):
            assert await silent_reader.read() == b""
            assert await half_reader.read() == b""
        assert await _served_serial(bridge, pki) > 0  # a real client is still served
    finally:
        silent.close()
        half.close()
