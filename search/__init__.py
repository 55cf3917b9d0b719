"""Search a CMR archive: free text, find-similar, query by a new study, filters and facets.

    from search import SearchEngine, SearchRequest, open_engine
    engine = open_engine(settings)
    response = engine.search(SearchRequest(q="dilated LV with LGE"))
"""

from search.engine import SearchEngine
from search.errors import FilterError, NotFoundError, NotReadyError, QueryError, SearchError
from search.factory import open_engine
from search.filters import FILTER_KEYS, SearchFilters, build_filters, parse_filters
from search.models import (
    FacetsResponse,
    Mode,
    Page,
    Result,
    SearchRequest,
    SearchResponse,
    SimilarRequest,
    Sort,
    StudyDetail,
    Versions,
)
from search.ranking import Weights

__all__ = [
    "FILTER_KEYS", "FacetsResponse", "FilterError", "Mode", "NotFoundError", "NotReadyError",
    "Page", "QueryError", "Result", "SearchEngine", "SearchError", "SearchFilters", "SearchRequest",
    "SearchResponse", "SimilarRequest", "Sort", "StudyDetail", "Versions",
    "Weights", "build_filters", "open_engine", "parse_filters",
]
