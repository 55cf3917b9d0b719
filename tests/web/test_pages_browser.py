"""The UI in a real browser: Debian's Chromium driven by Playwright (never a downloaded browser).

search -> results with playing previews -> filters without a reload -> open a study -> play and
pause a cine -> add it to a teaching file -> export the handout. Screenshots land in
`screenshots/` (or CMR_SEARCH_SCREENSHOTS) for a person to look at.
"""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.web import served

from cmr_search.settings import Settings
from web.app import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Debian chromium is not installed (make test installs it)")]
SHOTS = Path(os.environ.get("CMR_SEARCH_SCREENSHOTS", "screenshots"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(indexed_data: Path) -> Iterator[str]:
    app = create_app(Settings(data_dir=indexed_data), open_access=True)  # as `make demo`
    yield from _serve(app)


def _serve(app: Any) -> Iterator[str]:
    yield from served(app)
    app.state.store.close()


def _zipped_study(archive: Path, into: Path) -> Path:
    from reader.scan import scan_archive

    study = scan_archive(archive).studies[0]
    target = into / "study.zip"
    with zipfile.ZipFile(target, "w") as zf:
        for path in sorted(study.folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(study.folder.parent))
    return target


def _search_and_filter(page: Any, server: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server}/?q=dilated+LV")
    cards = page.locator("li.card")
    expect(cards.first).to_be_visible()
    preview = cards.first.locator("img").first
    expect(preview).to_be_visible()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0",
                         preview.element_handle())
    page.screenshot(path=str(SHOTS / "search.png"), full_page=True)
    # filters update the results in place: same document, new URL
    page.evaluate("window.__sameDocument = true")
    page.locator("fieldset.facet input[name=sex]").first.check()
    page.wait_for_url("**sex=*")
    expect(page.locator("#loading")).to_be_hidden()
    assert page.evaluate("window.__sameDocument === true")
    # a range that cannot hold says so where the results were: htmx swapped in no 4xx, so
    # the old results stayed beside the impossible filter
    filtered = page.url
    page.locator("input[name=lvef_min]").fill("50")
    page.locator("input[name=lvef_min]").press("Tab")
    page.wait_for_url("**lvef_min=50*")
    expect(page.locator("#loading")).to_be_hidden()
    page.locator("input[name=lvef_max]").fill("40")
    page.locator("input[name=lvef_max]").press("Tab")
    expect(page.locator("#main")).to_contain_text("LVEF from 50 % is above LVEF to 40 %")
    expect(page.locator("li.card")).to_have_count(0)
    page.goto(filtered)
    expect(page.locator("li.card").first).to_be_visible()
    page.keyboard.press("Escape")
    page.locator("body").press("/")
    assert page.evaluate("document.activeElement.id") == "q"


def _open_and_play(page: Any) -> str:
    """Open the first result with the keyboard; its cine plays, pauses and steps."""
    from playwright.sync_api import expect

    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/study/*")
    player = page.locator("figure.player").first
    expect(player.locator(".controls")).to_be_visible()
    frames = {player.get_attribute("data-frame")}
    for _ in range(10):
        page.wait_for_timeout(80)
        frames.add(player.get_attribute("data-frame"))
    assert len(frames) > 2, "the cine does not play"
    player.locator("button.play").click()
    paused = player.get_attribute("data-frame")
    page.wait_for_timeout(300)
    assert player.get_attribute("data-frame") == paused
    player.locator("input.frame").fill("3")
    assert player.get_attribute("data-frame") == "3"
    page.screenshot(path=str(SHOTS / "study.png"), full_page=True)
    return str(page.url.rsplit("/", 1)[-1])


def _teach_and_export(page: Any) -> bytes:
    from playwright.sync_api import expect

    page.fill("input[name=new_name]", "Dilated hearts")
    page.fill("textarea[name=note]", "Look at the septal wall motion.")
    page.fill("input[name=tags]", "dcm, teaching")
    page.click("section.teach button[type=submit]")
    page.wait_for_url("**/teaching/*")
    expect(page.locator("li.card")).to_have_count(1)
    page.screenshot(path=str(SHOTS / "teaching.png"), full_page=True)
    with page.expect_download() as download:
        page.click("text=Export handout (zip)")
    return Path(download.value.path()).read_bytes()


def _upload_and_compare(page: Any, server: str, study_zip: Path, uid: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server}/upload")
    page.set_input_files("input[type=file]", str(study_zip))
    page.click("form.upload button[type=submit]")
    expect(page.locator("h2", has_text="Similar cases")).to_be_visible(timeout=60_000)
    expect(page.locator("li.card").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "upload.png"), full_page=True)
    cards = [page.locator("li.card").nth(i).get_attribute("data-href") or ""
             for i in range(page.locator("li.card").count())]
    other = next(c.rsplit("/", 1)[-1] for c in cards if not c.endswith(f"/{uid}"))
    page.goto(f"{server}/compare?a={uid}&b={other}")  # a study with itself is refused
    expect(page.locator("figure.player .controls").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "compare.png"), full_page=True)


def test_search_study_play_teach_export(server: str, archive: Path, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 900},
                                color_scheme="dark", accept_downloads=True)
        _search_and_filter(page, server)
        uid = _open_and_play(page)
        body = _teach_and_export(page)
        _upload_and_compare(page, server, _zipped_study(archive, tmp_path), uid)
        browser.close()
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        handout = zf.read(next(n for n in zf.namelist() if n.endswith("handout.html"))).decode()
    assert "Case 1" in handout and "septal wall motion" in handout
    assert "data:image/webp;base64," in handout
    assert uid not in handout and "SYN" not in handout  # no UIDs, no patient IDs


def test_a_filter_change_keeps_only_the_fields_with_a_value(server: str) -> None:
    """Checking one box pushed a URL of some 25 empty fields ("&age_min=&age_max=...")."""
    from urllib.parse import parse_qsl, urlsplit

    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(f"{server}/?q=dilated+LV")
        page.locator("fieldset.facet input[name=sex]").first.check()
        page.wait_for_url("**sex=*")
        url = page.url
        browser.close()
    sent = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    assert {name for name, _ in sent} == {"q", "mode", "sort", "sex"}, url
    assert all(value for _, value in sent), url


@pytest.fixture
def measured_server(tmp_path: Path) -> Iterator[str]:
    """The fake index, one measured study with a 6-frame preview and its stored contours."""
    import numpy as np
    from fakes.encoder import FakeEncoder
    from fakes.index import CASES, SEGMENTATION_MODEL, build, fingerprint
    from PIL import Image

    from cmr_search.layout import DataLayout
    from cmr_search.vocab import Structure
    from indexer.records import MeasurementRecord, MeasurementStore
    from search import SearchEngine
    from vectorstore import MemoryStore

    frames = [Image.fromarray(np.full((64, 64), 40 + 30 * k, dtype=np.uint8)) for k in range(6)]
    (tmp_path / "previews").mkdir()
    frames[0].save(tmp_path / "previews" / "5.1.webp", save_all=True,
                   append_images=frames[1:], duration=40, loop=0, lossless=True)
    labels = np.zeros((6, 64, 64), dtype=np.uint8)
    labels[:, 16:48, 16:48] = Structure.LV_MYOCARDIUM
    labels[:, 22:42, 22:42] = Structure.LV_CAVITY
    case = next(c for c in CASES if c.uid == "5.1")
    MeasurementStore(DataLayout(tmp_path).measurements, SEGMENTATION_MODEL).put(
        MeasurementRecord("5.1", fingerprint(case), SEGMENTATION_MODEL, overlays={"sax": labels}))
    engine = SearchEngine(build(MemoryStore(), CASES), FakeEncoder())
    yield from _serve(create_app(Settings(data_dir=tmp_path), engine=engine, open_access=True))


def test_contours_toggle_over_the_playing_cine(measured_server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 800}, color_scheme="dark")
        page.goto(f"{measured_server}/study/5.1")
        player = page.locator("figure.player").first
        expect(player.locator(".controls")).to_be_visible()
        overlay = player.locator(".contours")
        expect(overlay).to_be_hidden()
        player.locator("input.show-contours").check()
        expect(overlay).to_be_visible()
        expect(overlay).to_have_attribute("data-loaded", "/media/contours/5.1/sax.png")
        player.locator("button.play").click()  # pause, then step: the outlines follow
        player.locator("input.frame").fill("5")
        assert "100%" in (overlay.get_attribute("style") or "")
        page.screenshot(path=str(SHOTS / "contours.png"))
        player.locator("input.show-contours").uncheck()
        expect(overlay).to_be_hidden()
        browser.close()


# WCAG 2.5.8 Target size (Minimum): each pointer target's box, the 24 px circle round its
# centre, and whether it may lean on the space round it. A checkbox's or radio's label is its
# target (a click on the words toggles it); a link inside a line of words is exempt.
TARGETS_JS = """() => {
  const shown = (el) => {
    if (el.closest("[hidden], .sr-only") || getComputedStyle(el).visibility === "hidden")
      return false;
    const closed = el.closest("details:not([open])");
    if (closed && !(el.tagName === "SUMMARY" && el.parentElement === closed)) return false;
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1 && r.right > 0;
  };
  const inSentence = (el) => {
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
    let block = el.parentElement;
    while (getComputedStyle(block).display === "inline") block = block.parentElement;
    const walk = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    let words = "";
    for (let n = walk.nextNode(); n; n = walk.nextNode())
      if (!n.parentElement.closest("a, button, .sr-only")) words += n.textContent;
    return /[A-Za-z0-9]{2,}/.test(words);
  };
  const all = [...document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary")].filter(shown);
  const targets = all.map((el) => {
    const toggle = el.type === "checkbox" || el.type === "radio";
    const r = ((toggle && el.closest("label")) || el).getBoundingClientRect();
    const name = (el.getAttribute("aria-label") || el.textContent || el.value || "").trim();
    return {el, what: `${el.tagName.toLowerCase()}.${el.className || el.type || ""} "${name}"`,
            x: r.left, y: r.top + scrollY, w: r.width, h: r.height,
            inline: inSentence(el), control: el.tagName !== "A"};
  });
  const small = (t) => t.w < 23.95 || t.h < 23.95;
  const gap = (x, y, t) => Math.hypot(Math.max(t.x - x, 0, x - t.x - t.w),
                                      Math.max(t.y - y, 0, y - t.y - t.h));
  return targets.map((t) => {
    const x = t.x + t.w / 2, y = t.y + t.h / 2;
    const crowds = small(t) && !t.inline ? targets.find((o) => o !== t
      && !o.el.contains(t.el) && !t.el.contains(o.el)
      && (gap(x, y, o) < 11.99 || (small(o) && !o.inline
          && Math.hypot(x - o.x - o.w / 2, y - o.y - o.h / 2) < 23.99))) : undefined;
    return {what: t.what.slice(0, 60), w: Math.round(t.w * 10) / 10,
            h: Math.round(t.h * 10) / 10, control: t.control,
            crowds: crowds ? crowds.what.slice(0, 60) : null};
  });
}"""


def _targets(page: Any) -> list[dict[str, Any]]:
    return list(page.evaluate(TARGETS_JS))


def test_pointer_targets_are_24_px_or_spaced_apart(measured_server: str) -> None:
    """WCAG 2.2 2.5.8: every target at least 24 × 24 px, or alone in a 24 px circle; the
    facet checkboxes were 22 px rows stacked edge to edge. Controls (buttons, selects,
    summaries, checkbox and radio labels) are 24 px by their own box, not by luck of the
    layout: the player's Pause and speed, "More measurements", "sign out", the "/" switch."""
    from playwright.sync_api import expect, sync_playwright

    seen: dict[str, list[dict[str, Any]]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="dark")
        page.goto(f"{measured_server}/?q=LV&all=1")
        page.locator("details.facet-more").evaluate("d => { d.open = true; }")
        seen["search"] = _targets(page)
        page.goto(f"{measured_server}/study/5.1")
        expect(page.locator("figure.player .controls")).to_be_visible()
        seen["study"] = _targets(page)
        page.fill("input[name=new_name]", "Small targets")
        page.click("section.teach button[type=submit]")
        page.wait_for_url("**/teaching/*")
        # the case's forms opened: its note's, and the remove's second step
        page.locator("li.card").first.locator("details").evaluate_all(
            "ds => ds.forEach(d => { d.open = true; })")
        seen["teaching file"] = _targets(page)
        browser.close()
    for name, targets in seen.items():
        assert len(targets) > 10, f"{name}: targets not found"
    crowded = [f"{name}: {t['what']} {t['w']}x{t['h']}, near {t['crowds']}"
               for name, ts in seen.items() for t in ts if t["crowds"]]
    assert not crowded, "\n".join(crowded)
    small = [f"{name}: {t['what']} {t['w']}x{t['h']}" for name, ts in seen.items() for t in ts
             if t["control"] and (t["w"] < 24 or t["h"] < 24)]
    assert not small, "\n".join(small)
    kinds = {t["what"].split(" ")[0] for ts in seen.values() for t in ts}
    assert {"button.play", "select.speed", "input.show-contours", "summary.",
            "input.shortcut-setting"} <= kinds, kinds  # a case's Remove: a summary now
