"""Accessibility (WCAG 2.1 AA) of the pages, from an audit: what the markup, the style sheet and
a keyboard in a real browser must keep. Item numbers are the audit's."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fakes.encoder import FakeEncoder
from fakes.index import CASES, build
from fakes.web import served
from fastapi.testclient import TestClient

from cmr_search.settings import Settings
from search import SearchEngine
from vectorstore import MemoryStore
from web.app import create_app

CSS = (Path(__file__).parents[2] / "web" / "static" / "app.css").read_text()
JS = (Path(__file__).parents[2] / "web" / "static" / "app.js").read_text()
HTMX = {"HX-Request": "true", "HX-Target": "main"}


class _Elements(HTMLParser):
    """Each start tag with its attributes and the ids of the elements it sits in."""

    VOID = frozenset({"input", "img", "br", "meta", "link", "hr", "source", "col", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str], list[str]]] = []
        self.stack: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.found.append((tag, values, [i for _, i in self.stack if i]))
        if tag not in self.VOID:
            self.stack.append((tag, values.get("id", "")))

    def handle_endtag(self, tag: str) -> None:
        for at in range(len(self.stack) - 1, -1, -1):
            if self.stack[at][0] == tag:
                del self.stack[at:]
                break


def _elements(html: str) -> list[tuple[str, dict[str, str], list[str]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


def _rule(selector: str, css: str = CSS) -> str:
    """The declarations of the first rule whose selector list holds `selector`."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    for match in re.finditer(r"([^{}]+)\{([^{}]*)\}", css):
        if selector in [s.strip() for s in match.group(1).split(",")]:
            return match.group(2)
    raise AssertionError(f"no rule for {selector}")


def _media(query: str) -> str:
    """The rules of every `@media (query) { ... }` block, joined."""
    blocks = []
    for match in re.finditer(r"@media \(([^)]*)\) \{", CSS):
        if match.group(1).strip() != query:
            continue
        depth, at = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(CSS[at], 0)
            at += 1
        blocks.append(CSS[match.end():at - 1])
    assert blocks, f"no @media ({query})"
    return "\n".join(blocks)


def test_every_filter_and_sort_control_has_a_stable_unique_id(client: TestClient) -> None:
    """1: htmx swaps #main, filters and all, and puts the focus back only on an element of the
    same id: without ids a keyboard user went back to the top after each filter."""
    params = {"q": "LV", "vendor": "canon"}  # a value checked, though no study has it
    for html in (client.get("/", params=params).text,
                 client.get("/", params=params, headers=HTMX).text):
        controls = [(tag, attrs) for tag, attrs, within in _elements(html)
                    if tag in {"input", "select", "summary"} and attrs.get("type") != "hidden"
                    and (tag != "input" or attrs.get("name") not in {"q", "mode", "csrf_token"})]
        assert len(controls) > 30, "the filters are missing"
        ids = [attrs.get("id", "") for _, attrs in controls]
        assert all(ids), [a for _, a in controls if not a.get("id")][:3]
        assert len(set(ids)) == len(ids) and not any(re.search(r"\s", i) for i in ids)
    page = client.get("/", params=params).text
    assert 'id="f-vendor-canon" name="vendor" value="canon" checked' in page
    assert 'id="f-lvef_min" name="lvef_min"' in page and 'id="sort" name="sort"' in page
    assert 'id="f-report-any"' in page and 'id="all-studies"' in page
    # the same control has the same id in the next answer (what htmx restores focus by)
    again = client.get("/", params={**params, "sex": "F"}, headers=HTMX).text
    assert 'id="f-vendor-canon"' in again and 'id="f-sex-F"' in again


