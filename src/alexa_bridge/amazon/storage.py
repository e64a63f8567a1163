"""The stored Amazon session: device credentials in one 0600 file, nothing else."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from pathlib import Path
import shutil

from alexapy.secureauth import DeviceCredentials
import voluptuous as vol

from ..exceptions import StorageError
from ..state.json_store import JsonStore
from .const import DIR_CLASSIC, DOMAINS, FILE_ACCOUNT, METHOD_CLASSIC, METHOD_ENROLLMENT

_LOGGER = logging.getLogger(__name__)

ATTR_METHOD = "method"
ATTR_DOMAIN = "domain"
ATTR_CREDENTIALS = "credentials"
ATTR_SIGNED_IN_AT = "signed_in_at"
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600

SCHEMA_CREDENTIALS = vol.Schema(
    {
        vol.Required("refresh_token"): vol.All(str, vol.Length(min=1)),
        vol.Optional("mac_dms", default=dict): dict,
        vol.Optional("serial", default=""): str,
        vol.Optional("customer_id", default=None): vol.Any(None, str),
        vol.Required("domain"): vol.In(DOMAINS),
    },
    extra=vol.REMOVE_EXTRA,
)
SCHEMA_ACCOUNT_FILE = vol.Schema(
    {
        vol.Inclusive(ATTR_METHOD, "session"): vol.In([METHOD_ENROLLMENT, METHOD_CLASSIC]),
        vol.Inclusive(ATTR_DOMAIN, "session"): vol.In(DOMAINS),
        vol.Inclusive(ATTR_CREDENTIALS, "session"): SCHEMA_CREDENTIALS,
        vol.Optional(ATTR_SIGNED_IN_AT): str,
    },
    extra=vol.REMOVE_EXTRA,
)


class AccountStore(JsonStore):
    """`amazon_account.json` plus alexapy's cookie folder for the classic sign-in."""

    def __init__(self, data_dir: Path) -> None:
        """Bind the store to its file and folder in the data directory."""
        super().__init__(data_dir / FILE_ACCOUNT, SCHEMA_ACCOUNT_FILE)
        self.classic_dir = data_dir / DIR_CLASSIC

    @property
    def credentials(self) -> DeviceCredentials | None:
        """Return the stored device credentials, if signed in."""
        raw = self.data.get(ATTR_CREDENTIALS)
        return DeviceCredentials.from_dict(dict(raw)) if raw else None

    @property
    def method(self) -> str | None:
        """Return how the stored session was made."""
        value = self.data.get(ATTR_METHOD)
        return str(value) if value else None

    @property
    def domain(self) -> str | None:
        """Return the stored session's country domain."""
        value = self.data.get(ATTR_DOMAIN)
        return str(value) if value else None

    async def store(self, method: str, credentials: DeviceCredentials) -> None:
        """Replace the stored session with new credentials."""
        self.data.clear()
        self.data.update(
            {
                ATTR_METHOD: method,
                ATTR_DOMAIN: credentials.domain,
                ATTR_CREDENTIALS: credentials.as_dict(),
                ATTR_SIGNED_IN_AT: dt.datetime.now(dt.UTC).isoformat(),
            }
        )
        await self.save()

    async def delete(self) -> None:
        """Forget the session and remove every credential file from the disk."""
        self.data.clear()
        try:
            await asyncio.get_running_loop().run_in_executor(None, self._delete_files)
        except OSError as err:
            raise StorageError(
                f"Cannot remove the Amazon credentials: {err.strerror}; "
                "check that the data folder is writable"
            ) from err

    def _delete_files(self) -> None:
        """Remove the account file and the classic sign-in's cookie folder."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        if self.classic_dir.exists():
            shutil.rmtree(self.classic_dir)

    async def prepare_classic_dir(self) -> Path:
        """Create the private folder alexapy writes its cookie file to; return it."""
        await asyncio.get_running_loop().run_in_executor(None, self._prepare_classic_dir)
        return self.classic_dir

    def _prepare_classic_dir(self) -> None:
        """Create the folder (and alexapy's `.storage` inside) with mode 0700."""
        for folder in (self.classic_dir, self.classic_dir / ".storage"):
            folder.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
            folder.chmod(PRIVATE_DIR_MODE)

    async def protect_classic_files(self) -> None:
        """Make every file alexapy wrote private (it writes with the default umask)."""
        await asyncio.get_running_loop().run_in_executor(None, self._protect_classic_files)

    def _protect_classic_files(self) -> None:
        """Set mode 0600 on the files under the classic folder."""
        if not self.classic_dir.exists():
            return
        for path in self.classic_dir.rglob("*"):
            if path.is_file():
                path.chmod(PRIVATE_FILE_MODE)
