"""What an add leaves for the page after its redirect: a typed note held once, in this process;
the path a result card's add goes back to."""

from __future__ import annotations

import pytest

from accounts import Principal, Role, Via
from web import teaching_kept
from web.teaching_kept import keep, safe_back, take


def _person(name: str) -> Principal:
    return Principal(name, Role.CURATOR, Via.OPEN)


def test_a_typed_form_is_read_once_and_only_by_its_curator() -> None:
    keep(_person("Ada"), 3, (7, "classic case\n\ndup", "dcm"))
    assert take(_person("bob"), 3, 7) is None and take(_person("ada"), 4, 7) is None
    assert take(_person("ada"), 3, 7) == (7, "classic case\n\ndup", "dcm")
    assert take(_person("ada"), 3, 7) is None


def test_the_oldest_forms_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(teaching_kept, "KEPT_MOST", 2)
    for case_id in (1, 2, 3):
        keep(_person("ada"), 9, (case_id, "n", ""))
    assert take(_person("ada"), 9, 1) is None and take(_person("ada"), 9, 3) is not None
    take(_person("ada"), 9, 2)


@pytest.mark.parametrize(("back", "kept"), [
    ("/?q=dilated+LV&sex=F", "/?q=dilated+LV&sex=F"),
    ("/similar/1.1?view=4ch", "/similar/1.1?view=4ch"),
    ("//evil.example/", None), ("https://evil.example/", None), ("/\\evil.example", None),
    ("/a\r\nSet-Cookie: x=1", None), ("", None), ("/" + "x" * 2000, None)])
def test_a_card_goes_back_only_to_a_path_on_this_site(back: str, kept: str | None) -> None:
    assert safe_back(back) == kept
