"""Options: defaults, validation messages that name the key, environment overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alexa_bridge.config.options import load_options, validate_options
from alexa_bridge.exceptions import OptionsError


def test_no_options_gives_working_defaults() -> None:
    """With nothing configured the bridge serves on its documented ports, loopback only."""
    options = validate_options({})
    assert (options.ma_api_port, options.public_port, options.panel_port) == (5000, 5001, 8099)
    assert options.ma_api_hosts == ("127.0.0.1", "::1")
    assert options.public_url is None
    assert options.skill_id is None
    assert options.api_auth_enabled is False
    assert options.locale == "en-US"


def test_supervisor_empty_strings_mean_unset() -> None:
    """The Supervisor stores "" for optional fields; those are unset, not invalid."""
    options = validate_options({"public_url": "", "skill_id": " ", "api_username": ""})
    assert options.public_url is None
    assert options.skill_id is None
    assert options.api_username is None


def test_public_url_trailing_slash_removed() -> None:
    """A public address with a trailing slash still builds clean relay URLs."""
    assert validate_options({"public_url": "https://a.example.com/"}).public_url == (
        "https://a.example.com"
    )


@pytest.mark.parametrize(
    ("raw", "key", "reason"),
    [
        pytest.param({"public_url": "http://a.example.com"}, "public_url", "https", id="http"),
        pytest.param({"public_url": "https://"}, "public_url", "host", id="no-host"),
        pytest.param({"public_url": "https://a.b/?x=1"}, "public_url", "query", id="query"),
        pytest.param({"skill_id": "abc"}, "skill_id", "amzn1.ask.skill.", id="skill"),
        pytest.param({"ma_api_port": 70000}, "ma_api_port", "0-65535", id="port-high"),
        pytest.param({"public_port": "x"}, "public_port", "", id="port-text"),
        pytest.param({"log_level": "loud"}, "log_level", "debug", id="level"),
        pytest.param({"locale": "xx-XX"}, "locale", "en-US", id="locale"),
        pytest.param({"ma_api_host": "kitchen"}, "ma_api_host", "IP address", id="host"),
    ],
)
def test_bad_option_names_key_value_and_rule(raw: dict[str, object], key: str, reason: str) -> None:
    """One line names the key, the value given and what is allowed."""
    with pytest.raises(OptionsError) as err:
        validate_options(raw)
    message = str(err.value)
    assert f"'{key}'" in message
    assert str(raw[key]) in message
    assert reason in message
    assert "\n" not in message


def test_password_never_echoed() -> None:
    """A rejected password is not printed back."""
    with pytest.raises(OptionsError) as err:
        validate_options({"api_username": "ma", "api_password": ["hunter2"]})
    assert "hunter2" not in str(err.value)
    assert "api_password" in str(err.value)


def test_username_without_password_refused() -> None:
    """Half a credential pair is an error, not silently open."""
    with pytest.raises(OptionsError, match="api_password"):
        validate_options({"api_username": "ma"})


def test_non_loopback_bind_needs_credentials() -> None:
    """Binding the MA API beyond this host requires Basic credentials."""
    with pytest.raises(OptionsError, match="ma_api_host"):
        validate_options({"ma_api_host": "0.0.0.0"})
    options = validate_options(
        {"ma_api_host": "0.0.0.0", "api_username": "ma", "api_password": "pw"}
    )
    assert options.ma_api_hosts == ("0.0.0.0",)
    assert options.ma_api_is_loopback is False


def test_environment_overrides_file(tmp_path: Path) -> None:
    """ALEXA_BRIDGE_<NAME> wins over the options file, standalone."""
    path = tmp_path / "options.json"
    path.write_text(json.dumps({"ma_api_port": 5100, "locale": "de-DE"}))
    env = {"ALEXA_BRIDGE_MA_API_PORT": "5200", "ALEXA_BRIDGE_PUBLIC_URL": "https://x.example"}
    options = load_options(path, env)
    assert options.ma_api_port == 5200
    assert options.locale == "de-DE"
    assert options.public_url == "https://x.example"
    assert load_options(path, env, use_env=False).ma_api_port == 5100


def test_missing_file_is_no_options(tmp_path: Path) -> None:
    """A missing options file is the same as an empty one."""
    assert load_options(tmp_path / "absent.json", {}).ma_api_port == 5000


@pytest.mark.parametrize(
    ("content", "fragment"),
    [("{not json", "not valid JSON"), ("[1]", "JSON object")],
    ids=["syntax", "array"],
)
def test_broken_file_is_clear(tmp_path: Path, content: str, fragment: str) -> None:
    """A broken options file stops start-up with the file name and the problem."""
    path = tmp_path / "options.json"
    path.write_text(content)
    with pytest.raises(OptionsError, match=fragment):
        load_options(path, {})


def test_unknown_options_are_dropped() -> None:
    """Options from a newer or older add-on version do not stop the bridge."""
    assert validate_options({"enable_apl": True}).ma_api_port == 5000
