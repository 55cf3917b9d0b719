"""The engine the settings describe: their store, their checkpoint, their fusion weights."""

from __future__ import annotations

from cmr_search.settings import Settings
from indexer.embed import Embedder
from indexer.store import VectorStore
from indexer.store.factory import open_index
from search.engine import SearchEngine, Weights


def weights_of(settings: Settings) -> Weights:
    return Weights(images=settings.weight_images, reports=settings.weight_reports,
                   keywords=settings.weight_keywords,
                   labels=settings.weight_labels, contrast=settings.query_contrast,
                   rrf_k=settings.rrf_k)


def open_engine(settings: Settings, store: VectorStore | None = None) -> SearchEngine:
    """Loads the model (a few seconds on a CPU) and opens the index without reading it."""
    return SearchEngine(store if store is not None else open_index(settings),
                        Embedder.from_checkpoint(settings.checkpoint_dir), weights_of(settings))
