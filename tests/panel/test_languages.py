"""Every panel language is complete, is chosen as users expect, and reaches the rendered page."""

from __future__ import annotations

from collections.abc import AsyncIterator
import re
import string

from markupsafe import escape
import pytest

from alexa_bridge.const import PANEL_LANGUAGE_COOKIE
from alexa_bridge.panel.strings import PanelStrings

from ..fakes.ingress import FakeIngress
from ..harness import RunningBridge
from .browser import chromium

SHIPPED = ("de", "en", "es", "fr", "it", "nl", "pt-BR")
TRANSLATED = [language for language in SHIPPED if language != "en"]
PAGES = {
    "setup": "setup.heading",
    "status": "status.heading",
    "devices": "devices.heading",
    "activity": "activity.heading",
}
# Words that read the same in English and in a translation (product names, "Status", ids).
MOST_SHARED_WITH_ENGLISH = 0.12


@pytest.fixture(name="strings", scope="module")
def strings_fixture() -> PanelStrings:
    """Load the shipped catalogues with the panel's own loader."""
    return PanelStrings()


def _placeholders(text: str) -> list[str]:
    """Return the `{names}` a string fills in, sorted (raises on unbalanced braces)."""
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def test_every_language_is_shipped(strings: PanelStrings) -> None:
    """English plus the six translations, no more and no fewer."""
    assert strings.languages == sorted(SHIPPED)


@pytest.mark.parametrize("language", TRANSLATED)
def test_language_has_exactly_the_english_keys(strings: PanelStrings, language: str) -> None:
    """A key added to en.json and not translated (or left over after removal) fails here."""
    english, translated = strings.english(), strings.catalogue(language)
    missing = sorted(set(english) - set(translated))
    extra = sorted(set(translated) - set(english))
    assert (missing, extra) == ([], []), f"{language}.json: missing {missing}, extra {extra}"


@pytest.mark.parametrize("language", SHIPPED)
def test_values_are_filled_and_placeholders_match(strings: PanelStrings, language: str) -> None:
    """No empty string, and every {placeholder} of English is kept, none invented."""
    english, translated = strings.english(), strings.catalogue(language)
    empty = [key for key, text in translated.items() if not text.strip()]
    assert empty == []
    wrong = {
        key: (_placeholders(english[key]), _placeholders(text))
        for key, text in translated.items()
        if key in english and _placeholders(english[key]) != _placeholders(text)
    }
    assert wrong == {}


@pytest.mark.parametrize("language", TRANSLATED)
def test_language_is_not_a_copy_of_english(strings: PanelStrings, language: str) -> None:
    """Only a few strings (names, ids, "Status") may read exactly as in English."""
    english, translated = strings.english(), strings.catalogue(language)
    same = [key for key in english if translated.get(key) == english[key]]
    assert len(same) <= MOST_SHARED_WITH_ENGLISH * len(english), same


@pytest.mark.parametrize(
    ("accept", "home_assistant", "expected"),
    [
        ("fr-CA,fr;q=0.9", None, "fr"),
        ("pt-BR", None, "pt-BR"),
        ("pt", None, "pt-BR"),
        ("pt-PT,pt;q=0.9", None, "pt-BR"),
        ("nl-BE", None, "nl"),
        ("it-IT,it;q=0.9,en;q=0.5", None, "it"),
        ("ES-mx", None, "es"),
        ("de;q=0.2,nl;q=0.8", None, "nl"),
        ("xx", None, "en"),
        ("xx,sv;q=0.9,es;q=0.5", None, "es"),
        ("en-GB,de;q=0.9", None, "en"),
        ("", None, "en"),
        (None, None, "en"),
        ("de-DE", "fr", "fr"),
        ("de-DE", "pt-BR", "pt-BR"),
        ("de-DE", "sv", "de"),
        ("de-DE", "../../etc/passwd", "de"),
        ("de-DE", "", "de"),
    ],
)
def test_language_choice(
    strings: PanelStrings, accept: str | None, home_assistant: str | None, expected: str
) -> None:
    """Home Assistant's language first, then the browser's in its order; region falls back."""
    assert strings.pick(accept, home_assistant).language == expected


def _shown(text: str) -> str:
    """Return a string as the panel's templates escape it."""
    return str(escape(text))


def _page_language(text: str) -> str:
    """Return the page's <html lang>."""
    match = re.search(r'<html lang="([^"]+)"', text)
    assert match, "the page has no <html lang>"
    return match.group(1)


def _english_leaks(strings: PanelStrings, language: str, text: str) -> list[str]:
    """Return English sentences shown on a page that should be in another language."""
    english, translated = strings.english(), strings.catalogue(language)
    return [
        english[key]
        for key in english
        if len(english[key]) > 15
        and not _placeholders(english[key])
        and english[key] != translated[key]
        and _shown(english[key]) in text
    ]


