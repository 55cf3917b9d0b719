"""`cmr-search query` and `cmr-search similar`: search the index from a terminal."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from cli.common import checkpoint_line, fail, settings_of
from search import (
    FilterError,
    Mode,
    NotReadyError,
    Page,
    QueryError,
    SearchEngine,
    SearchError,
    SearchFilters,
    SearchRequest,
    SearchResponse,
    SimilarRequest,
    Sort,
    open_engine,
    parse_filters,
)
from search.filters import validation_line
from search.models import Signal

_FILTER_HELP = ("KEY=VALUE, repeatable: date=2020-01-01..2021-12-31, age=40..60, sex=F, "
                "vendor=siemens, field_strength=3..3, view=lge_sax, finding=lge, "
                "no_finding=lv_dilation, diagnosis=dcm, image_finding=lge, "
                "image_score_min=0.7, report=present|missing; measurements (QC-flagged "
                "values never pass): lvef=..35, rvef=..40, lv_edv=200.. (ml), rv_edv=250.., "
                "lv_edv_index=100.. (ml/m2), rv_edv_index=110.., lv_mass=150.. (g), "
                "lv_mass_index=80.. (g/m2), max_wall_thickness=15.. (mm), scar=1.. (%)")

_SHORT = {Signal.IMAGES: "img", Signal.REPORTS: "rep", Signal.KEYWORDS: "kw",
          Signal.EXAMPLES: "sim", Signal.REPORT_EXAMPLES: "rsim", Signal.MEASURES: "msr",
          Signal.REPORT_LABELS: "lbl", Signal.MEASURED_FINDINGS: "mf"}
JsonOpt = Annotated[bool, typer.Option("--json", help="print one JSON object")]
LimitOpt = Annotated[int, typer.Option(min=1, max=100)]
FilterOpt = Annotated[list[str] | None, typer.Option("--filter", "-f", help=_FILTER_HELP)]
SortOpt = Annotated[Sort, typer.Option(help="relevance, or newest first")]
AllOpt = Annotated[bool, typer.Option("--all-studies", help="every study, not one per patient")]


def _filters(items: list[str]) -> SearchFilters:
    """The --filter options; a refused one said as the web page says it, in the filter form's
    words, after the option as typed ("filter lvef=90..10: LVEF from 90 % is above LVEF to
    10 %", "filter lvef=..120: LVEF to: a percentage, 0 to 100 (not 120)"): they named the
    API's fields ("lvef_min (90.0) is after lvef_max (10.0)", "filter lvef_max: ..."), which
    no option is."""
    try:
        return parse_filters(items)
    except FilterError as error:
        from web.filter_words import filter_message

        key = _option_of(error.fields[0]) if error.fields else ""
        typed = next((v.strip() for k, _, v in (i.partition("=") for i in items)
                      if k.strip() == key), None)
        if typed is None or key == error.fields[0] or str(error).startswith(f"filter {key}: "):
            raise  # said of the option already ("filter lvef: 'abc' is not a number ...")
        ends: dict[str, Any] = {}
        if len(error.fields) == 2:  # a range the wrong way round: its ends as typed
            ends = dict(zip(error.fields, (e.strip() for e in typed.partition("..")[::2]),
                            strict=True))
        shown = filter_message(error, SearchFilters.model_construct(**ends))
        raise FilterError(f"filter {key}={typed}: {shown}", error.fields) from None


def _option_of(field: str) -> str:
    """The --filter option a filter field is typed in: "lvef_max" -> "lvef",
    "study_date_from" -> "date"."""
    if field.startswith("study_date_"):
        return "date"
    return field.removesuffix("_min").removesuffix("_max")


def _engine(ctx: typer.Context, as_json: bool) -> SearchEngine:
    from cmrclip.checkpoint import CheckpointError
    from vectorstore import StoreError
    from vectorstore.factory import describe

    settings = settings_of(ctx)
    try:
        return open_engine(settings, ready_first=True)
    except NotReadyError as error:  # which index: a wrong CMR_SEARCH_DATA_DIR looks empty
        said = str(error)
        # a server that is down is named by the error already: its address was said twice
        where = f"collection {settings.qdrant_collection}" if settings.qdrant_url and \
            settings.qdrant_url in said else describe(settings)
        fail(f"{said} ({where})", as_json)
    except CheckpointError as error:  # a missing folder the setting named: said so
        fail(checkpoint_line(error, settings.checkpoint), as_json)
    except (SearchError, StoreError) as error:
        fail(str(error), as_json)


def _answer(ctx: typer.Context, request: SearchRequest | SimilarRequest,
            as_json: bool) -> SearchResponse:
    engine = _engine(ctx, as_json)
    try:
        if isinstance(request, SearchRequest):
            return engine.search(request)
        return engine.similar(request)
    finally:
        engine.store.close()  # an embedded shard opens in one process (and once) at a time


def _table(response: SearchResponse) -> Table:
    """The results, a study's identity whole at any width: its UID folds onto more lines
    where the terminal is narrow, and its impression (on the line below it) is cut instead.
    At 80 columns the UID was cut to "…c-patien…" (the last 12 characters, cropped again):
    no one could tell the studies apart. Date and age share a column, and "why" wraps at
    its spaces, to leave the UID the room (a 64-character UID takes two lines at 80)."""
    table = Table(title=f"{response.total} results (page {response.page})")
    table.add_column("#", no_wrap=True, justify="right")
    # the widest column: rich narrows it first, and every cell in it folds or is cut by itself
    table.add_column("study / impression", max_width=64)
    table.add_column("score", no_wrap=True)
    table.add_column("date, age", no_wrap=True)
    table.add_column("why", overflow="fold", max_width=12)
    for r in response.results:
        why = " ".join(f"{_SHORT.get(s.signal, s.signal.value)}#{s.rank}"
                       for s in r.explanation.signals)
        if r.explanation.best_view:
            why += f" {r.explanation.best_view}"
        if r.other_studies:
            why += f" +{len(r.other_studies)}pt"
        sex = "" if r.sex in (None, "unknown") else r.sex
        impression = " ".join(r.impression.replace("- ", " ").split()) or "(no report)"
        study = Group(Text(r.study_instance_uid, overflow="fold", no_wrap=False),
                      Text(impression, overflow="ellipsis", no_wrap=True, style="dim"))
        table.add_row(str(r.rank), study, f"{r.score:.3f}",
                      f"{(r.study_date or '')[:10]}\n{r.age or '?'} {sex}", why)
    return table


def _print(response: SearchResponse, as_json: bool, out: Console | None = None) -> None:
    if as_json:
        sys.stdout.write(json.dumps(response.model_dump(mode="json"), indent=1) + "\n")
        return
    out = out or Console()  # results are the output: stdout, unlike progress and errors
    out.print(_table(response))
    read = response.interpretation.model_dump(exclude_defaults=True) \
        if response.interpretation else None
    if read:  # numbers and diagnoses too ("LVEF below 35" said nothing of its range)
        out.print(f"read as: {read}")
    # what the results alone do not say (a nonsense query listed every study without a word);
    # plain text: a query's words in a notice are not Rich markup
    for notice in response.notices:
        out.print(Text(f"note: {notice.text}"), soft_wrap=True)  # one line, for grep
    v = response.versions
    out.print(f"model {v.model}, index {v.index} {v.generation or ''}, "
                  f"{response.took_ms:.0f} ms", style="dim")


def query(ctx: typer.Context,
          text: Annotated[str, typer.Argument(help="what to look for, in plain words")],
          as_json: JsonOpt = False,
          mode: Annotated[Mode, typer.Option(help="images, reports or both")] = Mode.BOTH,
          limit: LimitOpt = 10,
          page: Annotated[int, typer.Option(min=1)] = 1,
          sort: SortOpt = Sort.RELEVANCE,
          filters: FilterOpt = None,
          all_studies: AllOpt = False) -> None:
    """Free-text search: "dilated LV with transmural LGE", "no LGE", "amyloid"."""
    try:
        if not text.strip():
            raise QueryError("empty query: type what to look for")
        request = SearchRequest(q=text, mode=mode, filters=_filters(filters or []),
                                page=Page(limit=limit, page=page, sort=sort,
                                          per_patient=not all_studies))
        response = _answer(ctx, request, as_json)
    except SearchError as error:
        fail(str(error), as_json)
    except ValidationError as error:  # over-long text, a page past the ranking depth
        fail(validation_line(error), as_json)
    _print(response, as_json)


def similar(ctx: typer.Context,
            study_instance_uid: Annotated[str, typer.Argument(help="an indexed study")],
            as_json: JsonOpt = False,
            negative: Annotated[list[str] | None, typer.Option(
                "--unlike", help="less like this study (repeatable)")] = None,
            view: Annotated[str | None, typer.Option(
                help="compare one view: sax_basal, sax_mid, sax_apical, 2ch, 3ch, 4ch, lvot, "
                "lge_sax, lge_lax")] = None,
            mode: Annotated[Mode, typer.Option(help="images, reports or both")] = Mode.IMAGES,
            limit: LimitOpt = 10,
            filters: FilterOpt = None,
            all_studies: AllOpt = False) -> None:
    """Studies of other patients most like STUDY_UID (optionally in one view)."""
    try:
        request = SimilarRequest(positive=[study_instance_uid], negative=negative or [],
                                 view=view, mode=mode, filters=_filters(filters or []),
                                 page=Page(limit=limit, per_patient=not all_studies))
        response = _answer(ctx, request, as_json)
    except SearchError as error:
        fail(str(error), as_json)
    except ValidationError as error:  # an empty or over-long UID, too many --unlike
        fail(validation_line(error), as_json)
    _print(response, as_json)
