"""Provisioning against the fake SMAPI with the real ask-smapi-sdk client."""

from __future__ import annotations

import time

from alexa_bridge.panel.wizard import StepId, StepState, checklist
from alexa_bridge.smapi.const import DeveloperStatus
from alexa_bridge.smapi.skill_sync import RunResult

from ..fakes import alexa
from .conftest import PUBLIC_URL, Dev

ENDPOINT = f"{PUBLIC_URL}/alexa/skill"


async def test_first_time_create_and_verifier_accepts_new_id(dev: Dev) -> None:
    """Create the skill, upload, build, enable; the verifier takes the new id without a restart."""
    await dev.authorize()
    started = time.perf_counter()
    result = await dev.provision()
    elapsed = time.perf_counter() - started
    assert isinstance(result, RunResult)
    assert result.created
    skill = dev.smapi.skills[result.skill_id or ""]
    custom = skill.manifest["apis"]["custom"]
    assert custom["endpoint"] == {"uri": ENDPOINT, "sslCertificateType": "Trusted"}
    assert [i["type"] for i in custom["interfaces"]] == ["AUDIO_PLAYER"]
    info = skill.manifest["publishingInformation"]
    assert info["category"] == "STREAMING_SERVICE"
    assert info["distributionMode"] == "PRIVATE"
    assert list(info["locales"]) == ["en-US"]
    assert info["locales"]["en-US"]["name"] == "Music Assistant"
    assert skill.models["en-US"]["interactionModel"]["languageModel"]["invocationName"] == (
        "music assistant"
    )
    assert skill.enabled
    assert dev.bridge.core.settings.skill_id == result.skill_id
    # Build polling: the first poll within 2 s, never more than 10 s apart.
    assert dev.sleeps[0] <= 2
    assert max(dev.sleeps) <= 10
    assert elapsed < 10, elapsed
    status, answer = await dev.bridge.skill(alexa.launch(skill_id=result.skill_id))
    assert status == 200, answer
    status, _ = await dev.bridge.skill(alexa.launch(skill_id=alexa.TEST_SKILL_ID))
    assert status == 400
    steps = {step.id: step.state for step in checklist(dev.bridge.core, None).steps}
    assert steps[StepId.DEVELOPER] == StepState.DONE
    assert steps[StepId.SKILL] == StepState.WARN  # built, not yet proven by the self-test


async def test_rerun_is_idempotent_and_address_change_updates_only_the_manifest(
    dev: Dev,
) -> None:
    """A second run changes nothing; a new public address PUTs the manifest and nothing else."""
    await dev.authorize()
    first = await dev.provision()
    assert isinstance(first, RunResult)
    second = await dev.provision()
    assert isinstance(second, RunResult)
    assert not second.created
    assert second.found_by == "id"
    assert not second.manifest_updated
    assert second.uploaded == []
    assert dev.smapi.count("PUT", "/manifest") == 0
    assert dev.smapi.count("PUT", "/interactionModel/") == 1
    assert dev.smapi.count("POST", "/v1/skills") == 1

    await dev.bridge.core.settings.set_public_url("https://music.example.com")
    assert dev.prov.needs_update()
    third = await dev.provision()
    assert isinstance(third, RunResult)
    assert third.manifest_updated
    assert third.uploaded == []
    assert dev.smapi.count("PUT", "/manifest") == 1
    assert dev.smapi.count("PUT", "/interactionModel/") == 1
    skill = dev.smapi.skills[first.skill_id or ""]
    assert skill.manifest["apis"]["custom"]["endpoint"]["uri"] == (
        "https://music.example.com/alexa/skill"
    )
    assert not dev.prov.needs_update()


async def test_locale_and_display_changes_reprovision_only_what_changed(dev: Dev) -> None:
    """Adding a locale uploads that model only; display support changes the manifest only."""
    await dev.authorize()
    await dev.provision()
    await dev.prov.save_choices(["en-US", "de-DE"], "Trusted")
    result = await dev.provision()
    assert isinstance(result, RunResult)
    assert result.uploaded == ["de-DE"]
    assert result.manifest_updated
    await dev.prov.save_choices(["en-US", "de-DE"], "Trusted", display=True)
    result = await dev.provision()
    assert isinstance(result, RunResult)
    assert result.uploaded == []
    skill = dev.smapi.skills[result.skill_id or ""]
    interfaces = [i["type"] for i in skill.manifest["apis"]["custom"]["interfaces"]]
    assert interfaces == ["AUDIO_PLAYER", "ALEXA_PRESENTATION_APL"]


async def test_reuse_by_stored_id(dev: Dev) -> None:
    """A stored skill id is used; its old endpoint is replaced."""
    existing = dev.smapi.add_skill("Music Assistant")
    await dev.bridge.core.settings.set_skill_id(existing.skill_id)
    await dev.authorize()
    result = await dev.provision()
    assert isinstance(result, RunResult)
    assert result.found_by == "id"
    assert not result.created
    assert result.manifest_updated
    assert existing.manifest["apis"]["custom"]["endpoint"]["uri"] == ENDPOINT
    assert not [p for m, p, _ in dev.smapi.calls if m == "GET" and p == "/v1/skills"]


async def test_reuse_by_name_across_pages(dev: Dev) -> None:
    """Without a stored id the skill named Music Assistant is found on the third page."""
    for number in range(120):
        dev.smapi.add_skill(f"Other skill {number}")
    existing = dev.smapi.add_skill("Music Assistant", ("de-DE",))
    await dev.authorize()
    result = await dev.provision()
    assert isinstance(result, RunResult)
    assert result.found_by == "name"
    assert result.skill_id == existing.skill_id
    assert dev.bridge.core.settings.skill_id == existing.skill_id
    listing = [q for m, path, q in dev.smapi.calls if m == "GET" and path == "/v1/skills"]
    assert [q.get("nextToken") for q in listing] == [None, "50", "100"]
    assert all(q["maxResults"] == "50" and q["vendorId"] == "M2TESTVENDOR" for q in listing)
    assert dev.smapi.count("POST", "/v1/skills") == 0


