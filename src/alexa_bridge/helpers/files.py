"""Crash-safe, private file writes: a reader sees the old file or the new one."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
import tempfile
from typing import Any

PRIVATE_MODE = 0o600


def write_private_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` with mode 0600 through a synced temporary file."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), PRIVATE_MODE)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp_name).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp_name).unlink()
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_json_atomic(path: Path, data: Any) -> None:
    """Serialise `data` as JSON and write it atomically with mode 0600."""
    write_private_atomic(path, json.dumps(data, indent=2, sort_keys=True).encode())


def remove_stale_temp_files(directory: Path) -> None:
    """Delete temporary files a crash left behind mid-write."""
    for leftover in directory.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            leftover.unlink()
