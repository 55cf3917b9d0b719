"""Moving previews and the controls around them, from a WCAG 2.1 AA audit's leftovers: every cine
that moves for more than 5 s follows the header's "Pause previews" (2.2.2 Pause, Stop, Hide),
two players on one page name their controls apart (4.1.2 Name, Role, Value), and the "/"
shortcut can be turned off without an account page (2.1.4 Character Key Shortcuts)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fakes.encoder import FakeEncoder
from fakes.index import CASES, build
from fakes.web import Secured, csrf_of, served
from fastapi.testclient import TestClient
from PIL import Image

from cmr_search.settings import Settings
from indexer.upload import UploadedStudy
from search import SearchEngine
from search.models import SearchRequest
from vectorstore import MemoryStore
from web.app import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
browser = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                             reason="Debian chromium is not installed (make test installs it)")


def _with_posters(monkeypatch: pytest.MonkeyPatch, same_date: bool = False) -> None:
    """Payloads as the indexer writes them: each cine with its still poster (and 2.1 on the
    date of 1.1, where asked)."""
    import fakes.index

    plain = fakes.index.payload

    def payload(case: Any) -> dict[str, Any]:
        out = dict(plain(case))
        out["previews"] = {"sax": f"previews/{case.uid}.webp",
                           "sax_poster": f"previews/{case.uid}.png",
                           "4ch": f"previews/{case.uid}-4ch.webp",
                           "4ch_poster": f"previews/{case.uid}-4ch.png"}
        if same_date and case.uid == "2.1":
            out["study_date"] = "2021-03-01T00:00:00Z"
        return out

    monkeypatch.setattr(fakes.index, "payload", payload)


def _app(data: Path, monkeypatch: pytest.MonkeyPatch, same_date: bool = False) -> Any:
    _with_posters(monkeypatch, same_date)
    engine = SearchEngine(build(MemoryStore(), CASES), FakeEncoder())
    return create_app(Settings(data_dir=data), engine=engine, open_access=True)


def _teaching_file(client: TestClient) -> str:
    added = client.post("/teaching/add", data={"study_instance_uid": "1.1", "new_name": "LGE",
                                               "csrf_token": csrf_of(client)},
                        follow_redirects=False)
    assert added.status_code == 303
    return str(added.headers["location"])


def _fake_upload(engine: SearchEngine) -> Any:
    def read_upload(*args: Any) -> tuple[UploadedStudy, Any]:
        study = UploadedStudy("9.9", ["sax_cine"], {}, previews={
            "sax": "u/sax.webp", "sax_poster": "u/sax.png",
            "lge_sax": "u/lge.webp"})  # no poster (as an index of an older release): as it was
        return study, engine.search(SearchRequest(q="LGE"))
    return read_upload


def test_teaching_upload_and_player_fallback_show_their_still_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The teaching file's cards, an upload's views and a player's fallback looped their
    WebP for ever, with no pause: now the poster is what shows, the cine a data-cine that only
    app.js plays (and then as the header's button says)."""
    import web.uploads

    app = _app(tmp_path, monkeypatch)
    client = TestClient(app)
    teaching = client.get(_teaching_file(client)).text
    assert ('<img src="/media/previews/1.1.png" width="112" height="112" alt="" class="preview" '
            'data-still="/media/previews/1.1.png" data-cine="/media/previews/1.1.webp">') \
        in teaching
    assert 'src="/media/previews/1.1.webp"' not in teaching
    assert '<button type="button" class="link motion-toggle" hidden>' in teaching

    # the upload page reads through `web.uploads.read_kept`, which calls `read_upload`
    monkeypatch.setattr(web.uploads, "read_upload", _fake_upload(app.state.models.engine()))
    upload = client.post("/upload", files={"file": ("s.zip", b"PK")},
                         data={"csrf_token": csrf_of(client)})
    assert upload.status_code == 200, upload.text[-500:]
    assert ('<img src="/media/uploads/previews/u/sax.png" width="160" height="160" '
            'alt="Short axis of the uploaded study" class="preview" '
            'data-still="/media/uploads/previews/u/sax.png" '
            'data-cine="/media/uploads/previews/u/sax.webp">') in upload.text
    assert 'src="/media/uploads/previews/u/lge.webp" width="160" height="160" alt="LGE short ' \
        'axis of the uploaded study">' in upload.text  # no poster: as it was

    study = client.get("/study/1.1").text
    fallbacks = re.findall(r'<img class="fallback"[^>]*>', study)
    assert fallbacks == [
        '<img class="fallback" src="/media/previews/1.1.png" alt="Short axis" '
        'data-still="/media/previews/1.1.png" data-cine="/media/previews/1.1.webp">',
        '<img class="fallback" src="/media/previews/1.1-4ch.png" alt="4-chamber" '
        'data-still="/media/previews/1.1-4ch.png" data-cine="/media/previews/1.1-4ch.webp">']


