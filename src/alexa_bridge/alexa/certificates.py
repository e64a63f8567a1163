"""Amazon's signing certificate chains: fetched once per URL, verified, cached."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
import datetime as dt
from http import HTTPStatus
import logging
import posixpath
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

from ..const import (
    CERT_FETCH_TIMEOUT,
    CERT_SAN,
    CERT_URL_HOST,
    CERT_URL_PATH_PREFIX,
    MAX_CERT_CHAIN_BYTES,
)
from ..exceptions import VerificationError
from .trust import parse_pem_bundle

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from cryptography.x509.verification import Store

_LOGGER = logging.getLogger(__name__)

MAX_CACHED_CHAINS = 16
MAX_CACHED_FAILURES = 128  # holds every Amazon-named URL (always allowed) that failed
FAILURE_TTL = dt.timedelta(seconds=60)
TRANSIENT_FAILURE_TTL = dt.timedelta(seconds=5)
# Unknown chain URLs downloaded per window and source address: anyone who knows the
# (public) skill id can send URLs, and must not be able to make the bridge download
# without end, nor spend a budget Alexa needs: Amazon's own file names never count.
NEW_URL_BUDGET = 10
NEW_URL_BUDGET_ALL = 60  # for all addresses together (an attacker may have many)
NEW_URL_WINDOW = dt.timedelta(seconds=60)
MAX_BUDGET_SOURCES = 1024
AMAZON_CERT_PATH = re.compile(r"/echo\.api/echo-api-cert(-\d{1,2})?\.pem")


class _TransientDownloadError(VerificationError):
    """The chain could not be fetched just now (network, timeout, 5xx): retry soon."""


def normalize_cert_url(url: str) -> str:
    """Check a SignatureCertChainUrl as Amazon specifies and return it normalised."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise VerificationError("certificate URL is malformed") from None
    if parts.scheme.lower() != "https":
        raise VerificationError("certificate URL is not https")
    if (parts.hostname or "").lower() != CERT_URL_HOST:
        raise VerificationError("certificate URL host is not s3.amazonaws.com")
    if port not in (None, 443):
        raise VerificationError("certificate URL port is not 443")
    if parts.username or parts.password:
        raise VerificationError("certificate URL carries credentials")
    path = posixpath.normpath(parts.path) if parts.path else ""
    if parts.path.endswith("/") and not path.endswith("/"):
        path += "/"
    if not path.startswith(CERT_URL_PATH_PREFIX):
        raise VerificationError("certificate URL path does not start with /echo.api/")
    query = f"?{parts.query}" if parts.query else ""
    # aiohttp fetches what yarl makes of the URL, and yarl decodes %2e%2e into
    # a `..` segment it then resolves: check the path that goes on the wire.
    fetched = URL(f"https://{CERT_URL_HOST}{path}{query}")
    if not fetched.raw_path.startswith(CERT_URL_PATH_PREFIX):
        raise VerificationError("certificate URL path does not start with /echo.api/")
    return str(fetched)


@dataclass(frozen=True, slots=True)
class _CachedChain:
    """A verified signing key, good until the chain's earliest expiry."""

    key: RSAPublicKey | None
    expires: dt.datetime
    error: str | None = None


def _now() -> dt.datetime:
    """Return the current time, timezone-aware."""
    return dt.datetime.now(dt.UTC)


