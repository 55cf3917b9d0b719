"""The payload of a study point, typed: what search filters on, counts, shows and explains.

`StudyPayload` is written by the indexer and read back by search. Every field but the Study
Instance UID has a default, so a point read with a few fields still validates. `PayloadField`
names the keys that code addresses by name (filters, facets, ranking, results); a test holds
the two together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from cmr_search.vocab import Diagnosis, Finding, Measure, Severity, View

# calibrated probability from which an image finding counts as shown (image_findings)
IMAGE_FINDING_THRESHOLD = 0.5


# a file system path: a drive or a slash, then no spaces (folder names of an export often
# carry the patient's ID or accession number)
_PATH = re.compile(r"(?<![\w.])(?:[A-Za-z]:)?(?:[/\\][^\s:;,()'\"]+)+")
_QUOTED_PATH = re.compile(r"""(['"])(?:[A-Za-z]:)?[/\\][^'"]*\1""")  # spaces and all


def without_paths(reason: str, folders: Iterable[Path] = ()) -> str:
    """A failure's reason with the study's folder and files left out: "<folder>: the cine has
    a single slice" says "the cine has a single slice", a file named inside it "a file".
    `folders` (the study's, as it was read: often relative, which no pattern finds) go first,
    as given and resolved."""
    for folder in folders:
        for shown in dict.fromkeys((str(folder), str(folder.resolve()))):
            reason = reason.replace(f"{shown}: ", "").replace(shown, "/")
    # "<folder>: why", at the start or after the error's class name
    reason = re.sub(_PATH.pattern + r": ", "", reason)
    return _PATH.sub("a file", _QUOTED_PATH.sub("a file", reason))


class ReportStatus(StrEnum):
    """A keyword, not a bool: qdrant-edge-py 0.9 never matches MatchValue(True)."""

    PRESENT = "present"
    MISSING = "missing"


class MeasurementStatus(StrEnum):
    """Whether the study's short-axis cine was segmented and measured."""

    MEASURED = "measured"
    FAILED = "failed"  # tried; `measurement_error` says why
    MISSING = "missing"  # not tried (indexed without the measure stage)


class FindingSource(StrEnum):
    """What decided an image finding: the measurements (graded by the reference ranges), or
    the model's calibrated zero-shot probability (no trustworthy measurement for it)."""

    MEASUREMENTS = "measurements"
    MODEL = "model"
    # the model scored it, but too few of the archive's reports state the finding (or its
    # absence) to calibrate the score into a probability: it decides nothing
    UNCALIBRATED = "uncalibrated"


class VolumeCurves(BaseModel):
    """LV and RV cavity volume (ml) in every acquired phase, with the ED and ES phases."""

    model_config = ConfigDict(extra="forbid")

    lv_ml: list[float] = Field(default_factory=list)
    rv_ml: list[float] = Field(default_factory=list)
    ed: int = 0
    es: int = 0
    interval_ms: float = Field(0.0, description="ms between phases")


class PayloadField(StrEnum):
    """Payload keys that filters, facets and the ranking address by name."""

    STUDY_INSTANCE_UID = "study_instance_uid"
    ACCESSION_NUMBER = "accession_number"
    PATIENT_KEY = "patient_key"
    STUDY_DATE = "study_date"
    AGE = "age"
    SEX = "sex"
    MANUFACTURER = "manufacturer"
    VENDOR = "vendor"
    FIELD_STRENGTH = "field_strength"
    VIEWS = "views"
    REPORT_STATUS = "report_status"
    REPORT_FINDINGS = "report_findings"
    REPORT_UNCERTAIN = "report_uncertain"
    REPORT_NEGATED = "report_negated"
    REPORT_DIAGNOSES = "report_diagnoses"
    REPORT_SEVERITY = "report_severity"
    IMAGE_FINDINGS = "image_findings"
    IMAGE_SCORES = "image_scores"
    PREVIEWS = "previews"
    IMPRESSION = "impression"
    REPORT = "report"
    HAS_REPORT = "has_report"
    REPORT_SENTENCES = "report_sentences"
    FINGERPRINT = "fingerprint"
    POINT_VERSION = "point_version"
    MEASUREMENT_STATUS = "measurement_status"
    MEASUREMENT_ERROR = "measurement_error"
    SEGMENTATION_MODEL = "segmentation_model"
    MEASUREMENTS = "measurements"
    MEASUREMENT_FLAGS = "measurement_flags"
    FLAGGED_MEASUREMENTS = "flagged_measurements"
    QC_FLAGS = "qc_flags"
    MEASURED_FINDINGS = "measured_findings"
    MEASURED_SEVERITY = "measured_severity"
    FINDING_EVIDENCE = "finding_evidence"
    IMAGE_FINDING_SOURCE = "image_finding_source"
    VOLUME_CURVES = "volume_curves"


# the report's part of a payload: what a study without a report has at its defaults
REPORT_FIELDS = frozenset({
    PayloadField.HAS_REPORT, PayloadField.REPORT_STATUS, PayloadField.IMPRESSION,
    PayloadField.REPORT, PayloadField.REPORT_FINDINGS, PayloadField.REPORT_UNCERTAIN,
    PayloadField.REPORT_NEGATED, PayloadField.REPORT_SEVERITY, PayloadField.REPORT_SENTENCES,
    PayloadField.REPORT_DIAGNOSES})


def image_score_key(finding: Finding | str) -> str:
    """The payload path of one finding's calibrated image probability."""
    return f"{PayloadField.IMAGE_SCORES}.{Finding(finding).value}"


def report_severity_key(finding: Finding | str) -> str:
    """The payload path of the grade the report gives one finding."""
    return f"{PayloadField.REPORT_SEVERITY}.{Finding(finding).value}"


class StudyPayload(BaseModel):
    """One study as the index stores it (besides its vectors). Dates RFC 3339, age in years,
    field strength in tesla, frame interval in ms; paths relative to the data folder."""

    model_config = ConfigDict(extra="forbid")

    study_instance_uid: str
    accession_number: str = ""
    patient_key: str = Field("", description="groups one patient's studies; not the ID")
    study_date: str | None = None
    age: int | None = None
    sex: str = "unknown"
    manufacturer: str = ""
    vendor: str = "unknown"
    model_name: str = ""
    field_strength: float | None = None
    views: list[View] = Field(default_factory=list)
    series: dict[str, str] = Field(default_factory=dict, description="view -> SeriesInstanceUID")
    previews: dict[str, str] = Field(default_factory=dict)
    frame_interval_ms: float = 0.0
    archive_path: str = ""
    fingerprint: str = ""
    has_report: bool = False
    report_status: ReportStatus = ReportStatus.MISSING
    impression: str = ""
    report: str = ""
    report_findings: list[Finding] = Field(default_factory=list)
    report_uncertain: list[Finding] = Field(default_factory=list)
    report_negated: list[Finding] = Field(default_factory=list)
    report_severity: dict[Finding, Severity] = Field(default_factory=dict)
    report_sentences: dict[Finding, str] = Field(default_factory=dict)
    report_diagnoses: list[Diagnosis] = Field(default_factory=list)
    report_version: str = Field("", description="the version of the code that read the "
                                "report (the labeler; the scrubber, de-identified): the "
                                "report_ labels are made again when it changes")
    image_scores: dict[Finding, float] = Field(default_factory=dict)
    image_findings: list[Finding] = Field(default_factory=list)
    point_version: str | None = Field(None, description="fingerprint:calibration:"
                                      "segmentation model:report version of a point on a "
                                      "Qdrant server, to upsert only what changed")
    # the measure stage: numbers from the segmented short-axis cine, and their QC
    measurement_status: MeasurementStatus = MeasurementStatus.MISSING
    measurement_error: str = ""
    segmentation_model: str = ""
    measurements: dict[Measure, float] = Field(default_factory=dict, description="units in "
                                               "the names: ml, %, g, mm, m2, per m2 of BSA")
    measurement_flags: dict[Measure, list[str]] = Field(default_factory=dict)
    flagged_measurements: list[Measure] = Field(default_factory=list, description="values a "
                                                "QC check doubts: never passed by a filter "
                                                "unless asked")
    qc_flags: list[str] = Field(default_factory=list, description="QC of the whole study")
    measured_findings: list[Finding] = Field(default_factory=list)
    measured_severity: dict[Finding, Severity] = Field(default_factory=dict)
    finding_evidence: dict[Finding, str] = Field(default_factory=dict, description="why an "
                                                 "image finding is (not) shown, in numbers")
    image_finding_source: dict[Finding, FindingSource] = Field(default_factory=dict)
    volume_curves: VolumeCurves | None = None

    def as_payload(self) -> dict[str, object]:
        """The JSON-ready dict a store keeps (`point_version` only where a server store set it)."""
        unset = {"point_version"} if self.point_version is None else None
        return self.model_dump(mode="json", exclude=unset)
