"""Rebuild static/root/favicon.ico (16, 32 and 48 px PNGs in an ICO container) from
static/favicon.svg, drawn by Chromium through Playwright: `.venv/bin/python scripts/favicon-ico.py`.
WhiteNoise serves static/root/ at the site root (WHITENOISE_ROOT), so /favicon.ico answers."""

import struct
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
svg = (ROOT / "static" / "favicon.svg").read_text()
pngs = []
with sync_playwright() as p:
    b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
    for size in (16, 32, 48):
        pg = b.new_page(viewport={"width": size, "height": size})
        sized = svg.replace("<svg ", f'<svg width="{size}" height="{size}" ')
        pg.set_content('<html><body style="margin:0;background:transparent">' + sized + "</body></html>")
        pngs.append((size, pg.screenshot(omit_background=True)))
    b.close()
header = struct.pack("<HHH", 0, 1, len(pngs))
offset = 6 + 16 * len(pngs)
entries, data = b"", b""
for size, png in pngs:
    entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png), offset + len(data))
    data += png
(ROOT / "static" / "root" / "favicon.ico").write_bytes(header + entries + data)
