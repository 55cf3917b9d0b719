"""The payload of a study point, typed: what search filters on, counts, shows and explains.

`StudyPayload` is written by the indexer and read back by search. Every field but the Study
Instance UID has a default, so a point read with a few fields still validates. `PayloadField`
names the keys that code addresses by name (filters, facets, ranking, results); a test holds
the two together.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from cmr_search.vocab import Diagnosis, Finding, Severity, View

# calibrated probability from which an image finding counts as shown (image_findings)
IMAGE_FINDING_THRESHOLD = 0.5


class ReportStatus(StrEnum):
    """A keyword, not a bool: qdrant-edge-py 0.9 never matches MatchValue(True)."""

    PRESENT = "present"
    MISSING = "missing"


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
    image_scores: dict[Finding, float] = Field(default_factory=dict)
    image_findings: list[Finding] = Field(default_factory=list)
    point_version: str | None = Field(None, description="fingerprint:calibration of a point "
                                      "on a Qdrant server, to upsert only what changed")

    def as_payload(self) -> dict[str, object]:
        """The JSON-ready dict a store keeps (`point_version` only where a server store set it)."""
        unset = {"point_version"} if self.point_version is None else None
        return self.model_dump(mode="json", exclude=unset)