def test_results_and_searching_are_announced_and_the_title_follows(
        client: TestClient) -> None:
    """3, 4: a status region outside #main gets the count with each htmx answer (out of band),
    and the answer carries the page title; "Searching…" is no longer a live region that only
    ever changed its visibility."""
    page = client.get("/", params={"q": "LV"}).text
    status = [(attrs, within) for tag, attrs, within in _elements(page)
              if attrs.get("id") == "search-status"]
    assert len(status) == 1
    attrs, within = status[0]
    assert attrs.get("role") == "status" and "main" not in within
    assert '<span id="loading" class="loading" aria-hidden="true">' in page
    partial = client.get("/", params={"q": "LV", "vendor": "philips"}, headers=HTMX).text
    assert partial.lstrip().startswith('<div class="layout">')
    assert "<title>LV · cmr-search</title>" in partial
    oob = re.search(r'<div id="search-status" hx-swap-oob="innerHTML">([^<]*)</div>', partial)
    assert oob and re.fullmatch(r"\d+ stud(y|ies)( \(one per patient\))?(; read as: .+?)?"
                                r"(\. .+)?",
                                oob.group(1)), oob
    assert "<title>Search · cmr-search</title>" in client.get("/", headers=HTMX).text
    bad = client.get("/", params={"q": "LV", "age_min": "90", "age_max": "10"}, headers=HTMX)
    assert bad.status_code == 400 and "Cannot search:" in bad.text.split("search-status")[-1]
    # the full page has no second status line nor a title in its body
    assert page.count('id="search-status"') == 1 and page.count("<title>") == 1


def test_results_have_a_page_heading_and_each_card_a_heading(client: TestClient) -> None:
    """8, 9: an h1 for the results; the card's date link is its heading and its one tab stop."""
    html = client.get("/", params={"q": "LGE", "all": "1"}).text
    assert '<h1 class="sr-only">Results for “LGE”</h1>' in html
    cards = re.findall(r'<li class="card"[^>]*>', html)
    assert cards and not any("tabindex" in c for c in cards)
    assert re.search(r'<h2 class="meta">\s*<a class="open" href="/study/', html)
    assert '<a class="thumb" href="/study/1.1" tabindex="-1" aria-hidden="true">' in html


def test_a_qc_flagged_value_is_said_uncertain_to_screen_readers(client: TestClient) -> None:
    """10: "LVEF 30 %?" read aloud lost the doubt; the title was all that said it."""
    html = client.get("/", params={"q": "LV dysfunction", "all": "1"}).text
    card = html[html.index('data-href="/study/4.1"'):]
    card = card[:card.index("</li>")]
    assert 'LVEF 30 %?<span class="sr-only"> (uncertain, QC-flagged)</span>' in card


