"""Requests and responses of the search API: pydantic models shared by Python, JSON and the CLI."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from search.filters import SearchFilters, Whole, check_text

MAX_QUERY_CHARS = 500
MAX_LIMIT = 100
MAX_EXAMPLES = 20  # studies in positive, negative, unlike
MAX_UID_CHARS = 64  # a DICOM UID
MAX_DEPTH = 1000  # how far down the ranking pages may reach


class Mode(StrEnum):
    """Which signals answer a free-text query."""

    IMAGES = "images"  # CLIP text embedding against the study videos: ignores the reports
    REPORTS = "reports"  # report embeddings and keywords: ignores the images
    BOTH = "both"


class Sort(StrEnum):
    RELEVANCE = "relevance"
    DATE = "date"  # newest first, among the relevant candidates


class Signal(StrEnum):
    IMAGES = "images"
    REPORTS = "reports"
    KEYWORDS = "keywords"
    REPORT_LABELS = "report_labels"  # reports stating every finding / diagnosis the query names
    EXAMPLES = "examples"  # find-similar on the study vectors
    REPORT_EXAMPLES = "report_examples"  # find-similar on the report vectors
    MEASURES = "measures"  # find-similar on the standardised measurement vectors
    MEASURED_FINDINGS = "measured_findings"  # measurements showing what the query names


Uid = Annotated[str, Field(min_length=1, max_length=MAX_UID_CHARS)]


class _Request(BaseModel):
    """A request from outside: its strings are checked before anything reads them."""

    @model_validator(mode="before")
    @classmethod
    def _text(cls, data: Any) -> Any:
        query = data.get("q") if isinstance(data, dict) else None
        if isinstance(query, str) and len(query) > MAX_QUERY_CHARS:  # before check_text's 1000
            raise ValueError(f"q: the query is over {MAX_QUERY_CHARS} characters")
        check_text(data)
        return data


class Page(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: Whole = Field(10, ge=1, le=MAX_LIMIT)
    page: Whole = Field(1, ge=1, le=MAX_DEPTH)
    sort: Sort = Sort.RELEVANCE
    per_patient: StrictBool = Field(True, description="one result per patient; the patient's other "
                              "studies are listed with it")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


class SearchRequest(_Request):
    model_config = ConfigDict(extra="forbid", frozen=True)

    q: str = Field(..., min_length=1, max_length=MAX_QUERY_CHARS)
    mode: Mode = Mode.BOTH
    unlike: list[Uid] = Field(default_factory=list, max_length=MAX_EXAMPLES, description="studies "
                              "to see less of: left out, and the query moved away from them")
    filters: SearchFilters = Field(default_factory=SearchFilters)
    page: Page = Field(default_factory=Page)


class SimilarRequest(_Request):
    """More like the positive studies, less like the negatives; optionally in one view."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    positive: list[Uid] = Field(..., min_length=1, max_length=MAX_EXAMPLES)
    negative: list[Uid] = Field(default_factory=list, max_length=MAX_EXAMPLES)
    view: str | None = Field(None, max_length=20, description="compare one view slot only "
                             "(e.g. lge_sax, 4ch)")
    mode: Mode = Mode.IMAGES
    filters: SearchFilters = Field(default_factory=SearchFilters)
    page: Page = Field(default_factory=Page)


class SignalMatch(BaseModel):
    signal: Signal
    rank: int = Field(..., description="1-based rank of the study in this signal alone")
    score: float


class Sentence(BaseModel):
    text: str
    terms: list[str] = Field(default_factory=list, description="query words found in it")
    finding: str | None = Field(None, description="the finding this sentence states")


class Explanation(BaseModel):
    signals: list[SignalMatch] = Field(default_factory=list)
    best_view: str | None = None
    view_scores: dict[str, float] = Field(default_factory=dict)
    sentences: list[Sentence] = Field(default_factory=list)
    findings_matched: list[str] = Field(default_factory=list,
                                        description="query findings the study shows, and where "
                                        "(report or images)")
    measured: list[str] = Field(default_factory=list, description="the study in numbers: "
                                "each measurement the query bounds, and the measured "
                                "evidence of the findings it asks for")


class OtherStudy(BaseModel):
    study_instance_uid: str
    study_date: str | None = None


