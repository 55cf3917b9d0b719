"""Every folder under the data directory, named once.

The product writes only below `DATA_DIR`; this is the one place that says where. Readers and
writers take a `DataLayout` instead of joining path parts themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DataLayout:
    """The folders of one data directory (nothing is created until asked)."""

    root: Path

    @property
    def index(self) -> Path:
        """The embedded store's generations (unused with a Qdrant server)."""
        return self.root / "index"

    @property
    def embeddings(self) -> Path:
        """Embedding records, one folder per model identity."""
        return self.root / "embeddings"

    @property
    def measurements(self) -> Path:
        """Measurement records (numbers, QC flags, volume curves, contour crops), one folder
        per segmentation model."""
        return self.root / "measurements"

    @property
    def clips(self) -> Path:
        """The model-input cache, one folder per clip spec version."""
        return self.root / "clips"

    @property
    def previews(self) -> Path:
        """Animated WebP previews and posters of indexed studies (served under /media)."""
        return self.root / "previews"

    @property
    def upload_previews(self) -> Path:
        """Previews of studies uploaded to query by (served under /media/uploads/previews)."""
        return self.root / "uploads" / "previews"

    @property
    def models(self) -> Path:
        """Derived forms of the model (the query text encoder exported to ONNX), by model key."""
        return self.root / "models"

    @property
    def pacs_cache(self) -> Path:
        """Instances fetched from a PACS, one folder per study, deleted once its record is
        written (unless `--keep-dicom`)."""
        return self.root / "pacs-cache"

    @property
    def not_indexable(self) -> Path:
        """Studies a PACS holds that have nothing to index (no cine), remembered so that a
        later run does not fetch them again until they change."""
        return self.root / "not-indexable.json"

    @property
    def sprites(self) -> Path:
        """Frame strips the cine player steps through, made on first view."""
        return self.root / "sprites"

    @property
    def database(self) -> Path:
        """The default SQLite database: accounts, tokens, the audit trail, teaching files."""
        return self.root / "db" / "cmr-search.sqlite3"

    @property
    def legacy_teaching_db(self) -> Path:
        """Where teaching files were kept before the database (imported once, then renamed)."""
        return self.root / "teaching" / "teaching.sqlite3"

    @property
    def locks(self) -> Path:
        """Lock files that make the server's processes take turns (`cmr_search.locks`)."""
        return self.root / "locks"

    @property
    def secrets(self) -> Path:
        """Secrets made on first use when the settings name none (session key, salts)."""
        return self.root / "secrets"

    @property
    def runs(self) -> Path:
        """Run reports of scans and index runs (JSON)."""
        return self.root / "runs"

    @property
    def evaluations(self) -> Path:
        """Evaluation reports (markdown, JSON, ROC curves)."""
        return self.root / "eval"

    @property
    def demo_archive(self) -> Path:
        """The synthetic archive `cmr-search demo` builds."""
        return self.root / "demo-archive"

    @property
    def bench(self) -> Path:
        """Figures written by the benchmark scripts."""
        return self.root / "bench"

    def resolved(self) -> DataLayout:
        return DataLayout(self.root.resolve())


# An archive's uploads folder: studies kept from query-by-upload for the next index run.
ARCHIVE_UPLOADS = "uploads"
