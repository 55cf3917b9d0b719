"""Whether an index can answer this model's queries, and the versions every answer carries."""

from __future__ import annotations

from catalog import INDEX_VERSION, mismatch
from search.errors import NotReadyError
from search.models import Versions
from vectorstore import StoreError, VectorStore

# what a store without an index is told, by `query` and `stats` alike (`cli.stats`)
NO_INDEX = "no index yet; run `cmr-search index ARCHIVE`"


def check_ready(store: VectorStore, model: dict[str, object]) -> None:
    """NotReadyError (one line, with the fix) unless the store holds an index of `model`."""
    try:
        metadata = store.metadata()
    except StoreError as error:
        raise NotReadyError(str(error)) from None
    if metadata is None:
        raise NotReadyError(NO_INDEX)
    reason = mismatch(metadata, {"index_version": INDEX_VERSION, "model": model})
    if reason is not None:
        raise NotReadyError(reason)


def versions(store: VectorStore, model_key: str) -> Versions:
    """Model, index version and (embedded store) the generation being read."""
    try:
        generation = getattr(store, "generation", None)
    except StoreError:  # no generation published yet: the answer says not ready elsewhere
        generation = None
    return Versions(model=model_key, index=INDEX_VERSION,
                    generation=generation if isinstance(generation, str) else None)
