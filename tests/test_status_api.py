"""The status API the Home Assistant integration polls: document, protection, test play."""

from __future__ import annotations

import json
import os
from pathlib import Path
import time
from typing import Any

from alexa_bridge.panel.public_address import PublicCheck

from .conftest import BridgeFactory
from .fakes import alexa
from .fakes.amazon import FakeAmazon
from .harness import PUBLIC_URL, RunningBridge
from .test_ma_api import FULL_PUSH, basic

# The one example both sides read: the integration's tests serve it from a fake bridge.
STATUS_EXAMPLE = Path(__file__).parent / "data" / "status-example.json"
UPDATE_ENV = "UPDATE_STATUS_EXAMPLE"
KITCHEN_SERIAL = "G090LF1234567890"
KITCHEN_DEVICE = "amzn1.ask.device.KITCHEN1"

# Values that change from run to run, replaced by fixed ones before comparing.
FIXED_TIME = "2026-03-01T12:00:00+00:00"
VOLATILE = {
    "instance_id": "0123456789abcdef0123456789abcdef",
    "version": "0.1.0",
    "port": 5001,
    "since": FIXED_TIME,
    "checked_at": FIXED_TIME,
    "reported_at": FIXED_TIME,
    "last_alexa_request": FIXED_TIME,
    "last_ma_push": FIXED_TIME,
    "last_push": FIXED_TIME,
    "provider_loaded_at": FIXED_TIME,
    "api_url": "http://localhost:5000",
}


