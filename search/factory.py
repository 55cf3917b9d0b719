"""The engine the settings describe: their store, their checkpoint, their fusion weights."""

from __future__ import annotations

from cmr_search.settings import Settings
from search.encoder import QueryEncoder
from search.engine import SearchEngine
from search.ranking import Weights
from vectorstore import VectorStore
from vectorstore.factory import open_index


def load_encoder(settings: Settings, accelerate: bool = True) -> QueryEncoder:
    """The checkpoint the settings name (the demo one by default), its query text encoder in
    the settings' runtime (exported to ONNX at the first start); seconds on a CPU."""
    from cmrclip.checkpoint import checkpoint_folder
    from cmrclip.inference import Encoder  # torch loads here, not when search is imported

    encoder = Encoder.from_checkpoint(checkpoint_folder(settings.checkpoint), settings.device)
    if accelerate:
        encoder.accelerate_text(settings.layout.models, settings.query_text_runtime)
    return encoder


def open_engine(settings: Settings, store: VectorStore | None = None,
                encoder: QueryEncoder | None = None, ready_first: bool = False) -> SearchEngine:
    """The engine over the settings' index (opened, not read) with their model and weights.

    `ready_first` (a one-off command): an index that cannot answer this model is refused
    before the text encoder is exported, which takes seconds and 88 MB in the data folder."""
    store = store if store is not None else open_index(settings)
    weights = Weights.from_settings(settings)
    if encoder is not None or not ready_first:
        return SearchEngine(store, encoder if encoder is not None else load_encoder(settings),
                            weights)
    from cmrclip.inference import Encoder

    loaded = load_encoder(settings, accelerate=False)
    engine = SearchEngine(store, loaded, weights)
    engine.check_ready()
    if isinstance(loaded, Encoder):
        loaded.accelerate_text(settings.layout.models, settings.query_text_runtime)
    return engine
