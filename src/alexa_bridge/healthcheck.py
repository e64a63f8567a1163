"""Container health probe (`python -m alexa_bridge.healthcheck`): GET /health on the public port."""

from __future__ import annotations

import json
import os
from pathlib import Path
import sys
import urllib.request

from .config.options import load_options
from .const import ENV_SUPERVISOR_TOKEN, FILE_OPTIONS, SUPERVISOR_DATA_DIR
from .exceptions import OptionsError

PROBE_TIMEOUT = 4.0


def probe(data_dir: Path) -> bool:
    """Return whether the public listener answers /health with status ok."""
    supervised = ENV_SUPERVISOR_TOKEN in os.environ
    try:
        options = load_options(data_dir / FILE_OPTIONS, os.environ, use_env=not supervised)
    except OptionsError:
        return False
    url = f"http://127.0.0.1:{options.public_port}/health"
    try:
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT) as resp:
            body = json.loads(resp.read())
    except (OSError, ValueError):
        return False
    return isinstance(body, dict) and body.get("status") == "ok"


def main() -> int:
    """Exit 0 when healthy, 1 otherwise (Docker's HEALTHCHECK convention)."""
    supervised = ENV_SUPERVISOR_TOKEN in os.environ
    data_dir = Path(SUPERVISOR_DATA_DIR) if supervised else Path("data")
    return 0 if probe(data_dir) else 1


if __name__ == "__main__":
    sys.exit(main())
