"""The keyboard and the result cards' teaching control in a real browser (Debian's Chromium
driven by Playwright), over the fake-encoder index: no model, no archive."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.encoder import FakeEncoder
from fakes.index import CASES, build
from fakes.web import served

from cmr_search.settings import Settings
from search import SearchEngine
from vectorstore import MemoryStore
from web.app import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Debian chromium is not installed (make test installs it)")]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    engine = SearchEngine(build(MemoryStore(), CASES), FakeEncoder())
    settings = Settings(data_dir=tmp_path_factory.mktemp("keys"), open_role="curator")
    return create_app(settings, engine=engine, open_access=True)


@pytest.fixture(scope="module")
def server(app: Any) -> Iterator[str]:
    yield from served(app)


@pytest.fixture
def page(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser.new_page(viewport={"width": 1360, "height": 900})
        browser.close()


def test_a_slash_in_the_focused_empty_search_box_types_nothing(page: Any, server: str) -> None:
    """The home page focuses its empty box; a "/" pressed for the shortcut typed itself
    ("/dilated LV" was searched)."""
    page.goto(f"{server}/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("/dilated LV")
    assert page.input_value("#q") == "dilated LV"
    page.keyboard.type(" 1/7")  # a "/" inside a query types as ever
    assert page.input_value("#q") == "dilated LV 1/7"
    page.goto(f"{server}/?q=dilated+LV")  # from elsewhere on the page: the shortcut
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    assert page.input_value("#q") == "dilated LV"


def test_a_result_card_adds_its_case_and_the_results_say_so(page: Any, server: str,
                                                           app: Any) -> None:
    """Its buttons post a form outside the search form (forms do not nest): the search's
    own fields are not sent, and the results come back with one line."""
    from playwright.sync_api import expect

    collection_id = app.state.teaching.create("local", "Scar teaching")
    page.goto(f"{server}/?q=dilated+LV")
    card = page.locator("li.card").first
    card.locator("details.card-teach summary").click()
    card.locator("details.card-teach button", has_text="Scar teaching").click()
    page.wait_for_url("**/?q=dilated+LV")
    expect(page.locator(".teach-added")).to_contain_text("Added to teaching file “Scar teaching”.")
    assert [c.study_instance_uid for c in app.state.teaching.cases(collection_id)] == ["1.2"]


def test_a_refused_add_brings_its_reason_into_view(page: Any, server: str) -> None:
    """The study page came back with the reason at its foot, out of sight."""
    page.goto(f"{server}/study/1.1")
    page.fill("input[name=new_name]", "Scars")
    page.fill("textarea[name=note]", "septal LGE")
    page.fill("input[name=tags]", "dcm, Dr Smith")
    page.click("section.teach button[type=submit]")
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.id") == "teach-error"
    assert page.input_value("textarea[name=note]") == "septal LGE"
