"""BM25 keyword vectors: stemmed, stop words dropped, the same for every store."""

from __future__ import annotations

from vectorstore.keywords import KEYWORD_ENCODER, keyword_document, keyword_query


def test_inflections_share_a_token_and_stop_words_have_none() -> None:
    dilated = set(keyword_query("dilated").indices)
    assert dilated and dilated <= set(keyword_document("The ventricle was dilated.").indices)
    assert not keyword_query("the and of").indices
    assert "bm25" in KEYWORD_ENCODER
