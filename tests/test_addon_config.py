"""Lint the add-on as the add-on linter and the store do, and keep it in step with the package."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
import re
import shutil
import struct
import subprocess
from typing import Any

import jsonschema
import pytest
import yaml

from alexa_bridge.config.options import SCHEMA_OPTIONS, validate_options
from alexa_bridge.const import DISCOVERY_SERVICE, OPT_PANEL_PORT, SKILL_LOCALES, VERSION, LogLevel
from alexa_bridge.healthcheck import probe

from .conftest import BridgeFactory

ROOT = Path(__file__).resolve().parent.parent
ADDON = ROOT / "addon"
# The linter's schema, vendored with its licence; CI also has shared/ beside the clone.
SCHEMA_FILES = (
    ROOT / "tests" / "data" / "addon-config.schema.json",
    ROOT.parent / "shared" / "schemas" / "addon-config.schema.json",
)
SERVICE = ROOT / "rootfs" / "etc" / "s6-overlay" / "s6-rc.d" / "alexa-bridge"
SHELL_SCRIPTS = [
    SERVICE / "run",
    SERVICE / "finish",
    ROOT / "scripts" / "container-smoke-test.sh",
    ROOT / "scripts" / "python-chroot.sh",
]


def _yaml(path: Path) -> Any:
    """Load a YAML file."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(name="config", scope="module")
def config_fixture() -> dict[str, Any]:
    """Return addon/config.yaml."""
    return _yaml(ADDON / "config.yaml")


@pytest.fixture(name="schema", scope="module")
def schema_fixture() -> dict[str, Any]:
    """Return the add-on linter's JSON schema (the vendored copy first)."""
    for path in SCHEMA_FILES:
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    pytest.fail(f"no add-on config schema at {', '.join(map(str, SCHEMA_FILES))}")


def _schema_type(value: str) -> tuple[str, bool]:
    """Split an options-schema type into (type, optional)."""
    return (value[:-1], True) if value.endswith("?") else (value, False)


def test_config_passes_the_linter_schema(config: dict[str, Any], schema: dict[str, Any]):
    """config.yaml validates against the add-on linter's schema (no unknown keys)."""
    jsonschema.validate(config, schema)


def test_no_key_is_set_to_its_default(config: dict[str, Any], schema: dict[str, Any]):
    """The linter reports a key set to its schema default as an error."""
    properties = schema["properties"]
    redundant = {
        key: value
        for key, value in config.items()
        if "default" in properties.get(key, {}) and properties[key]["default"] == value
    }
    assert redundant == {}


def test_store_requirements(config: dict[str, Any]):
    """Slug, arches, an untagged image, no watchdog, and what this add-on relies on."""
    assert config["slug"] == "alexa_bridge"
    assert config["arch"] == ["aarch64", "amd64"]
    assert ":" not in config["image"].rsplit("/", 1)[-1], "the Supervisor rejects a tagged image"
    assert "watchdog" not in config, "use the Dockerfile HEALTHCHECK"
    assert config["version"] == VERSION
    assert config["init"] is False
    assert config["host_network"] is True
    assert config["ingress"] is True
    # The Supervisor picks a free port (host network: a fixed 8099 can collide).
    assert config["ingress_port"] == 0
    assert config["discovery"] == [DISCOVERY_SERVICE]
    assert "ssl" in config["map"]
    assert config["backup_exclude"]
    assert "ports" not in config, "with host_network Docker maps no ports; see DOCS.md"


def test_options_match_the_bridge(config: dict[str, Any]):
    """Every schema key is a bridge option, optional ones are not in options, defaults agree."""
    bridge_options = {str(key.schema) for key in SCHEMA_OPTIONS.schema}
    schema: dict[str, str] = config["schema"]
    options: dict[str, Any] = config["options"]
    # The panel's port is the ingress port the Supervisor picks, so it is no option here.
    assert set(schema) == bridge_options - {OPT_PANEL_PORT}
    assert set(options) <= set(schema)
    for key, value in schema.items():
        _, optional = _schema_type(value)
        assert optional == (key not in options), f"{key}: optional keys stay out of options"
    validated = validate_options(options)
    for key, value in options.items():
        assert getattr(validated, key) == value, f"{key}: the add-on default is not the bridge's"
    assert schema["locale"] == f"list({'|'.join(SKILL_LOCALES)})"
    assert schema["log_level"] == f"list({'|'.join(level.value for level in LogLevel)})"


def test_every_option_and_port_is_translated(config: dict[str, Any]):
    """translations/en.yaml names and describes every option, and nothing else."""
    translations = _yaml(ADDON / "translations" / "en.yaml")
    configuration = translations["configuration"]
    assert set(configuration) == set(config["schema"])
    for key, text in configuration.items():
        assert text.get("name"), f"{key} has no name"
        assert text.get("description"), f"{key} has no description"
    assert set(translations.get("network") or {}) == {
        f"{port}" for port in config.get("ports") or {}
    }


def test_docs_describe_every_option(config: dict[str, Any]):
    """DOCS.md mentions each option by name."""
    docs = (ADDON / "DOCS.md").read_text(encoding="utf-8")
    assert [key for key in config["schema"] if f"`{key}`" not in docs] == []