def normalise(value: Any) -> Any:
    """Replace run-dependent values (ids, times, ports) with the example's fixed ones."""
    if isinstance(value, dict):
        return {
            key: VOLATILE[key] if key in VOLATILE and item is not None else normalise(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [normalise(item) for item in value]
    return value


async def get_status(bridge: RunningBridge, **kwargs: Any) -> tuple[int, Any]:
    """GET /api/status on the MA API listener."""
    async with bridge.client.get(f"{bridge.ma}/api/status", **kwargs) as resp:
        return resp.status, await resp.json()


async def post(bridge: RunningBridge, path: str, body: Any, **kwargs: Any) -> tuple[int, Any]:
    """POST JSON to the MA API listener."""
    async with bridge.client.post(f"{bridge.ma}{path}", json=body, **kwargs) as resp:
        return resp.status, await resp.json()


async def sign_in(bridge: RunningBridge, amazon: FakeAmazon) -> None:
    """Sign the bridge in through the secure enrollment, playing the user on Amazon's page."""
    amazon.route(bridge.cert_host.mapping)
    url = await bridge.core.amazon.start_enrollment("amazon.com")
    await bridge.core.amazon.finish_enrollment(amazon.sign_in(url))


async def test_fresh_bridge_status(bridge: RunningBridge) -> None:
    """A new bridge reports its identity, the configured skill, no session and no repairs."""
    status, body = await get_status(bridge)
    assert status == 200
    assert body["schema"] == 1
    assert body["instance_id"] == bridge.core.settings.instance_id
    assert body["skill"] == {
        "state": "configured",
        "skill_id_known": True,
        "provisioned": False,
        "provisioning": None,
    }
    assert body["amazon"]["status"] == "signed_out"
    assert body["public"] == {
        "url": PUBLIC_URL,
        "from_option": True,
        "port": bridge.core.bound_ports["public"],
        "check": None,
    }
    assert body["activity"] == {"last_alexa_request": None, "last_ma_push": None}
    assert (body["echos"], body["echos_error"], body["pairings"]) == ([], None, [])
    assert body["repairs"] == {
        "amazon_session_expired": False,
        "skill_build_failed": None,
        "public_address_unreachable": False,
    }
    assert body["home_assistant"] is None


async def test_document_matches_the_shared_example(
    bridge: RunningBridge, amazon: FakeAmazon
) -> None:
    """The example the integration's tests serve is what a real bridge answers."""
    await sign_in(bridge, amazon)
    async with bridge.client.get(f"{bridge.ma}/alexa/intents") as resp:
        assert resp.status == 200  # MA's provider loads
    await bridge.push(FULL_PUSH)
    status, _ = await bridge.skill(alexa.launch(device_id=KITCHEN_DEVICE))
    assert status == 200
    bridge.core.public_check = PublicCheck(
        PUBLIC_URL, ok=False, reason="the connection failed (refused)", checked_at=time.time()
    )
    status, _ = await post(
        bridge, "/api/home-assistant", {"external_url": "https://home.example.org"}
    )
    assert status == 200
    status, body = await get_status(bridge)
    assert status == 200
    document = normalise(body)
    if os.environ.get(UPDATE_ENV):
        STATUS_EXAMPLE.write_text(json.dumps(document, indent=2) + "\n", "utf-8")
    expected = json.loads(STATUS_EXAMPLE.read_text("utf-8"))
    assert document == expected, f"the status document changed: rerun with {UPDATE_ENV}=1"
    kitchen = next(echo for echo in body["echos"] if echo["serial"] == KITCHEN_SERIAL)
    assert (kitchen["player_id"], kitchen["paired"]) == ("Kitchen Echo", True)
    assert body["pairings"][0]["device_id"] == KITCHEN_DEVICE
    assert body["repairs"]["public_address_unreachable"] is True


async def test_expired_session_is_a_repair(bridge: RunningBridge, amazon: FakeAmazon) -> None:
    """An Amazon session that ended shows as a repair with Amazon's message."""
    await sign_in(bridge, amazon)
    bridge.core.amazon._expire("refused")
    _, body = await get_status(bridge)
    assert body["amazon"]["status"] == "expired"
    assert body["repairs"]["amazon_session_expired"] is True
    assert body["echos"] == []


async def test_provisioned_skill(bridge_factory: BridgeFactory) -> None:
    """A skill id the bridge stored itself (no option) is reported as provisioned."""
    bridge = await bridge_factory(skill_id=None)
    _, body = await get_status(bridge)
    assert body["skill"]["state"] == "missing"
    await bridge.core.settings.set_skill_id(alexa.TEST_SKILL_ID)
    _, body = await get_status(bridge)
    assert body["skill"]["state"] == "provisioned"
    assert body["skill"]["provisioned"] is True


async def test_basic_credentials_protect_the_status_api(bridge_factory: BridgeFactory) -> None:
    """With api_username/api_password set, every status route needs them, as MA's routes do."""
    bridge = await bridge_factory(api_username="ha", api_password="secret")
    status, _ = await get_status(bridge)
    assert status == 401
    status, _ = await get_status(bridge, headers=basic("ha", "wrong"))
    assert status == 401
    for path in ("/api/test-play", "/api/home-assistant"):
        status, _ = await post(bridge, path, {})
        assert status == 401
    status, body = await get_status(bridge, headers=basic("ha", "secret"))
    assert status == 200
    assert body["instance_id"] == bridge.core.settings.instance_id


async def test_status_api_exists_only_on_the_ma_listener(bridge: RunningBridge) -> None:
    """The public listener and the panel do not serve the status API."""
    async with bridge.client.get(f"{bridge.public}/api/status") as resp:
        assert resp.status == 404
    async with bridge.client.post(f"{bridge.public}/api/test-play", json={}) as resp:
        assert resp.status == 404


async def test_test_play_asks_the_echo(bridge: RunningBridge, amazon: FakeAmazon) -> None:
    """POST /api/test-play makes the Echo say the play phrase and records the test."""
    await sign_in(bridge, amazon)
    status, body = await post(bridge, "/api/test-play", {"serial": KITCHEN_SERIAL})
    assert status == 200
    assert body == {
        "serial": KITCHEN_SERIAL,
        "name": "Kitchen Echo",
        "phrase": "ask music assistant to play audio",
        "stage": "sent",
        "reason": None,
    }
    [command] = amazon.calls("/api/behaviors/preview")
    payload = json.loads(command.json()["sequenceJson"])["startNode"]["operationPayload"]
    assert payload["deviceSerialNumber"] == KITCHEN_SERIAL
    assert bridge.core.activity.entries[-1].type == "TestPlay"


async def test_test_play_refusals(bridge: RunningBridge, amazon: FakeAmazon) -> None:
    """Test play needs a session, a serial and an Echo of this account."""
    status, body = await post(bridge, "/api/test-play", {"serial": KITCHEN_SERIAL})
    assert (status, body) == (503, {"error": "the bridge is not signed in to Amazon"})
    await sign_in(bridge, amazon)
    status, _ = await post(bridge, "/api/test-play", {})
    assert status == 400
    status, body = await post(bridge, "/api/test-play", {"serial": "NOPE"})
    assert (status, body) == (404, {"error": "no such Echo on this account"})
    assert amazon.calls("/api/behaviors/preview") == []


async def test_home_assistant_address_is_offered(bridge: RunningBridge) -> None:
    """Home Assistant's https external URL becomes <url>/api/alexa_bridge; http is refused."""
    status, body = await post(
        bridge, "/api/home-assistant", {"external_url": "https://abc.ui.nabu.casa/"}
    )
    assert status == 200
    assert body["public_url"] == "https://abc.ui.nabu.casa/api/alexa_bridge"
    assert body["reason"] is None
    link = bridge.core.home_assistant
    assert link is not None
    assert link.public_url() == ("https://abc.ui.nabu.casa/api/alexa_bridge", None)

    _, body = await post(bridge, "/api/home-assistant", {"external_url": "http://ha.local:8123"})
    assert body["public_url"] is None
    assert "https://" in body["reason"]
    _, body = await post(bridge, "/api/home-assistant", {"external_url": None})
    assert body["public_url"] is None
    assert "no external URL" in body["reason"]
    status, _ = await post(
        bridge, "/api/home-assistant", {"external_url": None, "path_prefix": "/../x?y"}
    )
    assert status == 400
    _, status_body = await get_status(bridge)
    assert status_body["home_assistant"]["external_url"] is None
