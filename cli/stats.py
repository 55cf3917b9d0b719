"""`cmr-search stats`: what the index holds, which model embedded and which measured it."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cli.common import fail, settings_of
from cmr_search.settings import Settings


class NoIndexError(LookupError):
    """The store holds no index (a mistyped data folder, or one never indexed)."""


def _live_counts(store: Any) -> dict[str, Any]:
    from catalog import PayloadField, ReportStatus
    from vectorstore import Filter, Match

    present = Match(PayloadField.REPORT_STATUS, ReportStatus.PRESENT.value)
    return {"studies": store.count(), "with_report": store.count(Filter(must=(present,))),
            "by_vendor": store.facet(PayloadField.VENDOR),
            "by_sex": store.facet(PayloadField.SEX)}


def index_stats(settings: Settings) -> dict[str, Any]:
    """What the index holds; `NoIndexError` when the store holds none."""
    from catalog import index_archives, measurement_warnings, shown_archive
    from search.readiness import NO_INDEX  # what `query` says of it: one text, said alike
    from vectorstore import StoreError
    from vectorstore.factory import describe, open_index

    store = open_index(settings)
    try:
        metadata = store.metadata()
        if metadata is None:  # "0 studies", exit 0, hid a mistyped CMR_SEARCH_DATA_DIR
            raise NoIndexError(f"{NO_INDEX} ({describe(settings)})")
        try:
            live = _live_counts(store)
        except StoreError:  # the web server holds the embedded shard open: use what was recorded
            live = {"studies": metadata.get("studies"), "with_report": None, "by_vendor": None,
                    "by_sex": None, "note": "the index is open in another process (the web "
                    "server); counts are those recorded when it was built"}
        return {
            "store": describe(settings),
            **live,
            "index_version": metadata.get("index_version"),
            "model": metadata.get("model"),
            "vectors": metadata.get("vectors"),
            "generation": getattr(store, "generation", None),
            "built": metadata.get("built"),
            # the last run's, never with credentials an older index kept
            "archive": shown_archive(str(last)) if (last := metadata.get("archive")) else last,
            "archives": index_archives(metadata),  # every run's, oldest first
            "calibration": metadata.get("calibration"),
            "segmentation_model": metadata.get("segmentation_model"),
            "unmeasured_studies": metadata.get("unmeasured_studies"),
            "deidentified": metadata.get("deidentified"),
            "warnings": measurement_warnings(metadata),
        }
    finally:
        store.close()


def stats(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """What the index holds: studies, model identity, index version."""
    from catalog import describe_model
    from vectorstore import StoreError

    try:
        result = index_stats(settings_of(ctx))
    except (StoreError, NoIndexError) as error:
        fail(str(error), as_json)
    if as_json:
        typer.echo(json.dumps(result, default=str))
        return
    out = Console()
    table = Table(title=result["store"], show_header=False)
    model = result.get("model") or {}
    rows = [("studies", result["studies"]), ("index version", result["index_version"]),
            ("model", describe_model(model) if model else None),
            ("generation", result.get("generation")), ("built", result.get("built")),
            _archives_row(result.get("archives") or []),
            ("vendors", result.get("by_vendor")),
            ("measured by", _measured_by(result)),
            ("de-identified", None if (hidden := result.get("deidentified")) is None
             else "yes" if hidden else "no")]
    for key, value in rows:
        if key == "generation" and value is None:  # a Qdrant server's collection has none
            continue
        table.add_row(key, "-" if value is None else str(value))  # "None" read as a value
    out.print(table)
    for warning in result.get("warnings") or []:
        out.print(f"[yellow]warning:[/] {warning}", highlight=False)


def _archives_row(archives: list[str]) -> tuple[str, str | None]:
    """Each archive the index holds studies of, one a line (the last run's alone was named)."""
    return ("archive" if len(archives) < 2 else "archives", "\n".join(archives) or None)


def _measured_by(result: dict[str, Any]) -> str:
    """The segmentation model the index's measurements come from, and how many of its studies
    it measured when not all: every study's measurements are published from one model's
    records, those it did not measure with none (`indexer.pipeline._measurements`)."""
    model, unmeasured = result.get("segmentation_model"), result.get("unmeasured_studies")
    if not model:
        return "-"
    studies = result.get("studies")
    if not isinstance(unmeasured, int) or unmeasured <= 0:
        return str(model)
    if isinstance(studies, int) and studies >= unmeasured:
        return f"{model} ({studies - unmeasured} of {studies} studies)"
    return f"{model} ({unmeasured} studies not measured)"