async def test_stored_id_gone_falls_back_to_create(dev: Dev) -> None:
    """A stored id Amazon no longer knows (404) leads to a new skill."""
    await dev.bridge.core.settings.set_skill_id(
        "amzn1.ask.skill.00000000-dead-beef-0000-000000000000"
    )
    await dev.authorize()
    result = await dev.provision()
    assert isinstance(result, RunResult)
    assert result.created
    assert "no longer exists" in dev.prov.progress.text()


async def test_build_failure_messages_reach_the_panel(dev: Dev) -> None:
    """A FAILED build shows Amazon's own message for that locale, on the setup page too."""
    message = "Sample utterance 'spiele' in intent PlayAudio conflicts with AMAZON.ResumeIntent"
    dev.smapi.build_errors["de-DE"] = [message]
    await dev.prov.save_choices(["de-DE", "en-US"], "Trusted")
    await dev.authorize()
    assert await dev.provision() is None
    run = dev.prov.last_run
    assert run is not None
    assert run.state == "failed"
    assert run.step == "build"
    assert f"de-DE: {message}" in run.message
    assert run.builds["en-US"].status == "SUCCEEDED"
    assert run.builds["de-DE"].errors == [message]
    async with dev.bridge.client.get(f"{dev.bridge.panel}/setup") as resp:
        page = await resp.text()
    assert "conflicts with AMAZON.ResumeIntent" in page
    assert 'id="provision-result"' in page
    steps = {step.id: step.state for step in checklist(dev.bridge.core, None).steps}
    assert steps[StepId.SKILL] == StepState.ERROR
    async with dev.bridge.client.get(f"{dev.bridge.panel}/provision/log") as resp:
        assert resp.status == 200
        assert "attachment" in resp.headers["Content-Disposition"]
        assert message in await resp.text()
    # Home Assistant's integration reads the same failure from the status API (a Repair).
    async with dev.bridge.client.get(f"{dev.bridge.ma}/api/status") as resp:
        status = await resp.json()
    assert status["repairs"]["skill_build_failed"] is True
    assert status["skill"]["provisioning"]["builds"] == {"de-DE": "FAILED", "en-US": "SUCCEEDED"}


async def test_429_and_500_are_retried_with_backoff(dev: Dev) -> None:
    """Throttling and server errors are retried, honouring Retry-After, and the run succeeds."""
    await dev.authorize()
    dev.smapi.inject(
        "GET", "/v1/vendors", 429, "Rate exceeded", count=2, headers={"Retry-After": "3"}
    )
    dev.smapi.inject("POST", "/v1/skills", 500, "Internal Server Error")
    dev.smapi.inject("PUT", "/enablement", 503, "Service Unavailable")
    result = await dev.provision()
    assert isinstance(result, RunResult)
    assert dev.sleeps[:2] == [3.0, 3.0]
    assert 1.0 in dev.sleeps[2:]
    assert dev.smapi.count("POST", "/v1/skills") == 2
    assert "retrying" in dev.prov.progress.text()


async def test_persistent_error_names_step_message_and_fix(dev: Dev) -> None:
    """A 403 is not retried; the panel learns the step, Amazon's words and the fix."""
    await dev.authorize()
    dev.smapi.inject("POST", "/v1/skills", 403, "The operation being requested is not allowed.")
    assert await dev.provision() is None
    run = dev.prov.last_run
    assert run is not None
    assert run.step == "create skill"
    assert "not allowed" in run.message
    assert "developer agreement" in run.fix


async def test_expired_access_token_is_refreshed(dev: Dev) -> None:
    """A 401 for an expired access token leads to one refresh grant, then success."""
    await dev.authorize()
    await dev.provision()
    refreshes = dev.smapi.grants.count("refresh_token")
    dev.smapi.expire_access_tokens()
    client = dev.prov.client()
    assert client is not None
    answer = await client.call("get_vendor_list_v1")
    assert answer.body["vendors"][0]["id"] == "M2TESTVENDOR"
    assert dev.smapi.grants.count("refresh_token") == refreshes + 1
    # The same client keeps its new token until it expires.
    await client.call("get_vendor_list_v1")
    assert dev.smapi.grants.count("refresh_token") == refreshes + 1


async def test_short_lived_access_tokens_are_renewed_before_expiry(dev: Dev) -> None:
    """A token about to expire (inside the SDK's 60 s margin) is renewed before each call."""
    dev.smapi.expires_in = 30
    await dev.authorize()
    client = dev.prov.client()
    assert client is not None
    for _ in range(3):
        await client.call("get_vendor_list_v1")
    assert dev.smapi.grants.count("refresh_token") == 3


async def test_revoked_refresh_token_turns_the_step_red(dev: Dev) -> None:
    """Amazon's invalid_grant marks the authorization revoked, with what to do."""
    await dev.authorize()
    dev.smapi.revoke_refresh_tokens()
    assert await dev.provision() is None
    assert dev.prov.developer.status == DeveloperStatus.REVOKED
    assert "invalid_grant" in (dev.prov.developer.message or "")
    run = dev.prov.last_run
    assert run is not None
    assert "Authorize again" in run.fix
    steps = {step.id: step.state for step in checklist(dev.bridge.core, None).steps}
    assert steps[StepId.DEVELOPER] == StepState.ERROR
    async with dev.bridge.client.get(f"{dev.bridge.panel}/setup") as resp:
        assert "Amazon refused the stored authorization" in await resp.text()
