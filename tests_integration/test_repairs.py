"""Repairs issues follow the bridge's red conditions: raised, then cleared."""

from __future__ import annotations

from homeassistant.const import MAJOR_VERSION, MINOR_VERSION
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.alexa_bridge.const import DOMAIN

from .conftest import ADDON_SLUG, FakeBridge, poll


def issues(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, ir.IssueEntry]:
    """Return this entry's open issues by condition."""
    prefix = f"{entry.entry_id}_"
    return {
        issue_id.removeprefix(prefix): issue
        for (domain, issue_id), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN and issue_id.startswith(prefix)
    }


async def test_repairs_raised_and_cleared(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, fake_bridge: FakeBridge
) -> None:
    """Each red condition becomes an issue with its details and goes away once green."""
    raised = issues(hass, loaded_entry)
    assert set(raised) == {"public_address_unreachable"}
    public = raised["public_address_unreachable"]
    assert public.severity is ir.IssueSeverity.WARNING
    assert public.translation_key == "public_address_unreachable"
    assert public.translation_placeholders["reason"] == "the connection failed (refused)"
    # Learn more opens the add-on's panel: /app/<slug> since Home Assistant 2026.2.
    if (MAJOR_VERSION, MINOR_VERSION) >= (2026, 2):
        assert public.learn_more_url == f"/app/{ADDON_SLUG}"
    else:
        assert public.learn_more_url == f"/hassio/ingress/{ADDON_SLUG}"

    repairs = fake_bridge.status["repairs"]
    repairs.update(amazon_session_expired=True, skill_build_failed=True)
    fake_bridge.status["amazon"]["message"] = "Amazon ended the session"
    await poll(hass)
    raised = issues(hass, loaded_entry)
    assert set(raised) == {
        "amazon_session_expired",
        "skill_build_failed",
        "public_address_unreachable",
    }
    assert raised["amazon_session_expired"].severity is ir.IssueSeverity.ERROR
    assert raised["amazon_session_expired"].translation_placeholders["amazon_message"] == (
        "Amazon ended the session"
    )

    repairs.update(
        amazon_session_expired=False, skill_build_failed=None, public_address_unreachable=False
    )
    await poll(hass)
    assert issues(hass, loaded_entry) == {}


async def test_repairs_withdrawn_on_unload(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Removing the bridge takes its issues with it."""
    assert issues(hass, loaded_entry)
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    assert issues(hass, loaded_entry) == {}
