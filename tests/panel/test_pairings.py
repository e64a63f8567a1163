"""The Devices page shows each Echo's pairing and lets the user change or clear it."""

from __future__ import annotations

from ..fakes import alexa
from ..fakes.ingress import FakeIngress
from ..harness import RunningBridge
from .conftest import parse

ECHO = "amzn1.ask.device.KITCHENECHO"


async def _pair_two_players(bridge: RunningBridge) -> None:
    """Push for two players; the first Echo answers the first push and is paired with it."""
    await bridge.push({"streamUrl": "http://192.168.1.2:8097/flow/k.mp3", "playerId": "Kitchen"})
    await bridge.skill(alexa.launch(device_id=ECHO))
    await bridge.push({"streamUrl": "http://192.168.1.2:8097/flow/d.mp3", "playerId": "Den"})
    assert bridge.core.slots.devices == {ECHO: "Kitchen"}


async def _post(bridge: RunningBridge, ingress: FakeIngress, data: dict[str, str]) -> int:
    """Post a Devices-page form with the page's CSRF token."""
    async with bridge.client.get(f"{ingress.url}devices") as resp:
        html = await resp.text()
    token = parse(html).csrf
    assert token is not None
    assert ECHO in html
    async with bridge.client.post(
        f"{ingress.url}devices", data={**data, "csrf": token}, allow_redirects=False
    ) as resp:
        return resp.status


async def test_change_pairing_moves_the_echo(bridge: RunningBridge, ingress: FakeIngress) -> None:
    """After the user re-pairs the Echo with Den, it plays Den's stream, also after a restart."""
    await _pair_two_players(bridge)
    status = await _post(
        bridge, ingress, {"action": "pair_set", "device_id": ECHO, "player": "Den"}
    )
    assert status == 303
    _, answer = await bridge.skill(alexa.launch(device_id=ECHO))
    url = answer["response"]["directives"][0]["audioItem"]["stream"]["url"]
    assert url.endswith(f"/{bridge.core.slots.get('Den').relay_token}.mp3")  # type: ignore[union-attr]
    await bridge.core.slots.flush()
    assert '"Den"' in (bridge.core.data_dir / "slots.json").read_text()


async def test_clear_pairing_lets_it_pair_again(
    bridge: RunningBridge, ingress: FakeIngress
) -> None:
    """A cleared Echo is unpaired and pairs again with the next single pending push."""
    await _pair_two_players(bridge)
    assert await _post(bridge, ingress, {"action": "pair_clear", "device_id": ECHO}) == 303
    assert bridge.core.slots.devices == {}
    await bridge.skill(alexa.launch(device_id=ECHO))
    assert bridge.core.slots.devices == {ECHO: "Den"}


async def test_unknown_pairing_is_refused(bridge: RunningBridge, ingress: FakeIngress) -> None:
    """Editing a pairing that does not exist changes nothing."""
    await _pair_two_players(bridge)
    status = await _post(
        bridge, ingress, {"action": "pair_set", "device_id": "amzn1.other", "player": "Den"}
    )
    assert status == 404
    assert bridge.core.slots.devices == {ECHO: "Kitchen"}
