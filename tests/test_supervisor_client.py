"""The Supervisor client against a fake Supervisor on a real socket: models, envelopes, errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import re

import aiohttp
import pytest

from alexa_bridge.clients.exceptions import (
    SupervisorAuthError,
    SupervisorConnectionError,
    SupervisorError,
    SupervisorNotFoundError,
    SupervisorTimeoutError,
)
from alexa_bridge.clients.supervisor import SupervisorClient
from alexa_bridge.models.supervisor import AddonInfo, DiscoveryConfig

from .fakes.supervisor import FORBIDDEN_SERVICE, INGRESS_TOKEN, TOKEN, FakeSupervisor


@pytest.fixture(name="session")
async def session_fixture() -> AsyncIterator[aiohttp.ClientSession]:
    """Return the session the client is given."""
    async with aiohttp.ClientSession() as session:
        yield session


def _message(service: str = "alexa_bridge", **config: object) -> DiscoveryConfig:
    """Return a discovery message."""
    return DiscoveryConfig(service, {"host": "127.0.0.1", "port": 5000, **config})


async def test_self_info_is_typed(supervisor: FakeSupervisor, session: aiohttp.ClientSession):
    """GET /addons/self/info becomes an AddonInfo with the ingress details."""
    info = await SupervisorClient.from_env(session).addons.self_info()
    assert info == AddonInfo(
        hostname="local-alexa-bridge",
        ip_address="172.30.32.1",
        ingress_entry=f"/api/hassio_ingress/{INGRESS_TOKEN}",
        ingress_url=f"/api/hassio_ingress/{INGRESS_TOKEN}/",
        ingress_port=supervisor.ingress_port,
    )
    assert supervisor.requests == [("GET", "/addons/self/info")]


async def test_publish_returns_uuid_and_repost_keeps_it(
    supervisor: FakeSupervisor, session: aiohttp.ClientSession
):
    """The uuid comes from the envelope's data; posting the service again updates the message."""
    client = SupervisorClient.from_env(session)
    first = await client.discovery.publish(_message(skill_provisioned=False))
    assert re.fullmatch(r"[0-9a-f]{32}", first.uuid)
    second = await client.discovery.publish(_message(skill_provisioned=True))
    assert second.uuid == first.uuid
    assert supervisor.messages[first.uuid].config["skill_provisioned"] is True


async def test_delete_removes_and_unknown_uuid_is_not_found(
    supervisor: FakeSupervisor, session: aiohttp.ClientSession
):
    """DELETE /discovery/<uuid> removes the message; a second delete is a 404."""
    client = SupervisorClient.from_env(session)
    result = await client.discovery.publish(_message())
    await client.discovery.delete(result.uuid)
    assert supervisor.messages == {}
    with pytest.raises(SupervisorNotFoundError, match="not found"):
        await client.discovery.delete(result.uuid)


async def test_unlisted_service_is_forbidden(
    supervisor: FakeSupervisor, session: aiohttp.ClientSession
):
    """A service missing from the add-on's `discovery:` list is a 403 with the message."""
    with pytest.raises(SupervisorAuthError) as err:
        await SupervisorClient.from_env(session).discovery.publish(_message("other_service"))
    assert str(err.value) == FORBIDDEN_SERVICE
    assert supervisor.messages == {}


@pytest.mark.parametrize("token", ["", "wrong-token"])
async def test_missing_or_wrong_token_is_an_auth_error(
    supervisor: FakeSupervisor, session: aiohttp.ClientSession, token: str
):
    """No token answers 401, an unknown one 403: both are auth errors."""
    client = SupervisorClient(session, api_url=supervisor.url, token=token)
    with pytest.raises(SupervisorAuthError):
        await client.addons.self_info()


async def test_server_error_envelope(supervisor: FakeSupervisor, session: aiohttp.ClientSession):
    """A 5xx error envelope raises the root error with the Supervisor's message."""
    supervisor.fail_status = 500
    with pytest.raises(SupervisorError, match="not ready") as err:
        await SupervisorClient.from_env(session).addons.self_info()
    assert not isinstance(err.value, SupervisorAuthError | SupervisorNotFoundError)


async def test_unreachable_is_a_connection_error(
    session: aiohttp.ClientSession, unused_tcp_port: int
):
    """Nothing listening is a SupervisorConnectionError, also a ConnectionError."""
    client = SupervisorClient(session, api_url=f"http://127.0.0.1:{unused_tcp_port}", token=TOKEN)
    with pytest.raises(SupervisorConnectionError) as err:
        await client.addons.self_info()
    assert isinstance(err.value, ConnectionError)


async def test_silent_server_is_a_timeout(session: aiohttp.ClientSession):
    """A server that accepts and never answers is a SupervisorTimeoutError."""
    writers: list[asyncio.StreamWriter] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Read the request and never answer."""
        writers.append(writer)
        await reader.read(65536)

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = SupervisorClient(
        session,
        api_url=f"http://127.0.0.1:{port}",
        token=TOKEN,
        timeout=aiohttp.ClientTimeout(total=0.3),
    )
    try:
        with pytest.raises(SupervisorTimeoutError) as err:
            await client.addons.self_info()
        assert isinstance(err.value, TimeoutError)
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


def test_from_env_defaults_to_the_supervisor_host(monkeypatch: pytest.MonkeyPatch):
    """Without SUPERVISOR_API the client calls http://supervisor, with the bearer token."""
    monkeypatch.delenv("SUPERVISOR_API", raising=False)
    client = SupervisorClient.from_env(None, {"SUPERVISOR_TOKEN": "abc"})  # type: ignore[arg-type]
    transport = client._transport
    assert str(transport._url("discovery")) == "http://supervisor/discovery"
    assert transport._headers["Authorization"] == "Bearer abc"


@pytest.mark.parametrize("path", ["http://evil.example/x", "../etc", "/addons/../../x"])
def test_paths_must_stay_under_the_api(path: str):
    """An absolute URL or a path climbing out of the API base is refused."""
    client = SupervisorClient.from_env(None, {"SUPERVISOR_TOKEN": "abc"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="relative"):
        client._transport._url(path)