@pytest.mark.parametrize(
    ("accept", "language"),
    [
        ("de-DE,de;q=0.9,en;q=0.5", "de"),
        ("fr-CA,fr;q=0.9", "fr"),
        ("es-ES", "es"),
        ("it-IT", "it"),
        ("nl-BE,nl;q=0.9", "nl"),
        ("pt-BR,pt;q=0.9", "pt-BR"),
        ("en-US", "en"),
    ],
)
async def test_rendered_pages_speak_the_language(
    bridge: RunningBridge,
    ingress: FakeIngress,
    strings: PanelStrings,
    accept: str,
    language: str,
) -> None:
    """Through ingress, every page shows its heading and menu in the browser's language."""
    catalogue = strings.catalogue(language)
    for page, heading in PAGES.items():
        async with bridge.client.get(
            f"{ingress.url}{page}", headers={"Accept-Language": accept}
        ) as resp:
            assert resp.status == 200
            text = await resp.text()
        assert _page_language(text) == language
        assert f"<h1>{_shown(catalogue[heading])}</h1>" in text, page
        for key in ("nav.setup", "nav.status", "nav.devices", "nav.activity"):
            assert _shown(catalogue[key]) in text, (page, key)
        assert _english_leaks(strings, language, text) == [], page


async def test_home_assistant_language_cookie_wins(
    bridge: RunningBridge, ingress: FakeIngress, strings: PanelStrings
) -> None:
    """The language copied from Home Assistant beats the browser's; an unknown one does not."""
    headers = {"Accept-Language": "de-DE,de;q=0.9"}
    async with bridge.client.get(
        f"{ingress.url}setup", headers={**headers, "Cookie": f"{PANEL_LANGUAGE_COOKIE}=it"}
    ) as resp:
        text = await resp.text()
    assert _page_language(text) == "it"
    assert _shown(strings.catalogue("it")["setup.heading"]) in text
    async with bridge.client.get(
        f"{ingress.url}setup",
        headers={**headers, "Cookie": f'{PANEL_LANGUAGE_COOKIE}="<script>"'},
    ) as resp:
        text = await resp.text()
    assert _page_language(text) == "de"
    assert "<script>" not in text


@pytest.mark.parametrize("language", SHIPPED)
async def test_escaping_is_the_same_in_every_language(
    bridge: RunningBridge, strings: PanelStrings, language: str
) -> None:
    """A hostile user name and the strings' own <placeholders> are shown as text, never markup."""
    hostile = '<img src=x onerror="alert(1)">'
    async with bridge.client.get(
        f"{bridge.panel}/setup",
        headers={"Accept-Language": language, "X-Remote-User-Display-Name": hostile},
    ) as resp:
        text = await resp.text()
    assert _page_language(text) == language
    assert hostile not in text
    assert _shown(strings.catalogue(language)["app.user"].format(name=hostile)) in text
    cloudflare = strings.catalogue(language)["public.way.cloudflare"]
    shown = cloudflare.format(port=bridge.core.options.public_port)
    assert "<" in shown
    assert _shown(shown) in text


@pytest.fixture(name="browser")
async def browser_fixture() -> AsyncIterator[object]:
    """Start Debian's Chromium headless."""
    async with chromium(pytest.importorskip("playwright.async_api")) as browser:
        yield browser


@pytest.mark.timeout(60)
async def test_chromium_follows_browser_and_home_assistant_language(
    browser: object, ingress: FakeIngress, strings: PanelStrings
) -> None:
    """Chromium's UI language picks the panel's; inside Home Assistant, HA's language wins."""
    expect = pytest.importorskip("playwright.async_api").expect
    context = await browser.new_context(locale="nl-BE")  # type: ignore[attr-defined]
    try:
        page = await context.new_page()
        await page.goto(f"{ingress.url}setup")
        await expect(page.locator("h1")).to_have_text(strings.catalogue("nl")["setup.heading"])

        # The user's Home Assistant profile says French; the frame follows it.
        ingress.frontend_language = "fr"
        await page.goto(ingress.frontend_url)
        frame = page.frame_locator("iframe")
        await expect(frame.locator("h1")).to_have_text(strings.catalogue("fr")["setup.heading"])
        await expect(frame.locator("html")).to_have_attribute("lang", "fr")

        # They switch Home Assistant to Brazilian Portuguese; the next panel load follows.
        ingress.frontend_language = "pt-BR"
        await page.goto(ingress.frontend_url)
        await expect(frame.locator("h1")).to_have_text(strings.catalogue("pt-BR")["setup.heading"])
        nav = frame.locator("nav a").first
        await expect(nav).to_have_text(strings.catalogue("pt-BR")["nav.setup"])
    finally:
        await context.close()