class Result(BaseModel):
    study_instance_uid: str
    score: float
    rank: int
    study_date: str | None = None
    age: int | None = None
    sex: str | None = None
    vendor: str | None = None
    field_strength: float | None = None
    views: list[str] = Field(default_factory=list)
    impression: str = ""
    has_report: bool = False
    report_findings: list[str] = Field(default_factory=list)
    image_findings: list[str] = Field(default_factory=list)
    image_scores: dict[str, float] = Field(default_factory=dict, description="the model's "
                                           "calibrated probability of each finding it decided "
                                           "(none where the measurements decided, or where too "
                                           "few reports calibrate the score)")
    image_finding_source: dict[str, str] = Field(default_factory=dict, description="what "
                                                 "decided each image finding: measurements, "
                                                 "model or uncalibrated (decided nothing)")
    measurements: dict[str, float | None] = Field(
        default_factory=dict, description="segmented short-axis cine; the unit ends each "
        "name. null: measured, but the segmentation gave a value no heart has (an EF below 0 "
        "or above 100 %, a negative volume): not measurable, listed in flagged_measurements, "
        "and the study's measurement_flags (GET /api/v1/studies/{uid}) say why")
    flagged_measurements: list[str] = Field(default_factory=list, description="values a QC "
                                            "check doubts, and those null as impossible; "
                                            "none of them passes a measurement filter")
    diagnoses: list[str] = Field(default_factory=list)
    previews: dict[str, str] = Field(default_factory=dict)
    patient_key: str = ""
    other_studies: list[OtherStudy] = Field(default_factory=list)
    explanation: Explanation = Field(default_factory=Explanation)


class Versions(BaseModel):
    model: str
    index: str
    generation: str | None = None


class Interpretation(BaseModel):
    """How the query was read, so a user sees why the opposite is not returned."""

    wanted: dict[str, str | None] = Field(default_factory=dict)
    grades: list[str] = Field(default_factory=list, description="how each grade in the query "
                              "was read: that grade first, then the next worse one ('severe': "
                              "severe only, 'mild': mild or moderate)")
    ruled_out: list[str] = Field(default_factory=list)
    diagnoses: list[str] = Field(default_factory=list)
    ruled_out_diagnoses: list[str] = Field(default_factory=list)
    measurements: list[str] = Field(default_factory=list, description="how each number in the "
                                    "query was read (a range on a measurement)")
    measurement_filters: dict[str, float] = Field(default_factory=dict, description="the "
                                                  "ranges as filter fields (lvef_max, ...)")
    measurement_any_of: list[list[dict[str, float]]] = Field(
        default_factory=list, description="ranges joined by 'or' ('LVEF below 35 or above "
        "70'): each group's studies meet one of its ranges (as filter fields)")
    any_of: list[list[str]] = Field(default_factory=list, description="the sides of an 'or' "
                                    "('DCM or HCM'), each wanted whole; empty: all wanted")
    either_way: list[str] = Field(default_factory=list, description="findings a 'with or "
                                  "without' leaves open")
    not_read: list[str] = Field(default_factory=list, description="what the query says that "
                                "was not read as a finding, diagnosis or range, one note per "
                                "phrase, and why (a number beside a measurement that is no "
                                "range, with how to write one; T1, T2 or ECV; an age, sex or "
                                "year the filters choose; a finding both asked for and ruled "
                                "out; a range past what any heart measures); its words still "
                                "rank")


class NoticeKind(StrEnum):
    """What a notice about the whole search says (`search.notices`)."""

    NOTHING_READ = "nothing_read"  # no finding, diagnosis or range read: words rank alone
    CONFLICTING_RANGES = "conflicting_ranges"  # the query's range and the form's exclude all
    QC_FLAGGED = "qc_flagged"  # studies left out as their value in range is QC-flagged
    NOT_ASSESSED = "not_assessed"  # a ruled-out finding their images cannot show
    UNKNOWN_VENDOR = "unknown_vendor"  # a filter's vendor no indexed study is from


class Notice(BaseModel):
    """What the search did that the results alone do not say."""

    kind: NoticeKind
    text: str
    count: int | None = Field(None, description="the studies it is about, where it counts "
                              "some")
    about: list[str] = Field(default_factory=list, description="the filter fields "
                             "(lvef_min, ...) or the findings (lge, ...) it is about")


class SearchResponse(BaseModel):
    query: dict[str, Any]
    results: list[Result]
    total: int = Field(..., description="results available to page through (capped at the "
                       "ranking depth)")
    page: int
    limit: int
    has_more: bool
    interpretation: Interpretation | None = None
    notices: list[Notice] = Field(default_factory=list, description="what the search did "
                                  "that the results do not show: nothing in the query read, "
                                  "a filter's vendor no indexed study is from, "
                                  "its range and the filters' excluding each other, studies "
                                  "left out for a QC-flagged value, a ruled-out finding some "
                                  "studies' images cannot show")
    versions: Versions
    took_ms: float


class FacetsResponse(BaseModel):
    facets: dict[str, dict[str, int]]
    total: int
    versions: Versions


class StudyDetail(BaseModel):
    study_instance_uid: str
    payload: dict[str, Any] = Field(..., description="what the index holds of the study; in "
                                    "`measurements` a value no heart has is null (not "
                                    "measurable), named in `flagged_measurements`, with QC's "
                                    "reasons in `measurement_flags`")
    same_patient: list[OtherStudy]
    versions: Versions
