"""Echo devices from Alexa's device list, and the text command that makes one act."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .const import MUSIC_CAPABILITY, TEXT_COMMAND_SKILL
from .models import EchoDevice


def parse_devices(raw: Iterable[dict[str, Any]]) -> list[EchoDevice]:
    """Map `/api/devices-v2/device` entries to EchoDevice, sorted by name."""
    devices = []
    for item in raw:
        serial = item.get("serialNumber")
        if not isinstance(serial, str) or not serial:
            continue
        capabilities = item.get("capabilities")
        owner = item.get("deviceOwnerCustomerId")
        devices.append(
            EchoDevice(
                name=str(item.get("accountName") or serial),
                serial=serial,
                device_type=str(item.get("deviceType") or ""),
                family=str(item.get("deviceFamily") or ""),
                online=bool(item.get("online")),
                can_play=isinstance(capabilities, list) and MUSIC_CAPABILITY in capabilities,
                owner_customer_id=owner if isinstance(owner, str) else None,
            )
        )
    return sorted(devices, key=lambda device: (device.name.casefold(), device.serial))


def text_command_sequence(
    device: EchoDevice, text: str, locale: str, customer_id: str | None
) -> dict[str, Any]:
    """Build the sequence alexapy's `run_custom` sends: `Alexa.TextCommand` on one Echo."""
    return {
        "@type": "com.amazon.alexa.behaviors.model.Sequence",
        "startNode": {
            "@type": "com.amazon.alexa.behaviors.model.OpaquePayloadOperationNode",
            "type": "Alexa.TextCommand",
            "operationPayload": {
                "deviceType": device.device_type,
                "deviceSerialNumber": device.serial,
                "locale": locale,
                "customerId": device.owner_customer_id or customer_id,
                "skillId": TEXT_COMMAND_SKILL,
                "text": text,
            },
        },
    }