def test_previews_show_their_still_first_and_play_only_through_the_script(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """5 (2.2.2 Pause, Stop, Hide): a card's looping WebP is its data-cine; src is the poster,
    so nothing moves without the script, and the script honours reduced motion and the
    header's pause button."""
    import fakes.index

    plain = fakes.index.payload

    def with_posters(case: Any) -> dict[str, Any]:
        out = plain(case)
        out["previews"]["sax_poster"] = f"previews/{case.uid}.png"
        return dict(out)

    monkeypatch.setattr(fakes.index, "payload", with_posters)
    engine = SearchEngine(build(MemoryStore(), CASES), FakeEncoder())
    client = TestClient(create_app(Settings(data_dir=tmp_path), engine=engine,
                                   open_access=True))
    html = client.get("/", params={"q": "LGE", "all": "1"}).text
    assert ('<img src="/media/previews/1.1.png" width="112" height="112" loading="lazy" '
            'class="preview" data-still="/media/previews/1.1.png" '
            'data-cine="/media/previews/1.1.webp"') in html
    assert "cine, playing" not in html
    assert '<button type="button" class="link motion-toggle" hidden>Pause previews</button>' \
        in html
    strip = client.get("/study/5.1").text
    strip = strip[strip.index('<ol class="mini">'):strip.index("</ol>")]
    assert 'alt="" class="preview" data-still=' in strip
    assert "prefers-reduced-motion: reduce" in JS and '"Play previews"' in JS
    assert "display: none" in _rule(".motion-toggle[hidden]")


def test_the_study_page_names_slices_curves_and_similar_cases(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """12-17, 19: slice toggle buttons in a named group, the player named by its slice, SVG
    text in the text colour, a dashed RV curve with LV and RV written, similar cases reached
    by a date link (their image is decoration), a title without a date."""
    import web.pages

    monkeypatch.setattr(web.pages, "sax_slices", lambda cache, uid: [
        "sax_basal", "sax_mid", "sax_apical"])
    html = client.get("/study/1.2").text
    assert '<div class="slice-tabs" role="group" aria-label="Short-axis slice">' in html
    assert 'data-slice="sax_mid" aria-pressed="true"' in html
    assert 'data-slice="sax_basal" aria-pressed="false"' in html
    assert 'role="tab"' not in html and "aria-selected" not in html
    assert 'data-title="Short axis" aria-label="Short axis, mid cine"' in html
    svg = html[html.index('<figure class="curves">'):html.index("</svg>")]
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert {"LV", "RV", "ED", "ES", "0"} <= set(texts)
    # no fill of their own: `.curves text` gives them the text colour of either theme
    assert not any("fill=" in t for t in re.findall(r"<text[^>]*>", svg))
    assert re.search(r'<polyline class="curve-rv"[^>]*stroke-dasharray', svg)
    assert not re.search(r'<polyline class="curve-lv"[^>]*stroke-dasharray', svg)
    assert re.search(r'viewBox="-4[0-9] ', svg), "the volume label is clipped at x=-40"
    strip = html[html.index('<ol class="mini">'):]
    strip = strip[:strip.index("</ol>")]
    assert '<li class="card mini-card" data-href=' in strip and "tabindex=\"0\"" not in strip
    assert re.search(r'<p class="small"><a class="open" href="/study/[^"]+">', strip)
    assert 'alt="Short-axis cine"' not in strip
    assert "fill: currentColor" in _rule(".curves text")
    assert "aria-pressed" in JS and "aria-valuetext" in JS
    assert '"Pause " : "Play ") + this.title' in JS  # 17: each button names its view
    assert "<title>Study 2023-05-01 · cmr-search</title>" in html


def test_titles_name_the_studies(client: TestClient) -> None:
    """19: "Similar cases" and "Compare" named no study."""
    assert "<title>Cases like 2021-03-01 · cmr-search</title>" in client.get(
        "/similar/1.1").text
    compare = client.get("/compare", params={"a": "1.1", "b": "2.1"}).text
    assert "<title>Compare 2021-03-01 with 2020-01-01 · cmr-search</title>" in compare
    assert '<button type="button" class="play-all"><span aria-hidden="true">❚❚</span> ' \
        'Pause both</button>' in compare  # 21: the visible words are its name


def test_forms_tables_and_header_say_what_they_are(client: TestClient) -> None:
    """27-30: the brand's name holds its visible text, the loopback banner is a region, hints
    are tied to their fields, the "/" shortcut can be turned off."""
    html = client.get("/account").text
    assert 'aria-label="cmrsearch home"' in html
    assert '<div class="banner open" role="region" aria-label="Access notice">' in html
    assert 'id="shortcut-slash" class="shortcut-setting"' in html
    assert 'stored("slash") !== "off"' in JS


def test_admin_tables_name_their_buttons_and_hints(tmp_path: Path) -> None:
    """27, 28: "set", "revoke" ... said whose; an empty header cell; hints only as placeholders."""
    from accounts import Role

    engine = SearchEngine(build(MemoryStore(), CASES), FakeEncoder())
    app = create_app(Settings(data_dir=tmp_path), engine=engine)
    app.state.users.add("ada", Role.ADMIN, password="ada password 12")
    app.state.tokens.create("ada", "script")
    client = TestClient(app)
    from fakes.web import csrf_of

    token = csrf_of(client, "/login")
    signed = client.post("/login", data={"name": "ada", "password": "ada password 12",
                                         "csrf_token": token, "next": "/"})
    assert signed.status_code in {200, 303}
    users = client.get("/admin/users").text
    assert 'aria-label="set role of ada">set</button>' in users
    assert 'aria-label="disable ada">disable</button>' in users
    assert 'aria-label="revoke token script of ada">revoke</button>' in users
    assert '<th scope="col"></th>' not in users and "<span class=\"sr-only\">Actions</span>" \
        in users
    assert 'aria-describedby="new-user-password-hint"' in users
    assert 'id="new-user-password-hint"' in users
    assert '<div class="scroll" role="region" aria-label="Users" tabindex="0">' in users
    audit = client.get("/admin/audit").text
    assert audit.count('aria-describedby="audit-date-hint"') == 2 and "YYYY-MM-DD" in audit
    account = client.get("/account").text
    assert 'aria-label="revoke token script">revoke</button>' in account
    assert 'aria-describedby="new-password-hint"' in account and "at least 12" in account


def test_the_style_sheet_reflows_contrasts_and_shows_focus() -> None:
    """2, 24, 25, 20: nothing sticky covers the results in one column, the header and inline
    forms wrap, compare fits 320 px; 26: white on the light accent; 31: card focus in forced
    colours; 15: the pressed slice is more than a colour."""
    narrow = _media("max-width: 860px")
    assert re.search(r"\.filters \{[^}]*position: static", narrow)
    assert re.search(r"\.filters \{[^}]*max-height: none", narrow)
    assert "flex-wrap: wrap" in _rule(".top") and "flex-wrap: wrap" in _rule(".inline")
    smaller = _media("max-width: 700px")
    assert re.search(r"\.top \{[^}]*position: static", smaller)
    assert re.search(r"\.top \.hint \{[^}]*display: none", smaller)
    assert "minmax(0, 1fr)" in _rule(".compare .pair")
    assert re.search(r"\.compare \.screen[^{]*\{[^}]*width: 100%", _media("max-width: 600px"))
    light = _media("prefers-color-scheme: light")
    assert "--on-accent: #fff" in light and "color: var(--on-accent)" in _rule("button")
    focus = _rule(".card:focus")
    assert "outline: none" not in focus and "outline: 2px solid transparent" in focus
    assert re.search(r"\.card:focus[^{]*\{[^}]*outline: 3px solid", _media("forced-colors: active"))
    pressed = _rule(".slice-tabs button[aria-pressed=true]")
    assert "font-weight: 600" in pressed and "text-decoration: underline" in pressed
    assert "forced-color-adjust: none" in _rule(".legend .swatch")
    assert "overflow-x: auto" in _rule(".scroll")


def test_arrow_keys_act_only_from_the_search_box_or_a_card() -> None:
    """6: ArrowDown on the study page's Pause button jumped to the first similar case."""
    handler = JS[JS.index('(e.key === "ArrowDown" || e.key === "ArrowUp")'):]
    handler = handler[:handler.index("return;\n    }")]
    assert 'at < 0 && e.target.id !== "q"' in handler


# --- a keyboard in a real browser (Debian's Chromium, as tests/web/test_pages_browser.py) ---

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
browser = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                             reason="Debian chromium is not installed (make test installs it)")


@pytest.fixture(scope="module")
def fake_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    engine = SearchEngine(build(MemoryStore(), CASES), FakeEncoder())
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("a11y")), engine=engine,
                     open_access=True)
    yield from served(app)


