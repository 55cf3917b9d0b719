"""Paging a study search: every page until an empty one, with a warning where a server's
paging may have cut the list."""

from __future__ import annotations

import logging

import pytest

from pacs.client import RemoteStudy, pages


def _studies(n: int) -> list[RemoteStudy]:
    return [RemoteStudy(f"1.2.{i}") for i in range(n)]


def test_a_full_page_then_nothing_is_warned(caplog: pytest.LogCaptureFixture) -> None:
    """Orthanc with ModalitiesInStudy answered offset 3 with nothing while 6 studies matched:
    3 were indexed and nothing said so."""
    listed = _studies(6)

    def broken(offset: int, limit: int) -> list[RemoteStudy]:
        return listed[:limit] if offset == 0 else []

    with caplog.at_level(logging.WARNING, logger="pacs.client"):
        found = [s for page in pages(broken, 3) for s in page]
    assert len(found) == 3 and "a whole number of pages of 3" in caplog.text


def test_a_short_last_page_ends_quietly(caplog: pytest.LogCaptureFixture) -> None:
    listed = _studies(5)
    with caplog.at_level(logging.WARNING, logger="pacs.client"):
        found = [s for page in pages(lambda o, n: listed[o:o + n], 3) for s in page]
    assert len(found) == 5 and caplog.text == ""
