# ruff: noqa: INP001 - a script run by hand, not a package module
"""Render the integration's brand images from the panel's icon with Debian's Chromium.

Run from the repository root: `.venv/bin/python scripts/brand_images.py`. Writes
custom_components/alexa_bridge/brand/{icon,icon@2x,logo,logo@2x}.png at the sizes Home
Assistant's brand rules ask for (icons 256 and 512 square; logos 256 and 512 high).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
import shutil

from playwright.async_api import async_playwright

ROOT = Path(__file__).resolve().parents[1]
ICON = (ROOT / "src" / "alexa_bridge" / "static" / "icon.svg").read_text("utf-8")
OUT = ROOT / "custom_components" / "alexa_bridge" / "brand"
PAGE = """<!doctype html><html><head><style>
html, body {{ margin: 0; background: transparent; }}
#art {{ display: flex; align-items: center; gap: {gap}px; height: {height}px;
  font: 600 {font}px/1 "DejaVu Sans", sans-serif; color: #03a9f4; width: max-content; }}
#art svg {{ width: {height}px; height: {height}px; }}
</style></head><body><div id="art">{icon}{text}</div></body></html>"""


async def render(page: object, name: str, height: int, *, text: str = "") -> None:
    """Render the icon (with the name beside it for a logo) at a height in pixels."""
    html = PAGE.format(
        icon=ICON, height=height, gap=height // 6, font=int(height * 0.42), text=text
    )
    await page.set_content(html)  # type: ignore[attr-defined]
    art = await page.query_selector("#art")  # type: ignore[attr-defined]
    await art.screenshot(path=str(OUT / name), omit_background=True)


async def main() -> None:
    """Render every brand image."""
    OUT.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = await browser.new_page(device_scale_factor=1)
        await render(page, "icon.png", 256)
        await render(page, "icon@2x.png", 512)
        await render(page, "logo.png", 256, text="<span>Alexa Bridge</span>")
        await render(page, "logo@2x.png", 512, text="<span>Alexa Bridge</span>")
        await browser.close()


if __name__ == "__main__":
    asyncio.run(main())
