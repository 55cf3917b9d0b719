"""What a search did that its results alone do not say: a query of which nothing was read,
a vendor no indexed study is from, a range of the query that the filter form's excludes, the
studies a QC-flagged value left out, and a ruled-out finding some studies' images cannot
show. Each is a notice the page and the API give beside the results; a clinician read "50
studies" for a query of nonsense, and a bare "No studies match" for "LVEF under 30 %" with
the form's LVEF from 50 %.
"""

from __future__ import annotations

from collections.abc import Collection

from catalog import PayloadField, ReportStatus
from cmr_search.vocab import SEEN_ON, Finding, View
from search.filters import SearchFilters
from search.flagged import Ends, WhereFor, flagged_left_out, meet
from search.measure_words import SHORT, UNIT
from search.models import Mode, Notice, NoticeKind, Page, SearchRequest
from search.understand import QueryIntent
from vectorstore import Condition, Filter, Match, MatchAny, VectorStore

# how `search.unread` notes a number beside a measurement that is no range ("'EF 30': searched
# as words; write ..."); a tissue word's note ends "...; searched as words", with no phrase
_WORDS_NOTE = "': searched as words; "
_VIEW_WORDS = {View.LGE_SAX: "LGE", View.LGE_LAX: "LGE", View.CH3_CINE: "3-chamber cine",
               View.LVOT_CINE: "LVOT cine", View.SAX_CINE: "short-axis cine"}


def search_notices(store: VectorStore, intent: QueryIntent, request: SearchRequest,
                   where_for: WhereFor, vendors: Collection[str]) -> list[Notice]:
    """Every notice of a free-text search, in the order a reader needs them (`vendors`: the
    whole index's)."""
    out = [n for n in (nothing_read(intent, request.mode),
                       unknown_vendor(request.filters, vendors)) if n is not None]
    conflicting = conflicts(intent, request.filters)
    out += conflicting
    clashing = {f for n in conflicting for f in n.about}
    out += flagged_left_out(store, intent, request.filters, _searched(where_for, request.mode),
                            clashing, request.page)
    if request.mode is not Mode.REPORTS:  # a report-less study is judged by its images
        out += not_assessed(store, intent, where_for(intent, request.filters),
                            request.mode is not Mode.IMAGES)
    return out


def example_notices(store: VectorStore, filters: SearchFilters, where: Filter, page: Page,
                    vendors: Collection[str]) -> list[Notice]:
    """The notices of a search by example ("more like this", an uploaded study), whose only
    ranges are the form's: `where` is what it excludes besides the filters (the examples'
    patients), and the studies it cannot find (those without the view it compares, or
    without a report in reports mode: they were counted as left out by a flag). Such
    searches said nothing, not even of a vendor the index lacks."""
    out = [n for n in (unknown_vendor(filters, vendors),) if n is not None]
    no_words = QueryIntent(text="", wanted={}, ruled_out=(), diagnoses=(),
                           ruled_out_diagnoses=(), keyword_text="")
    return out + flagged_left_out(store, no_words, filters,
                                  lambda _, f: f.to_store().and_(where), set(), page)


def unknown_vendor(filters: SearchFilters, vendors: Collection[str]) -> Notice | None:
    """A filter's vendor no indexed study is from, and the vendors the index holds: it gave 0
    results without a word. Said, not refused: a filter value may simply match nothing today."""
    absent = [v for v in filters.vendor or () if v not in vendors]
    if not absent:
        return None
    here = ", ".join(sorted(vendors)) or "none"
    return Notice(kind=NoticeKind.UNKNOWN_VENDOR, about=["vendor"],  # counts no studies
                  text=f"no study in the index is from vendor {absent[0][:64]!r}; vendors "
                       f"here: {here}")


def _searched(where_for: WhereFor, mode: Mode) -> WhereFor:
    """`where_for`, of the studies the mode searches: a report-less study is never found by
    its report, and "LVEF below 35 %" in reports mode counted the flagged ones."""
    if mode is not Mode.REPORTS:
        return where_for
    present = Filter((Match(PayloadField.REPORT_STATUS, ReportStatus.PRESENT.value),))
    return lambda intent, filters: where_for(intent, filters).and_(present)


