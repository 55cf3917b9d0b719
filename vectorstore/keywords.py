"""Keyword (BM25) sparse vectors, computed in this process for any store.

Qdrant Edge ships the tokenizer (English stemming, stop words, hashed token ids); the same
vectors go to the embedded store and to a Qdrant server, whose collection applies the IDF
(`Modifier.Idf`) at query time. `KEYWORD_ENCODER` names it in the index identity: a change of
tokenizer must rebuild the index.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from vectorstore.types import SparseVector

_LANGUAGE = "english"
_AVG_LEN = 120  # words in a typical CMR report, BM25's length normalisation
KEYWORD_ENCODER = f"qdrant-edge-bm25:{_LANGUAGE}:{_AVG_LEN}"


@cache
def _bm25() -> Any:
    import qdrant_edge as qe  # only the tokenizer: a server deployment never opens a shard

    return qe.Bm25(qe.Bm25Config(language=_LANGUAGE, avg_len=_AVG_LEN))


def keyword_document(text: str) -> SparseVector:
    """The BM25 term-frequency vector of a stored text."""
    vector = _bm25().embed_document(text)
    return SparseVector(tuple(vector.indices), tuple(vector.values))


def keyword_query(text: str) -> SparseVector:
    """The BM25 query vector of a search text."""
    vector = _bm25().embed_query(text)
    return SparseVector(tuple(vector.indices), tuple(vector.values))