@pytest.fixture
def page(fake_server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        errors: list[str] = []
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" and
               "Content Security Policy" in m.text else None)
        yield tab
        assert not errors, errors  # nothing the CSP blocked
        chromium.close()


def _focused(page: Any) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


@pytest.mark.slow
@browser
def test_focus_stays_on_the_filter_the_keyboard_changed(page: Any, fake_server: str) -> None:
    """1, 3: Space on a facet, a number then Tab, an arrow on Sort: each swaps #main, and the
    focus was on <body> after each; the status line says the new count."""
    from playwright.sync_api import expect

    page.goto(f"{fake_server}/?q=LV&all=1")
    box = page.locator("input[name=vendor][value=philips]")
    box.focus()
    page.keyboard.press("Space")
    page.wait_for_url("**vendor=philips*")
    expect(page.locator("#search-status")).to_have_text(re.compile(r"^\d+ stud"))
    assert _focused(page) == "f-vendor-philips"
    assert page.evaluate("document.activeElement.checked") is True
    page.locator("#f-lvef_min").focus()
    page.keyboard.type("20")
    page.keyboard.press("Tab")
    page.wait_for_url("**lvef_min=20*")
    expect(page.locator("#loading")).to_be_hidden()
    assert _focused(page) == "f-lvef_max"
    page.locator("#sort").focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_url("**sort=date*")
    expect(page.locator("#loading")).to_be_hidden()
    assert _focused(page) == "sort"
    assert page.title() == "LV · cmr-search"


@pytest.mark.slow
@browser
def test_arrows_move_between_cards_only_from_the_search_box_or_a_card(
        page: Any, fake_server: str) -> None:
    """6, 8: from #q ArrowDown reaches the first card's date link, Enter opens it; on the
    study page an arrow on a button leaves the focus where it is."""
    page.goto(f"{fake_server}/?q=LGE&all=1")
    page.locator("#q").focus()
    page.keyboard.press("ArrowDown")
    first = page.evaluate("document.activeElement.className")
    assert first == "open"
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.closest('li.card') === "
                         "document.querySelectorAll('li.card')[1]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/study/*")
    page.locator("nav a[href='/']").focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "/"