def nothing_read(intent: QueryIntent, mode: Mode) -> Notice | None:
    """A query read as no finding, diagnosis nor range: it leaves no study out, and the
    ranking is the words' similarity alone (a nonsense query listed the whole archive,
    ranked, with no word of it). Not where a number of the query is noted as searched as
    words ("'EF 30': searched as words; write 'LVEF below 30' ..."): "EF 30" said it twice.
    The other notes ("'siemens': the words do not choose the vendor", a tissue word) say
    nothing of the ranking: "asdkjh siemens" lost the notice."""
    if (any(_WORDS_NOTE in note for note in intent.unread) or intent.wanted
            or intent.ruled_out or intent.diagnoses
            or intent.ruled_out_diagnoses or intent.bounds or intent.either_bounds
            or intent.either_way or intent.any_of):
        return None
    what = {Mode.IMAGES: "images", Mode.REPORTS: "reports"}.get(mode, "images and reports")
    return Notice(kind=NoticeKind.NOTHING_READ,
                  text="Nothing in the query was recognised as a finding, diagnosis or "
                       f"measurement: no study is left out for it, and the studies are ranked "
                       f"by how similar their {what} are to the words only")


def _form_words(name: str, ends: Ends) -> str:
    """A range of the filter form as its boxes say it (inclusive)."""
    low, high = ends
    short, unit = SHORT[name], UNIT[name]
    if low is not None and high is not None:
        return f"{short} {low:g}-{high:g} {unit}"
    return f"{short} from {low:g} {unit}" if low is not None else f"{short} up to {high:g} {unit}"


def conflicts(intent: QueryIntent, filters: SearchFilters) -> list[Notice]:
    """Each range of the query that the form's range of the same measurement excludes
    (a range of an "or" all of whose sides it excludes): both hold, so no study matches."""
    form = filters.measured_ranges()
    groups = [(b,) for b in intent.bounds] + list(intent.either_bounds)
    out = []
    for group in groups:
        clashes = [b for b in group if b.name in form
                   and meet((b.low, b.high), form[b.name]) is None]
        if not clashes or len(clashes) < len(group):
            continue
        asked = " or ".join(b.shown() for b in group)
        phrases = "' or '".join(dict.fromkeys(b.phrase for b in group))
        given = " and ".join(dict.fromkeys(_form_words(b.name, form[b.name]) for b in group))
        names = sorted({b.name for b in group})
        out.append(Notice(
            kind=NoticeKind.CONFLICTING_RANGES, count=0,
            about=[f"{n}_{side}" for n in names for side in ("min", "max")
                    if getattr(filters, f"{n}_{side}") is not None],
            text=f"The query's {asked} (from '{phrases}') and the filters' {given} cannot "
                 "both hold: no study can match; change the query or clear the filter"))
    return out


def not_assessed(store: VectorStore, intent: QueryIntent, where: Filter,
                 use_reports: bool) -> list[Notice]:
    """Per ruled-out finding seen on views some studies lack ("no LGE" of cine-only
    studies): the studies found that have none of those views, and no report (where reports
    are read) that rules it out. Nothing decided the finding there: they are listed for the
    words and the other images, not as shown free of it."""
    out = []
    for finding in intent.ruled_out:
        views = SEEN_ON.get(finding)
        if not views:
            continue
        seen_on = tuple(sorted(v.value for v in views))
        must_not: list[Condition] = [MatchAny(PayloadField.VIEWS, seen_on)]
        if use_reports:
            must_not.append(Match(PayloadField.REPORT_NEGATED, finding.value))
        count = store.count(where.and_(Filter(must_not=tuple(must_not))))
        if count:
            out.append(_not_assessed(finding, views, count, use_reports))
    return out


def _not_assessed(finding: Finding, views: frozenset[View], count: int,
                  use_reports: bool) -> Notice:
    seen_on = " or ".join(sorted({_VIEW_WORDS.get(v, v.value) for v in views}))
    label = "LGE" if finding is Finding.LGE else finding.value.replace("_", " ")
    label = label.replace("lv ", "LV ").replace("rv ", "RV ")
    report = f" and no report that rules {label} out" if use_reports else ""
    studies = "study found has" if count == 1 else "studies found have"
    them = "it" if count == 1 else "them"
    return Notice(kind=NoticeKind.NOT_ASSESSED, count=count, about=[finding.value],
                  text=f"{count} {studies} no {seen_on} images{report}: 'no {label}' could "
                       f"not be checked for {them} (listed by the words and the other "
                       "images)")
