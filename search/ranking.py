"""Ranking: each signal's own ranking (for the explanations) and their weighted RRF fusion."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from catalog import PayloadField
from cmr_search.settings import Settings
from search.errors import QueryError
from search.models import MAX_DEPTH, Page, Signal
from vectorstore import (
    Filter,
    Hit,
    Nearest,
    Recommend,
    Search,
    StoreError,
    VectorStore,
    both,
    rrf,
)

# the ranking carries what grouping and sorting need; the shown page loads the rest
RANKING_FIELDS = (PayloadField.PATIENT_KEY.value, PayloadField.STUDY_DATE.value)


def _default(name: str) -> Any:
    return Settings.model_fields[name].default


@dataclass(frozen=True)
class Weights:
    """Reciprocal rank fusion weights, and how far a finding named in the query moves the image
    query towards its positive prompts (or away, when ruled out). The defaults are the
    settings' (CMR_SEARCH_WEIGHT_*, chosen with bench/search_quality.py), written once there."""

    images: float = _default("weight_images")
    examples: float = _default("weight_examples")  # the image signal of study-to-study search
    reports: float = _default("weight_reports")
    keywords: float = _default("weight_keywords")
    measures: float = _default("weight_measures")
    labels: float = _default("weight_labels")
    measured_findings: float = _default("weight_measured_findings")
    contrast: float = _default("query_contrast")
    candidates: int = 50  # per signal, before fusion (query cost grows with it)
    rrf_k: int = _default("rrf_k")  # rank damping: 1 / (k + rank); smaller trusts the top more

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Weights:
        if settings is None:
            return cls()
        s = settings
        return cls(images=s.weight_images, examples=s.weight_examples, reports=s.weight_reports,
                   keywords=s.weight_keywords, labels=s.weight_labels,
                   measures=s.weight_measures, measured_findings=s.weight_measured_findings,
                   contrast=s.query_contrast, rrf_k=s.rrf_k)


@dataclass(frozen=True)
class Part:
    """One signal of a search: its query and its weight in the fusion. With `tiers`, its
    query runs once per tier (each tier's filter on top of its own) and every tier's hits
    rank before the next tier's: an order the vectors cannot give, such as a measured grade."""

    signal: Signal
    query: Nearest | Recommend
    weight: float
    tiers: tuple[Filter, ...] = ()

    def queries(self) -> list[Nearest | Recommend]:
        if not self.tiers:
            return [self.query]
        return [replace(self.query, where=both(self.query.where, tier)) for tier in self.tiers]


@dataclass
class Ranked:
    hits: list[Hit]
    ranks: dict[Signal, dict[str, tuple[int, float]]]  # signal -> point id -> (rank, score)


def depth(page: Page, candidates: int) -> int:
    """How far down each ranking must reach to fill the page (a patient's other studies
    take room when results are grouped per patient)."""
    if page.offset + page.limit > MAX_DEPTH:
        raise QueryError(f"page {page.page} of {page.limit} per page reaches result "
                         f"{page.offset + page.limit}, past the first {MAX_DEPTH} the deepest "
                         "pages go: narrow the query or the filters")
    spread = 4 if page.per_patient else 1
    return min(MAX_DEPTH, max(candidates, (page.offset + page.limit) * spread))


def rank(store: VectorStore, parts: list[Part], where: Filter, page: Page, candidates: int,
         rrf_k: int) -> Ranked:
    """The fused ranking (or the one signal's), and each signal's own ranks: every signal's
    query once, all in one batch (one round trip to a server, one planned pass over an
    embedded shard), fused here with the store's own formula. Asking the store to fuse as
    well would run every signal's query a second time inside its fusion (4 of 9 ms of store
    time at 10,000 studies; docs/scaling.md)."""
    limit = depth(page, candidates)
    queries = [p.queries() for p in parts]
    searches = [Search(q, limit, where, RANKING_FIELDS) for qs in queries for q in qs]
    try:
        answers = iter(store.query_batch(searches))
    except StoreError as error:
        raise QueryError(str(error)) from None
    # a tiered part's answers, one per tier, joined in tier order
    found = [_joined([next(answers) for _ in qs], limit) for qs in queries]
    # the labels signal is explained by findings_matched, not by a rank of its own
    ranks = {part.signal: {h.id: (i + 1, h.score) for i, h in enumerate(hits)}
             for part, hits in zip(parts, found, strict=True)
             if part.signal is not Signal.REPORT_LABELS or len(parts) == 1}
    if len(parts) == 1:
        return Ranked(found[0], ranks)
    payloads = {h.id: h.payload for hits in found for h in hits}
    fused = rrf([[h.id for h in hits] for hits in found], [p.weight for p in parts], rrf_k)
    return Ranked([Hit(pid, score, payloads[pid]) for pid, score in fused[:limit]], ranks)


def _joined(tiers: list[list[Hit]], limit: int) -> list[Hit]:
    """The hits of every tier in tier order, each point once (at its first tier)."""
    seen: dict[str, Hit] = {}
    for hits in tiers:
        for hit in hits:
            seen.setdefault(hit.id, hit)
    return list(seen.values())[:limit]
