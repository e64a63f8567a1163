"""The synchronous ask-smapi-sdk client, run off the event loop, with retries and timeouts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import functools
import json
import logging
from typing import Any

from ask_sdk_model_runtime.api_client import DefaultApiClient
from ask_sdk_model_runtime.api_client_request import ApiClientRequest
from ask_sdk_model_runtime.api_configuration import ApiConfiguration
from ask_sdk_model_runtime.authentication_configuration import AuthenticationConfiguration
from ask_sdk_model_runtime.exceptions import ServiceException
from ask_sdk_model_runtime.lwa.error import Error as LwaError
from ask_sdk_model_runtime.lwa.lwa_client import LwaClient
from ask_sdk_model_runtime.serializer import DefaultSerializer
from ask_smapi_model.services.skill_management.skill_management_service_client import (
    SkillManagementServiceClient,
)
import requests

from .const import HTTP_TIMEOUT, MAX_RETRY_AFTER, RETRY_DELAYS, RETRY_STATUSES
from .errors import DeveloperAuthError, SmapiError

_LOGGER = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
RetryNotice = Callable[[str, int, float], None]


class TimeoutApiClient(DefaultApiClient):
    """The SDK's requests-based client, with timeouts (the default waits forever)."""

    def __init__(self, timeout: tuple[float, float] = HTTP_TIMEOUT) -> None:
        """Keep the connect and read timeouts."""
        self._timeout = timeout

    def _resolve_method(self, request: ApiClientRequest) -> Callable[..., requests.Response]:
        """Return `requests.request` for the method, with the timeouts bound."""
        return functools.partial(requests.request, request.method.upper(), timeout=self._timeout)


@dataclass(frozen=True, slots=True)
class SmapiResponse:
    """One answer: status, plain JSON body and headers (lower-case names)."""

    status: int
    body: Any
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class Credentials:
    """What the SDK needs to get access tokens: the security profile and refresh token."""

    client_id: str
    client_secret: str
    refresh_token: str


def _headers(raw: Any) -> dict[str, str]:
    """Turn the SDK's list of header pairs into a dict with lower-case names."""
    return {str(name).lower(): str(value) for name, value in raw or []}


def _plain(serializer: DefaultSerializer, body: Any) -> Any:
    """Turn an SDK model (or a JSON string) into plain JSON data."""
    if isinstance(body, str):
        try:
            return json.loads(body)
        except ValueError:
            return body
    return serializer.serialize(body)


class SmapiClient:
    """Call SMAPI through ask-smapi-sdk in an executor; retry 429/5xx, refresh on 401."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        smapi_url: str,
        lwa_url: str,
        sleep: Sleep = asyncio.sleep,
        on_retry: RetryNotice | None = None,
    ) -> None:
        """Build the SDK client for the given endpoints."""
        self._credentials = credentials
        self._smapi_url = smapi_url
        self._lwa_url = lwa_url
        self._sleep = sleep
        self._on_retry = on_retry
        self._serializer = DefaultSerializer()
        self._client = self._build()

    def _build(self) -> SkillManagementServiceClient:
        """Create the SDK client; a new one starts with no cached access token."""
        api_client = TimeoutApiClient()
        auth = AuthenticationConfiguration(
            client_id=self._credentials.client_id,
            client_secret=self._credentials.client_secret,
            refresh_token=self._credentials.refresh_token,
        )
        lwa = LwaClient(
            api_configuration=ApiConfiguration(
                serializer=self._serializer, api_client=api_client, api_endpoint=self._lwa_url
            ),
            authentication_configuration=auth,
            grant_type=LwaClient.LWA_CREDENTIALS_GRANT_TYPE,
        )
        return SkillManagementServiceClient(
            api_configuration=ApiConfiguration(
                serializer=self._serializer, api_client=api_client, api_endpoint=self._smapi_url
            ),
            authentication_configuration=auth,
            lwa_client=lwa,
        )

    def _invoke(
        self, operation: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> SmapiResponse:
        """Run one SDK call (in a worker thread) and return its plain answer."""
        method = getattr(self._client, operation)
        answer = method(*args, full_response=True, **kwargs)
        return SmapiResponse(
            answer.status_code, _plain(self._serializer, answer.body), _headers(answer.headers)
        )

    async def call(self, operation: str, *args: Any, **kwargs: Any) -> SmapiResponse:
        """Call an SDK operation; raise SmapiError (or DeveloperAuthError) with Amazon's words."""
        loop = asyncio.get_running_loop()
        refreshed = False
        attempt = 0
        while True:
            try:
                return await loop.run_in_executor(
                    None, functools.partial(self._invoke, operation, args, kwargs)
                )
            except ServiceException as err:
                status = int(err.status_code or 0)
                body = err.body
                if isinstance(body, LwaError):
                    if status in RETRY_STATUSES and attempt < len(RETRY_DELAYS):
                        await self._wait(operation, status, attempt, err.headers)
                        attempt += 1
                        continue
                    raise DeveloperAuthError(
                        f"Login with Amazon refused the authorization: "
                        f"{body.error_type or status} ({body.error_description or err})",
                        status=status,
                    ) from None
                if status == 401 and not refreshed:  # noqa: PLR2004
                    # The cached access token expired or was revoked early: get a new one.
                    _LOGGER.debug("SMAPI %s answered 401; refreshing the access token", operation)
                    self._client = self._build()
                    refreshed = True
                    continue
                if status in RETRY_STATUSES and attempt < len(RETRY_DELAYS):
                    await self._wait(operation, status, attempt, err.headers)
                    attempt += 1
                    continue
                raise self._error(err, status) from None

    async def _wait(self, operation: str, status: int, attempt: int, headers: Any) -> None:
        """Sleep before a retry: Amazon's Retry-After, else the backoff schedule."""
        delay = RETRY_DELAYS[attempt]
        retry_after = _headers(headers).get("retry-after")
        if retry_after and retry_after.isdigit():
            delay = min(float(retry_after), MAX_RETRY_AFTER)
        _LOGGER.info("SMAPI %s answered %s; retrying in %.0f s", operation, status, delay)
        if self._on_retry is not None:
            self._on_retry(operation, status, delay)
        await self._sleep(delay)

    def _error(self, err: ServiceException, status: int) -> SmapiError:
        """Turn an SDK exception into an error carrying Amazon's message and violations."""
        body = _plain(self._serializer, err.body) if err.body is not None else None
        message = str(err)
        violations: tuple[str, ...] = ()
        if isinstance(body, dict):
            message = str(body.get("message") or message)
            violations = tuple(
                str(item.get("message"))
                for item in body.get("violations") or []
                if isinstance(item, dict) and item.get("message")
            )
        elif status == 500 and str(err).startswith("Call to service failed"):  # noqa: PLR2004
            message = f"Amazon could not be reached ({err})"
        cls = DeveloperAuthError if status == 401 else SmapiError  # noqa: PLR2004
        return cls(message, status=status or None, violations=violations)
