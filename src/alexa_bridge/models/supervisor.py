"""Typed request and answer models of the Supervisor API calls the bridge makes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def _optional_str(value: Any) -> str | None:
    """Return a non-empty string, or None."""
    return str(value) if value else None


@dataclass(frozen=True, slots=True)
class AddonInfo:
    """The part of `GET /addons/self/info` the bridge uses."""

    hostname: str
    ip_address: str | None
    ingress_entry: str | None
    ingress_url: str | None
    ingress_port: int | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AddonInfo:
        """Build the model from the answer's `data`; unknown keys are ignored."""
        port = data.get("ingress_port")
        return cls(
            hostname=str(data["hostname"]),
            ip_address=_optional_str(data.get("ip_address")),
            ingress_entry=_optional_str(data.get("ingress_entry")),
            ingress_url=_optional_str(data.get("ingress_url")),
            ingress_port=int(port) if port else None,
        )


@dataclass(frozen=True, slots=True)
class DiscoveryConfig:
    """The body of `POST /discovery`: a service name and its connection details."""

    service: str
    config: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON body."""
        return {"service": self.service, "config": dict(self.config)}


@dataclass(frozen=True, slots=True)
class DiscoveryResult:
    """The answer of `POST /discovery`: the message's id."""

    uuid: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DiscoveryResult:
        """Build the model from the answer's `data`."""
        return cls(uuid=str(data["uuid"]))