def _control_names(html: str) -> list[str]:
    return re.findall(r'<(?:button type="button" class="play"|input type="range" class="frame"'
                      r'|select class="speed")[^>]*aria-label="([^"]+)"', html)


def test_two_players_of_one_view_name_their_study(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Compare: "Pause 4-chamber" twice, "4-chamber frame" twice: which study was which? Each
    name says its study's date, and its side where both studies share one."""
    client = TestClient(_app(tmp_path, monkeypatch))
    html = client.get("/compare", params={"a": "1.1", "b": "2.1"}).text
    names = _control_names(html)
    assert len(names) == 12 and len(set(names)) == 12, names
    assert "Pause 4-chamber, 2021-03-01" in names and "Pause 4-chamber, 2020-01-01" in names
    assert "4-chamber, 2020-01-01 frame" in names and "Short axis, 2021-03-01 speed" in names
    assert 'data-title="4-chamber, 2021-03-01" aria-label="4-chamber, 2021-03-01 cine"' in html
    # the study page's single players keep their short names
    study = _control_names(client.get("/study/1.1").text)
    assert "Pause 4-chamber" in study and "Short axis frame" in study

    same = TestClient(_app(tmp_path / "same", monkeypatch, same_date=True))
    names = _control_names(same.get("/compare", params={"a": "1.1", "b": "2.1"}).text)
    assert len(set(names)) == 12, names
    assert "Pause 4-chamber, left, 2021-03-01" in names
    assert "Pause 4-chamber, right, 2021-03-01" in names


def test_the_slash_switch_is_in_the_header_without_sign_in(
        client: TestClient, secured: Secured) -> None:
    """Open mode links no account page, where the switch was: it is in the header there. A
    signed-in header keeps its account link, and the account page its switch."""
    for path in ("/", "/teaching", "/upload"):
        header = client.get(path).text.split("</header>")[0]
        assert ('<label class="shortcut-switch"><input type="checkbox" id="shortcut-slash-top" '
                'class="shortcut-setting" checked> <kbd>/</kbd> jumps to search</label>') \
            in header, path
        assert 'href="/account"' not in header
    signed = secured.client
    token = csrf_of(signed, "/login")
    assert signed.post("/login", data={"name": "viewer", "password": "viewer password!",
                                       "csrf_token": token, "next": "/"}).status_code in {200, 303}
    header = signed.get("/").text.split("</header>")[0]
    assert 'href="/account"' in header and "shortcut-setting" not in header
    assert 'id="shortcut-slash" class="shortcut-setting"' in signed.get("/account").text


# --- in a real browser (Debian's Chromium, as tests/web/test_pages_accessibility.py) ---


def _images(data: Path) -> None:
    """A 6-frame cine and its poster for each fake study's two views."""
    yy, xx = np.mgrid[0:32, 0:32]
    frames = [Image.fromarray((((yy - 16) ** 2 + (xx - 16) ** 2 < (6 + k) ** 2) * 200)
                              .astype(np.uint8)) for k in range(6)]
    (data / "previews").mkdir(parents=True)
    for case in CASES:
        for name in (case.uid, f"{case.uid}-4ch"):
            frames[0].save(data / "previews" / f"{name}.webp", save_all=True,
                           append_images=frames[1:], duration=40, loop=0, lossless=True)
            frames[0].save(data / "previews" / f"{name}.png")


@pytest.fixture(scope="module")
def motion_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The fake index with posters and images served, one teaching file: (URL, its path)."""
    data = tmp_path_factory.mktemp("motion")
    _images(data)
    with pytest.MonkeyPatch.context() as monkeypatch:
        app = _app(data, monkeypatch)
    teaching = _teaching_file(TestClient(app))
    for url in served(app):
        yield url, teaching


@pytest.fixture
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.mark.slow
@browser
def test_previews_wait_for_the_header_button_where_motion_is_reduced(
        chromium: Any, motion_server: tuple[str, str]) -> None:
    """The teaching file's case starts still under reduced motion; the header's button (a
    keyboard reaches it) plays and pauses it; a player whose strip cannot load keeps its
    fallback still, and that too follows the button."""
    from playwright.sync_api import expect

    base, teaching = motion_server
    page = chromium.new_page(reduced_motion="reduce")
    page.goto(base + teaching)
    thumb, toggle = page.locator("li.card img.preview"), page.locator(".motion-toggle")
    expect(toggle).to_have_text("Play previews")
    expect(thumb).to_have_attribute("src", "/media/previews/1.1.png")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(thumb).to_have_attribute("src", "/media/previews/1.1.webp")
    expect(toggle).to_have_text("Pause previews")
    page.keyboard.press("Enter")
    expect(thumb).to_have_attribute("src", "/media/previews/1.1.png")

    page.route("**/media/sprite/**", lambda route: route.abort())
    page.goto(f"{base}/study/1.1")
    fallback = page.locator("figure.player img.fallback").first
    expect(fallback).to_have_class(re.compile(r"\bpreview\b"))
    expect(fallback).to_have_attribute("src", "/media/previews/1.1.png")
    expect(page.locator("figure.player .controls").first).to_be_hidden()  # they did nothing
    expect(toggle).to_be_visible()
    toggle.click()
    expect(fallback).to_have_attribute("src", "/media/previews/1.1.webp")
    # "Pause both" steers the players' frames: over fallbacks it would say "Play both" while
    # they move, so it goes, and the header's button stops them
    page.goto(f"{base}/compare?a=1.1&b=2.1")
    expect(page.locator(".play-all")).to_be_hidden()
    expect(page.locator("figure.player img.fallback.preview").first).to_be_attached()
    page.close()


@pytest.mark.slow
@browser
def test_a_compare_player_without_frames_does_not_lead_the_others(
        chromium: Any, motion_server: tuple[str, str]) -> None:
    """The first study's strips fail: the second's players keep their own pace (they took the
    failed one's one-frame cycle and jumped to a frame at every screen refresh)."""
    from playwright.sync_api import expect

    base, _ = motion_server
    page = chromium.new_page()
    page.route("**/media/sprite/1.1/**", lambda route: route.abort())
    page.goto(f"{base}/compare?a=1.1&b=2.1")
    playing = page.locator('figure.player[data-frames="6"]').first
    expect(playing).to_be_attached()
    changes = page.evaluate("""(fig) => new Promise((done) => {
        let seen = fig.dataset.frame, count = 0;
        const start = performance.now();
        function look(now) {
          if (fig.dataset.frame !== seen) { seen = fig.dataset.frame; count += 1; }
          if (now - start < 1000) requestAnimationFrame(look); else done(count);
        }
        requestAnimationFrame(look);
    })""", playing.element_handle())
    assert 0 < changes <= 30, changes  # 6 frames of 40 ms: 25 a second
    page.close()


@pytest.mark.slow
@browser
def test_compare_players_and_the_slash_switch_in_a_browser(
        chromium: Any, motion_server: tuple[str, str]) -> None:
    """app.js names the play buttons from data-title (each study's own); the header's "/"
    switch turns the shortcut off and on, and is remembered."""
    from playwright.sync_api import expect

    base, _ = motion_server
    page = chromium.new_page()
    page.goto(f"{base}/compare?a=1.1&b=2.1")
    expect(page.locator("figure.player .controls").first).to_be_visible()
    buttons = page.locator("figure.player button.play")
    names = [buttons.nth(i).get_attribute("aria-label") for i in range(buttons.count())]
    assert len(names) == 4 and len(set(names)) == 4, names
    page.locator(".play-all").click()
    assert "Play 4-chamber, 2020-01-01" in [buttons.nth(i).get_attribute("aria-label")
                                            for i in range(4)]

    page.goto(f"{base}/teaching")
    switch = page.locator("#shortcut-slash-top")
    expect(switch).to_be_checked()
    switch.focus()
    page.keyboard.press("Space")  # the keyboard turns it off
    expect(switch).not_to_be_checked()
    page.goto(f"{base}/upload")
    expect(page.locator("#shortcut-slash-top")).not_to_be_checked()
    page.locator("h1").click()
    page.keyboard.press("/")
    assert page.url.endswith("/upload")  # "/" went nowhere
    page.locator("#shortcut-slash-top").check()
    page.locator("h1").click()
    page.keyboard.press("/")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/account")  # the account page's switch and the header's agree
    page.locator("#shortcut-slash").uncheck()
    expect(page.locator("#shortcut-slash-top")).not_to_be_checked()
    page.close()


@pytest.fixture(scope="module")
def slices_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fake index whose studies have three short-axis slices (the tabs of the study page)."""
    data = tmp_path_factory.mktemp("slices")
    _images(data)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr("web.pages.sax_slices",
                            lambda cache, uid: ["sax_basal", "sax_mid", "sax_apical"])
        app = _app(data, monkeypatch)
        yield from served(app)


@pytest.mark.slow
@browser
def test_a_slice_tab_shows_its_own_strip_or_none(chromium: Any, slices_server: str) -> None:
    """Two quick clicks: the slower basal strip answered last and played under "SAX apical";
    a slice whose strip failed left the one before playing under its name. The strips' loads
    are answered by hand, in the order each case needs."""
    from playwright.sync_api import expect

    page = chromium.new_page()
    page.add_init_script("""window.__strips = [];
        window.Image = function () {  // the player's strip loads, answered by the test
          const img = {naturalWidth: 96, naturalHeight: 16}; window.__strips.push(img); return img;
        };""")
    page.goto(f"{slices_server}/study/1.1")
    screen = page.locator(".sax-block figure.player .screen")

    def answer(strip: str, how: str) -> None:
        """The latest load of `strip` (other players load theirs too) answered as `how`."""
        page.evaluate(f"""() => window.__strips.filter(
            (i) => String(i.src).endsWith("/{strip}")).pop().{how}()""")

    answer("sax_mid.png", "onload")
    expect(screen).to_have_class(re.compile(r"\bready\b"))
    page.locator('.slice-tabs button[data-slice="sax_basal"]').click()
    page.locator('.slice-tabs button[data-slice="sax_apical"]').click()
    answer("sax_apical.png", "onload")
    answer("sax_basal.png", "onload")  # asked first, answers last
    assert "sax_apical.png" in screen.evaluate("s => s.style.backgroundImage")
    page.locator('.slice-tabs button[data-slice="sax_mid"]').click()
    answer("sax_mid.png", "onerror")  # the middle slice's strip is gone now
    expect(screen).to_have_attribute("aria-label", re.compile(r": not available$"))
    assert screen.evaluate("s => s.style.backgroundImage") == "none"
    expect(page.locator(".sax-block figure.player .controls")).to_be_hidden()
    page.close()
