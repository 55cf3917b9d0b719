"""What a filter that matches nothing says: a vendor not in the index is said (with the
vendors it holds), not refused, as a filter value may simply match nothing today."""

from __future__ import annotations

from search import SearchEngine, SearchFilters, SearchResponse


def vendor_note(engine: SearchEngine, filters: SearchFilters) -> str | None:
    """`?vendor=zzz` gave 0 results without a word: the vendors no indexed study is from."""
    if not filters.vendor:
        return None
    # the whole index's vendors (counts are cached per index generation)
    vendors = engine.facets(SearchFilters()).facets.get("vendor", {})
    absent = [v for v in filters.vendor if v not in vendors]
    if not absent:
        return None
    here = ", ".join(sorted(vendors)) or "none"
    return f"no study in the index is from vendor {absent[0][:64]!r}; vendors here: {here}"


def with_vendor_note(response: SearchResponse, note: str | None) -> SearchResponse:
    """The note among what the query did not find (the API's `interpretation.not_read`)."""
    said = response.interpretation
    if not note or said is None:
        return response
    # copies: the engine's answer is not changed where it may be kept
    said = said.model_copy(update={"not_read": [*said.not_read, note]})
    return response.model_copy(update={"interpretation": said})