def test_repository_and_store_files():
    """repository.yaml and the store's files exist; the images have the expected sizes."""
    repository = _yaml(ROOT / "repository.yaml")
    assert {"name", "url", "maintainer"} <= set(repository)
    for name in ("DOCS.md", "README.md", "CHANGELOG.md", "apparmor.txt", "Dockerfile"):
        assert (ADDON / name).is_file(), name
    assert "profile alexa_bridge" in (ADDON / "apparmor.txt").read_text(encoding="utf-8")
    assert _png_size(ADDON / "icon.png") == (128, 128)
    width, height = _png_size(ADDON / "logo.png")
    assert 200 <= width <= 300
    assert 80 <= height <= 120
    # The Supervisor takes every config.yaml in the repository for an add-on.
    configs = [p for p in ROOT.rglob("config.yaml") if ".venv" not in p.parts]
    assert configs == [ADDON / "config.yaml"]


def _png_size(path: Path) -> tuple[int, int]:
    """Read a PNG's width and height from its IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_dockerfile_conventions():
    """Install with pip only, from BUILD_FROM, with labels and a HEALTHCHECK on /health."""
    dockerfile = (ADDON / "Dockerfile").read_text(encoding="utf-8")
    instructions = [line for line in dockerfile.splitlines() if not line.startswith("#")]
    text = "\n".join(instructions)
    assert re.search(r"^ARG BUILD_FROM=\S+$", text, re.MULTILINE)
    assert re.search(r"^FROM \$\{BUILD_FROM\}$", text, re.MULTILINE)
    assert not re.search(r"\b(apk|apt-get|apt)\b", text), "dependencies come from pip only"
    assert "HEALTHCHECK" in text
    assert "alexa_bridge.healthcheck" in text
    for label in ("io.hass.version", "io.hass.type", "io.hass.arch", "org.opencontainers.image"):
        assert label in text, label
    assert "COPY rootfs /" in text
    # Bytecode compiled at build: a small device must not compile the package at every start.
    assert "-m compileall" in text


def test_base_image_exists_for_every_architecture(config: dict[str, Any]):
    """build.yaml names Home Assistant's per-architecture Python base for each arch we list."""
    build = _yaml(ADDON / "build.yaml")
    assert set(build["build_from"]) == set(config["arch"])
    for arch, image in build["build_from"].items():
        assert re.fullmatch(
            rf"ghcr\.io/home-assistant/{arch}-base-python:3\.13-alpine3\.\d+", image
        ), image
    dockerfile = (ADDON / "Dockerfile").read_text(encoding="utf-8")
    default = re.search(r"^ARG BUILD_FROM=(\S+)$", dockerfile, re.MULTILINE)
    assert default is not None
    assert default.group(1) == build["build_from"]["amd64"]


def test_service_scripts_are_executable_in_git():
    """The s6 service's run and finish are executable in the index, not only on disk."""
    assert (SERVICE / "type").read_text(encoding="utf-8").strip() == "longrun"
    assert (SERVICE / "dependencies.d" / "base").is_file()
    assert (SERVICE.parent / "user" / "contents.d" / "alexa-bridge").is_file()
    assert (SERVICE / "run").read_text(encoding="utf-8").splitlines()[-1].startswith("exec ")
    for path in SHELL_SCRIPTS:
        assert os.access(path, os.X_OK), f"{path.name} is not executable"
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the index cannot be checked")
    listed = subprocess.run(  # noqa: S603 - fixed arguments
        [git, "ls-files", "-s", "--", *map(str, SHELL_SCRIPTS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    modes = {line.split("\t")[1]: line.split()[0] for line in listed}
    assert len(modes) == len(SHELL_SCRIPTS), "every script must be committed"
    not_executable = {name: mode for name, mode in modes.items() if mode != "100755"}
    assert not_executable == {}


def test_shell_scripts_pass_shellcheck():
    """Every shell script of the add-on and the smoke test passes shellcheck."""
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (Debian: apt-get install shellcheck)")
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [shellcheck, *map(str, SHELL_SCRIPTS)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


def test_dockerfile_passes_hadolint():
    """The Dockerfile passes hadolint where it is installed (Debian 12 does not package it)."""
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not packaged in Debian 12 and cannot be downloaded here")
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [hadolint, str(ADDON / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


async def test_healthcheck_probe_follows_the_options(
    bridge_factory: BridgeFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    unused_tcp_port: int,
):
    """The HEALTHCHECK command finds the public port in options.json and sees /health ok."""
    monkeypatch.delenv("SUPERVISOR_TOKEN", raising=False)
    bridge = await bridge_factory()
    healthy, silent = tmp_path / "healthy", tmp_path / "silent"
    public = bridge.bridge.listeners.port("public")
    for data, port in ((healthy, public), (silent, unused_tcp_port)):
        data.mkdir()
        (data / "options.json").write_text(json.dumps({"public_port": port}), encoding="utf-8")
    assert await asyncio.to_thread(probe, healthy)
    assert not await asyncio.to_thread(probe, silent)
