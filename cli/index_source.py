"""`cmr-search index`: what to read (a folder or a PACS), its arguments checked before the run
lock is taken: a typo'd second run was answered "another index run is in progress"."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from cli.common import fail
from cmr_search.settings import Settings


@dataclass(frozen=True)
class SourceOptions:
    """Where to read from: a folder, or a PACS address with its own options."""

    archive: str
    since: date | None = None
    until: date | None = None
    keep_dicom: bool = False
    reports: tuple[Path, ...] = ()


def check_arguments(options: SourceOptions, rebuild: bool, deidentified: bool,
                    ray_address: str | None, engine: str) -> None:
    """Every argument that can be checked without the data folder or the network, before
    the lock (a second run's typo said "another index run is in progress")."""
    if engine == "local" and ray_address:
        fail("--ray-address needs --engine ray")
    _refuse_losses(options, rebuild, deidentified)
    _checked(options)


def _checked(options: SourceOptions) -> Any:
    """The folder (absolute), or the PACS address parsed; one line for either's mistakes."""
    from pacs import PacsAddress

    if not PacsAddress.looks_like(options.archive):
        if options.since or options.until or options.keep_dicom or options.reports:
            fail("--since, --until, --keep-dicom and --reports apply to a PACS "
                 "(dicomweb+https://host/dicom-web or dimse://AET@host:port)")
        if not options.archive.strip():  # "" was the current folder, indexed whole
            fail("the archive is empty: name a folder or a PACS address")
        if re.match(r"[A-Za-z][\w+.-]*://", options.archive):  # "ftp:/host/...: not a folder"
            fail(f"{options.archive[:100]}: a PACS address starts with dicomweb+http(s):// "
                 "(or dimse://AET@host:port); anything else is a folder")
        folder = Path(options.archive)
        if not folder.is_dir():
            fail(f"{folder}: not a folder")
        # the index stores the archive (the web server's upload folder by default) and each
        # study's paths: "synth" meant another folder wherever the next command ran, and
        # re-indexing it as /data/synth embedded it all again. Absolute, not resolved: an
        # archive mounted through a symlink keeps the name its records were made under
        return Path(os.path.abspath(folder))
    for path in options.reports:  # said by the PACS source as it opened, after the lock
        if not path.exists():
            fail(f"{path}: no such report export")
    try:
        return PacsAddress.parse(options.archive)
    except ValueError as error:
        fail(str(error))


def open_source(settings: Settings, options: SourceOptions, deidentified: bool) -> Any:
    """A folder (checked), or a PACS source from its address and the settings."""
    from indexer.sources import PacsSource
    from pacs import PacsError, open_pacs
    from pacs.archive import StudyWindow

    checked = _checked(options)
    if isinstance(checked, Path):
        return checked
    try:
        archive = open_pacs(checked, settings, settings.layout.resolved(), options.keep_dicom,
                            StudyWindow(options.since, options.until), list(options.reports),
                            deidentified=deidentified)
    except (ValueError, PacsError) as error:
        fail(str(error))
    return PacsSource(archive, settings.pacs_concurrency)


def _refuse_losses(source: SourceOptions, rebuild: bool, deidentified: bool) -> None:
    """Combinations that would lose indexed studies or keep what must not be kept."""
    if rebuild and (source.since or source.until):
        # a rebuilt index holds this run's studies only: those dated outside the window go
        fail("--rebuild with --since/--until would leave only the studies dated in that "
             "window in the index: rebuild without them, or index the window without "
             "--rebuild")
    if deidentified and source.keep_dicom:
        fail("--keep-dicom keeps the PACS's identified instances in the data folder, which "
             "a de-identified index (--deidentify, CMR_SEARCH_DEIDENTIFY) must not hold")