class CertificateChains:
    """Fetch, verify and cache the chains behind Alexa request signatures."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        roots: Sequence[x509.Certificate] | Callable[[], Sequence[x509.Certificate]],
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        """Keep the HTTP session and the trust anchors (or how to load them on first use)."""
        self._session = session
        self._roots = roots
        self._store: Store | None = None
        self._clock = clock
        # Verified chains and failures are kept apart, so failures never evict a good chain.
        self._good: OrderedDict[str, _CachedChain] = OrderedDict()
        self._bad: OrderedDict[str, _CachedChain] = OrderedDict()
        self._inflight: dict[str, asyncio.Future[_CachedChain]] = {}
        self._new_downloads: OrderedDict[str, list[dt.datetime]] = OrderedDict()

    async def signing_key(self, url: str, source: str = "") -> RSAPublicKey:
        """Return the verified public key for a normalised certificate URL.

        `source` is the address the request came from: it pays for unknown URLs.
        """
        now = self._clock()
        entry = self._good.get(url) or self._bad.get(url)
        if entry is None or entry.expires <= now:
            entry = await self._fetch_once(url, source)
        if entry.key is None:
            raise VerificationError(entry.error or "certificate chain rejected")
        return entry.key

    def _take_download_budget(self, url: str, source: str, now: dt.datetime) -> None:
        """Refuse to download more than a few never-seen chain URLs a minute per address."""
        if url in self._good or AMAZON_CERT_PATH.fullmatch(URL(url).path):
            return  # renewing a verified chain, or Amazon's own file name: always allowed
        for key in list(self._new_downloads):
            recent = [t for t in self._new_downloads[key] if now - t < NEW_URL_WINDOW]
            if recent:
                self._new_downloads[key] = recent
            else:
                del self._new_downloads[key]
        mine = self._new_downloads.get(source, [])
        everyone = sum(len(times) for times in self._new_downloads.values())
        if len(mine) >= NEW_URL_BUDGET or everyone >= NEW_URL_BUDGET_ALL:
            raise VerificationError("too many unknown certificate URLs just now")
        mine.append(now)
        self._new_downloads[source] = mine
        self._new_downloads.move_to_end(source)
        while len(self._new_downloads) > MAX_BUDGET_SOURCES:
            self._new_downloads.popitem(last=False)

    async def _fetch_once(self, url: str, source: str) -> _CachedChain:
        """Let concurrent requests for one URL share one download."""
        future = self._inflight.get(url)
        if future is not None:
            return await asyncio.shield(future)
        self._take_download_budget(url, source, self._clock())
        future = asyncio.get_running_loop().create_future()
        self._inflight[url] = future
        try:
            entry = await self._download_and_verify(url)
            future.set_result(entry)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as err:
            future.set_exception(err)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        finally:
            del self._inflight[url]
        cache, limit = (
            (self._good, MAX_CACHED_CHAINS) if entry.key else (self._bad, MAX_CACHED_FAILURES)
        )
        if entry.key:
            self._bad.pop(url, None)
        cache[url] = entry
        cache.move_to_end(url)
        while len(cache) > limit:
            cache.popitem(last=False)
        return entry

    async def _download_and_verify(self, url: str) -> _CachedChain:
        """Download the PEM chain and verify it; failures are cached briefly."""
        now = self._clock()
        try:
            pem = await self._download(url)
            if self._store is None:
                self._store = await asyncio.get_running_loop().run_in_executor(
                    None, self._load_store
                )
            key, expires = self._verify(pem, now)
        except _TransientDownloadError as err:
            return _CachedChain(None, now + TRANSIENT_FAILURE_TTL, str(err))
        except VerificationError as err:
            return _CachedChain(None, now + FAILURE_TTL, str(err))
        return _CachedChain(key, expires)

    async def _download(self, url: str) -> bytes:
        """Fetch the chain with a size and time limit."""
        try:
            async with self._session.get(
                url,
                timeout=aiohttp.ClientTimeout(total=CERT_FETCH_TIMEOUT),
                allow_redirects=False,
            ) as resp:
                # A 429 is as passing as a 5xx: retried after seconds, not after a minute.
                if resp.status >= HTTPStatus.INTERNAL_SERVER_ERROR or (
                    resp.status == HTTPStatus.TOO_MANY_REQUESTS
                ):
                    raise _TransientDownloadError(f"certificate download answered {resp.status}")
                if resp.status != HTTPStatus.OK:
                    raise VerificationError(f"certificate download answered {resp.status}")
                data = await resp.content.read(MAX_CERT_CHAIN_BYTES + 1)
        except (aiohttp.ClientError, TimeoutError) as err:
            raise _TransientDownloadError(
                f"certificate download failed: {type(err).__name__}"
            ) from None
        if len(data) > MAX_CERT_CHAIN_BYTES:
            raise VerificationError("certificate chain is too large")
        return data

    def _load_store(self) -> Store:
        """Load the trust anchors (the system's, unless given) into a store."""
        from cryptography.x509.verification import Store  # noqa: PLC0415 - on first use

        roots = self._roots() if callable(self._roots) else self._roots
        if not roots:
            raise VerificationError("no trust anchors loaded (set SSL_CERT_FILE)")
        return Store(list(roots))

    def _verify(self, pem: bytes, now: dt.datetime) -> tuple[RSAPublicKey, dt.datetime]:
        """Check the chain builds to a trusted root with the Alexa SAN, valid now."""
        # cryptography (about 9 MB) loads with the first Alexa request, not at start.
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey  # noqa: PLC0415
        from cryptography.x509 import DNSName  # noqa: PLC0415
        from cryptography.x509.verification import (  # noqa: PLC0415
            PolicyBuilder,
            VerificationError as X509VerificationError,
        )

        certificates = parse_pem_bundle(pem)
        if not certificates:
            raise VerificationError("certificate chain holds no certificate")
        if self._store is None:
            raise VerificationError("no trust anchors loaded (set SSL_CERT_FILE)")
        leaf, intermediates = certificates[0], certificates[1:]
        if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
            raise VerificationError("signing certificate is expired or not yet valid")
        verifier = (
            PolicyBuilder().store(self._store).time(now).build_server_verifier(DNSName(CERT_SAN))
        )
        try:
            chain = verifier.verify(leaf, intermediates)
        except X509VerificationError as err:
            raise VerificationError(f"certificate chain rejected: {err}") from None
        key = leaf.public_key()
        if not isinstance(key, RSAPublicKey):
            raise VerificationError("signing certificate does not hold an RSA key")
        expires = min(cert.not_valid_after_utc for cert in chain)
        return key, expires
