"""Persisted JSON state: validated on load and save, written atomically off the loop."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from pathlib import Path
from typing import Any

import voluptuous as vol
from voluptuous.humanize import humanize_error

from ..exceptions import StorageError
from ..helpers.files import write_json_atomic

_LOGGER = logging.getLogger(__name__)


class JsonStore:
    """One JSON file in the data dir; a broken file falls back to the defaults."""

    def __init__(self, path: Path, schema: vol.Schema) -> None:
        """Bind the store to its file and the schema its content must pass."""
        self._path = path
        self._schema = schema
        self._data: dict[str, Any] = schema({})
        self._lock = asyncio.Lock()

    @property
    def path(self) -> Path:
        """Return the file this store persists to."""
        return self._path

    @property
    def data(self) -> dict[str, Any]:
        """Return the live data; call `save()` after changing it."""
        return self._data

    def load_sync(self) -> None:
        """Read and validate the file; keep defaults when it is missing or invalid."""
        try:
            raw = json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as err:
            _LOGGER.error("Cannot read %s, starting from defaults: %s", self._path.name, err)
            return
        try:
            self._data = self._schema(raw)
        except vol.Invalid as err:
            _LOGGER.error(
                "Stored %s is invalid (%s), starting from defaults",
                self._path.name,
                humanize_error(raw, err),
            )

    async def load(self) -> None:
        """Read the file in an executor."""
        await asyncio.get_running_loop().run_in_executor(None, self.load_sync)

    async def save(self) -> None:
        """Validate and atomically write the data; raise StorageError on failure."""
        async with self._lock:
            snapshot = self._schema(copy.deepcopy(self._data))
            try:
                await asyncio.get_running_loop().run_in_executor(
                    None, write_json_atomic, self._path, snapshot
                )
            except OSError as err:
                raise StorageError(
                    f"Cannot write {self._path.name}: {err.strerror}; "
                    "check that the data folder is writable and not full"
                ) from err
