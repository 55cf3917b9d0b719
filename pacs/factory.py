"""A `PacsArchive` from a PACS address and the settings (the one place clients are built)."""

from __future__ import annotations

from pathlib import Path

from cmr_search.layout import DataLayout
from cmr_search.settings import Settings
from pacs.address import PacsAddress, Protocol
from pacs.archive import PacsArchive, StudyWindow
from pacs.cache import FetchCache
from pacs.client import PacsClient, PacsError
from pacs.polite import Manners, Polite
from reader.reports import ReportIndex


def _client(address: PacsAddress, settings: Settings) -> PacsClient:
    if address.protocol is Protocol.DIMSE:
        from pacs.dimse import DimsePacs

        return DimsePacs(address.ae_title, address.host, address.port, settings.pacs_ae_title,
                         settings.pacs_timeout_s, settings.pacs_retrieve,
                         settings.pacs_store_port, settings.pacs_transfer_timeout_s)
    from pacs.dicomweb import DicomwebPacs, WebAuth

    auth = WebAuth(
        settings.pacs_token.get_secret_value() if settings.pacs_token else None,
        settings.pacs_username,
        settings.pacs_password.get_secret_value() if settings.pacs_password else None)
    verify: bool | Path = settings.pacs_verify_tls
    if settings.pacs_verify_tls and settings.pacs_ca_bundle is not None:
        verify = settings.pacs_ca_bundle
        if not verify.is_file():
            raise PacsError(f"CMR_SEARCH_PACS_CA_BUNDLE {verify}: no such file")
    return DicomwebPacs(address.url, auth, verify, settings.pacs_timeout_s,
                        transfer_timeout_s=settings.pacs_transfer_timeout_s)


def report_index(paths: list[Path]) -> ReportIndex:
    """Report exports kept beside the PACS (JSONL/CSV files, or folders of them)."""
    index = ReportIndex()
    for path in paths:
        if not path.exists():
            raise PacsError(f"{path}: no such report export")
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in (".jsonl", ".csv")) \
            if path.is_dir() else [path]
        for file in files:
            if not index.add_file(file):
                raise PacsError(f"{file}: no reports keyed by accession number or study UID")
    return index


def open_pacs(address: PacsAddress, settings: Settings, layout: DataLayout,
              keep_dicom: bool = False, window: StudyWindow | None = None,
              reports: list[Path] | None = None,
              client: PacsClient | None = None, deidentified: bool = False) -> PacsArchive:
    """The PACS at `address`, read with the settings' manners into `layout.pacs_cache`
    (`client` replaces the real one: a fake in tests); a `deidentified` run keeps none of
    the PACS's files, and clears those earlier runs kept."""
    client = client or _client(address, settings)
    manners = Manners(settings.pacs_rate_limit, settings.pacs_concurrency,
                      settings.pacs_retries, settings.pacs_backoff_s)
    cache = FetchCache(layout.pacs_cache, client.location, keep_dicom, deidentified)
    return PacsArchive(client, Polite(manners), cache, report_index(reports or []),
                       window or StudyWindow(),
                       settings.pacs_page_size)
