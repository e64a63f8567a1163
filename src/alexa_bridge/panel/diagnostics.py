"""A redacted diagnostics bundle: enough to debug, nothing that unlocks anything."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..config.options import SECRET_OPTIONS
from ..const import VERSION

if TYPE_CHECKING:
    from ..core import BridgeCore

REDACTED = "**redacted**"
IDENTIFYING_OPTIONS = frozenset({"api_username"})


def _host_only(url: str | None) -> str | None:
    """Keep the scheme and port of a LAN URL, not its address or path."""
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{REDACTED}:{parts.port or ''}"


def _provisioning(core: BridgeCore) -> dict[str, Any]:
    """Summarise provisioning: states and choices only, never the client secret or tokens."""
    prov = core.provisioning
    run = prov.last_run.as_dict() if prov.last_run is not None else {}
    test = prov.self_test or {}
    return {
        "developer": prov.developer.status.value,
        "client_id_set": prov.developer.client_id is not None,
        "locales": list(prov.locales),
        "certificate_type": prov.certificate_type.value,
        "display": prov.display,
        "last_run": {k: run.get(k) for k in ("state", "step", "message", "builds")},
        "self_test": {k: test.get(k) for k in ("ok", "locale", "received", "verified", "message")},
    }


def build_diagnostics(core: BridgeCore) -> dict[str, Any]:
    """Collect versions, options, state and recent activity, with secrets removed."""
    options = {
        key: (REDACTED if value is not None else None)
        if key in SECRET_OPTIONS | IDENTIFYING_OPTIONS
        else value
        for key, value in asdict(core.options).items()
    }
    account = core.amazon.state
    players = [
        {
            "player": slot.key or "(default)",
            "stream": _host_only(slot.stream_url),
            "has_image": slot.image_url is not None,
            "activity": slot.activity.value,
            "offset_ms": slot.offset_ms,
            "pushed_at": slot.pushed_at,
            "paired": slot.answered_by is not None,
        }
        for slot in core.slots.slots.values()
    ]
    check = core.public_check
    return {
        "version": VERSION,
        "supervised": core.supervised,
        "options": options,
        "skill_id_known": core.skill_id is not None,
        "public_url_set": core.public_url is not None,
        "public_check": None
        if check is None
        else {"ok": check.ok, "reason": check.reason, "checked_at": check.checked_at},
        "amazon": {"status": str(account.status), "domain": account.domain},
        "provisioning": _provisioning(core),
        "players": players,
        "paired_devices": len(core.slots.devices),
        "activity": [entry.to_dict() for entry in core.activity.entries],
    }
