"""The text model's embeddings that tell its vocabulary's names from its words."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from indexer.deidentify import scrub_free_text
from indexer.names import embedded, gazetteer


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The model's package gone: its caches are cleared before and after."""
    monkeypatch.setattr(embedded, "_MODEL", ("no_such_model_package", "model"))
    embedded._tokens.cache_clear()
    embedded.name_like.cache_clear()
    yield
    embedded._tokens.cache_clear()
    embedded.name_like.cache_clear()


def test_missing_embeddings_scrub_more_with_one_warning(
        no_model: None, caplog: pytest.LogCaptureFixture) -> None:
    """A missing package or safetensors file raised mid-index on the first signed report;
    now every vocabulary entry reads as a possible name, and a warning says so once."""
    with caplog.at_level(logging.WARNING, logger=embedded.__name__):
        assert scrub_free_text("Reported by: Dmitri") == "Reported by: [name]"
        assert not gazetteer.ordinary_word("headache")
        assert scrub_free_text("Radiographer: Headache.") == "Radiographer: [name]."
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "embeddings" in warnings[0].getMessage()


def test_the_same_words_read_the_same_in_a_fresh_cache() -> None:
    """Determinism: the decision is the embeddings', not the order words were asked in."""
    words = ["dmitri", "headache", "nakamura", "murmur", "pharmacy", "sergei"]
    first = [gazetteer.ordinary_word(w) for w in words]
    embedded.name_like.cache_clear()
    assert [gazetteer.ordinary_word(w) for w in reversed(words)] == first[::-1]
