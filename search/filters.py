"""Search filters: validated at construction, translated to store filters, parsed from the CLI."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StringConstraints,
    ValidationError,
    model_validator,
)

from catalog import (
    FILTERABLE,
    IMAGE_FINDING_THRESHOLD,
    FindingSource,
    PayloadField,
    image_score_key,
    measurement_key,
)
from cmr_search.vocab import Diagnosis, Finding, View
from search.errors import FilterError, QueryError
from vectorstore import Condition, DateRange, Filter, Match, MatchAny, Range, any_of

FINDINGS = tuple(f.value for f in Finding)
DIAGNOSES = tuple(d.value for d in Diagnosis)
VIEWS = tuple(v.value for v in View if v is not View.OTHER)
MAX_VALUES = 40  # values of one list filter
SEXES = ("F", "M", "O", "unknown")
Values = Annotated[list[Annotated[str, StringConstraints(max_length=64)]],  # DICOM LO
                   Field(max_length=MAX_VALUES)]


def _one_of(values: tuple[str, ...]) -> dict[str, Any]:
    """The JSON schema of a list of known words (validated by `_known`, documented here)."""
    return {"items": {"type": "string", "enum": list(values)}}


def _iso_day(value: Any) -> Any:
    """A date as YYYY-MM-DD (or a date): not a number, which pydantic would read as a time
    stamp."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"{value[:20]!r}: a date is YYYY-MM-DD")
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("a date is YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_iso_day)]


def _not_text(value: Any) -> Any:
    """A whole number as JSON has it (3 or 3.0), never "3" nor true."""
    if isinstance(value, str | bool):
        raise ValueError("a whole number, not text or true/false")
    return value


Whole = Annotated[int, BeforeValidator(_not_text)]
Age = Annotated[int, Field(ge=0, le=130), BeforeValidator(_not_text)]  # years
MEASURED_MAX = 2000.0  # no measurement of a heart is larger (ml, g, mm, %)
Measured = Annotated[StrictFloat | None, Field(ge=0, le=MEASURED_MAX)]
PERCENT_FILTERS = ("lvef", "rvef", "scar")


class _FieldError(ValueError):
    """A model-wide check's complaint, with the fields it is about (`FilterError.fields`):
    pydantic reports a model validator's error without a field."""

    def __init__(self, message: str, *fields: str) -> None:
        super().__init__(message)
        self.fields = fields


def _measured(what: str) -> Any:
    return Field(None, description=f"{what}, inclusive; a QC-flagged value never passes")


class SearchFilters(BaseModel):
    """Which studies a search may return. Empty lists and None leave a field unconstrained."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    study_date_from: Day | None = Field(None, description="first study date (inclusive)")
    study_date_to: Day | None = Field(None, description="last study date (inclusive)")
    age_min: Age | None = Field(None, description="years, inclusive")
    age_max: Age | None = Field(None, description="years, inclusive")
    sex: Values = Field(default_factory=list, description="DICOM PatientSex: F, M, O",
                        json_schema_extra=_one_of(SEXES))
    vendor: Values = Field(default_factory=list, description="siemens, philips, ge, canon")
    manufacturer: Values = Field(default_factory=list, description="as written in DICOM")
    field_strength_min: StrictFloat | None = Field(None, ge=0, le=20, description="tesla")
    field_strength_max: StrictFloat | None = Field(None, ge=0, le=20, description="tesla")
    views: Values = Field(default_factory=list, description="views the study must have",
                          json_schema_extra=_one_of(VIEWS))
    report_findings: Values = Field(default_factory=list, json_schema_extra=_one_of(FINDINGS),
                                    description="findings the report states, all of them")
    report_negated: Values = Field(default_factory=list, json_schema_extra=_one_of(FINDINGS),
                                   description="findings the report rules out")
    diagnoses: Values = Field(default_factory=list, description="diagnoses in the report",
                              json_schema_extra=_one_of(DIAGNOSES))
    image_findings: Values = Field(default_factory=list, json_schema_extra=_one_of(FINDINGS),
                                   description="findings the images show (zero-shot)")
    image_score_min: StrictFloat = Field(IMAGE_FINDING_THRESHOLD, ge=0.0, le=1.0,
                                   description="calibrated probability for image_findings")
    report: str | None = Field(None, pattern="^(present|missing)$",
                               description="only studies with (or without) a report")
    # measurements (segmented short-axis cine); the names are catalog.FILTERABLE's
    lvef_min: Measured = _measured("LV ejection fraction, %")
    lvef_max: Measured = _measured("LV ejection fraction, %")
    rvef_min: Measured = _measured("RV ejection fraction, %")
    rvef_max: Measured = _measured("RV ejection fraction, %")
    lv_edv_min: Measured = _measured("LV end-diastolic volume, ml")
    lv_edv_max: Measured = _measured("LV end-diastolic volume, ml")
    rv_edv_min: Measured = _measured("RV end-diastolic volume, ml")
    rv_edv_max: Measured = _measured("RV end-diastolic volume, ml")
    lv_edv_index_min: Measured = _measured("LV end-diastolic volume / BSA, ml/m2")
    lv_edv_index_max: Measured = _measured("LV end-diastolic volume / BSA, ml/m2")
    rv_edv_index_min: Measured = _measured("RV end-diastolic volume / BSA, ml/m2")
    rv_edv_index_max: Measured = _measured("RV end-diastolic volume / BSA, ml/m2")
    lv_mass_min: Measured = _measured("LV myocardial mass, g")
    lv_mass_max: Measured = _measured("LV myocardial mass, g")
    lv_mass_index_min: Measured = _measured("LV myocardial mass / BSA, g/m2")
    lv_mass_index_max: Measured = _measured("LV myocardial mass / BSA, g/m2")
    max_wall_thickness_min: Measured = _measured("maximal LV wall thickness, mm")
    max_wall_thickness_max: Measured = _measured("maximal LV wall thickness, mm")
    scar_min: Measured = _measured("scar burden (LGE), % of the LV myocardium")
    scar_max: Measured = _measured("scar burden (LGE), % of the LV myocardium")

    @model_validator(mode="before")
    @classmethod
    def _text(cls, data: Any) -> Any:
        check_text(data)
        return data

    @model_validator(mode="after")
    def _consistent(self) -> SearchFilters:
        _known("views", self.views, VIEWS)
        for name in ("report_findings", "report_negated", "image_findings"):
            _known(name, getattr(self, name), FINDINGS)
        _known("diagnoses", self.diagnoses, DIAGNOSES)
        _known("sex", self.sex, SEXES)
        # the probability a finding in `image_findings` must reach: alone it constrained
        # nothing, and "image_score_min=0.99" returned every study as if it had been applied
        if "image_score_min" in self.model_fields_set and not self.image_findings:
            raise _FieldError("image_score_min needs image_findings (image_finding=... on "
                              "the command line): it is the probability a finding the "
                              "images show must reach", "image_score_min")
        for low, high in (("study_date_from", "study_date_to"), ("age_min", "age_max"),
                          ("field_strength_min", "field_strength_max"),
                          *((f"{m}_min", f"{m}_max") for m in FILTERABLE)):
            a, b = getattr(self, low), getattr(self, high)
            if a is not None and b is not None and a > b:
                raise _FieldError(f"{low} ({a}) is after {high} ({b})", low, high)
        for name in PERCENT_FILTERS:  # "lvef_max=500" was taken
            for side in ("min", "max"):
                value = getattr(self, f"{name}_{side}")
                if value is not None and value > 100:
                    raise _FieldError(f"{name}_{side}: a percentage, 0 to 100 (not "
                                      f"{value:g})", f"{name}_{side}")
        return self

    def to_store(self) -> Filter:
        f = PayloadField
        must: list[Any] = []
        if self.study_date_from or self.study_date_to:
            must.append(DateRange(f.STUDY_DATE, _day(self.study_date_from, "00:00:00"),
                                  _day(self.study_date_to, "23:59:59")))
        if self.age_min is not None or self.age_max is not None:
            must.append(Range(f.AGE, self.age_min, self.age_max))
        if self.field_strength_min is not None or self.field_strength_max is not None:
            must.append(Range(f.FIELD_STRENGTH, self.field_strength_min,
                              self.field_strength_max))
        for key, values in ((f.SEX, self.sex), (f.VENDOR, self.vendor),
                            (f.MANUFACTURER, self.manufacturer)):
            if values:
                must.append(MatchAny(key, tuple(values)))
        must += [Match(f.VIEWS, v) for v in self.views]
        must += [Match(f.REPORT_FINDINGS, x) for x in self.report_findings]
        must += [Match(f.REPORT_NEGATED, x) for x in self.report_negated]
        must += [Match(f.REPORT_DIAGNOSES, d) for d in self.diagnoses]
        must += [self._shown(x) for x in self.image_findings]
        if self.report:
            must.append(Match(f.REPORT_STATUS, self.report))
        return Filter(tuple(must)).and_(self.measured_filter())

    def _shown(self, finding: str) -> Condition:
        """The images show `finding` as the index decided it (the facet counts these): by the
        measurements where they graded it, else by the model's probability, from
        `image_score_min` when one is asked. The probability alone let in a study the model
        scored 0.99 whose trusted measurements say no, and left out one they say yes."""
        decided = Match(PayloadField.IMAGE_FINDINGS, finding)
        if self.image_score_min == IMAGE_FINDING_THRESHOLD:
            return decided
        source = f"{PayloadField.IMAGE_FINDING_SOURCE}.{finding}"
        return any_of([Filter((Match(source, FindingSource.MEASUREMENTS.value), decided)),
                       Filter((Match(source, FindingSource.MODEL.value),
                               Range(image_score_key(finding), gte=self.image_score_min)))])

    def measured_ranges(self) -> dict[str, tuple[float | None, float | None]]:
        """Filter name -> (min, max) of every measurement this constrains."""
        out = {}
        for name in FILTERABLE:
            low, high = getattr(self, f"{name}_min"), getattr(self, f"{name}_max")
            if low is not None or high is not None:
                out[name] = (low, high)
        return out

    def measured_filter(self) -> Filter:
        """Studies whose measurement lies in each range, and whose value of it no QC check
        doubts (a flagged value never passes; an unmeasured study has no value to pass)."""
        must: list[Any] = []
        must_not: list[Any] = []
        for name, (low, high) in self.measured_ranges().items():
            measure = FILTERABLE[name]
            must.append(Range(measurement_key(measure), low, high))
            must_not.append(Match(PayloadField.FLAGGED_MEASUREMENTS, measure.value))
        return Filter(tuple(must), tuple(must_not))

    def active(self) -> dict[str, Any]:
        """Only the fields that constrain something (for echoing a query back)."""
        return self.model_dump(mode="json", exclude_defaults=True)


def check_text(data: Any, where: str = "") -> None:
    """Every string in a request is text that can be stored and sent on: no lone surrogates
    (JSON "\\ud800"), no NUL, none over 1000 characters."""
    if isinstance(data, str):
        if len(data) > 1000:
            raise ValueError(f"{where or 'value'}: at most 1000 characters")
        if "\x00" in data or any("\ud800" <= c <= "\udfff" for c in data):
            raise ValueError(f"{where or 'value'}: not valid text (NUL or a lone surrogate)")
    elif isinstance(data, dict):
        for key, value in data.items():
            check_text(key, where)
            check_text(value, f"{where}.{key}" if where else str(key))
    elif isinstance(data, list | tuple):
        for value in data:
            check_text(value, where)


def _known(name: str, values: list[str], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise _FieldError(f"{name}: unknown {', '.join(unknown)} (known: "
                          f"{', '.join(allowed)})", name)


def _day(value: date | None, time: str) -> str | None:
    return f"{value.isoformat()}T{time}Z" if value else None


# CLI spelling: KEY=VALUE, lists comma-separated, ranges LOW..HIGH (either side may be empty)
_LISTS = {"sex": "sex", "vendor": "vendor", "manufacturer": "manufacturer", "view": "views",
          "finding": "report_findings", "no_finding": "report_negated",
          "diagnosis": "diagnoses", "image_finding": "image_findings"}
_RANGES = {"date": ("study_date_from", "study_date_to"), "age": ("age_min", "age_max"),
           "field_strength": ("field_strength_min", "field_strength_max"),
           **{m: (f"{m}_min", f"{m}_max") for m in FILTERABLE}}
_SCALARS = {"image_score_min": "image_score_min", "report": "report"}
FILTER_KEYS = tuple(sorted({*_LISTS, *_RANGES, *_SCALARS}))


def parse_filters(items: list[str]) -> SearchFilters:
    """`["age=40..60", "view=lge_sax", "finding=lge,lv_dilation"]` -> SearchFilters."""
    fields: dict[str, Any] = {}
    seen: set[str] = set()
    for item in items:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not value:
            raise QueryError(f"filter {item!r}: expected KEY=VALUE")
        if key in seen and key not in _LISTS:  # the second one silently replaced the first
            raise QueryError(f"filter {key!r} given twice: give one range, LOW..HIGH")
        seen.add(key)
        if key in _LISTS:
            values = [v.strip() for v in value.split(",")]
            if not all(values):
                raise QueryError(f"filter {item!r}: an empty value between commas")
            fields.setdefault(_LISTS[key], []).extend(values)
        elif key in _RANGES:
            low, dots, high = (v.strip() for v in value.partition(".."))
            if dots and (not (low or high) or high.startswith(".")):
                raise QueryError(f"filter {item!r}: expected LOW..HIGH, LOW.. or ..HIGH")
            _numbers_in(key, [low, high] if dots else [low])
            if not dots and key in FILTERABLE:  # "lvef=35" found the hearts of exactly 35 %
                raise QueryError(f"filter {item!r}: a measurement takes a range: ..{low} "
                                 f"(up to), {low}.. (from) or LOW..HIGH")
            low_key, high_key = _RANGES[key]
            fields[low_key] = low or None
            fields[high_key] = (high or None) if dots else low
        elif key in _SCALARS:
            fields[_SCALARS[key]] = value
        else:
            raise QueryError(f"unknown filter {key!r} (known: {', '.join(FILTER_KEYS)})")
    return build_filters(fields)


_NUMBERS = {"age_min": int, "age_max": int, "field_strength_min": float,
            "field_strength_max": float, "image_score_min": float,
            **{f"{m}_{side}": float for m in FILTERABLE for side in ("min", "max")}}


def _read(kind: type[int] | type[float], value: str) -> int | float:
    """`value` as a number of `kind`; ValueError where it is none."""
    # Python reads "3_5" as 35 and other scripts' digits as ours: a typo is no number
    if not value.isascii() or "_" in value:
        raise ValueError(value)
    return kind(value)


def _numbers_in(key: str, sides: list[str]) -> None:
    """A CLI range's ends that are no number, said in the CLI's words with how to write one
    ("lvef=abc" was told to write "..abc (up to)", as if abc were a value)."""
    if key == "date":  # a date is checked, and said, as a date
        return
    kind = _NUMBERS[_RANGES[key][0]]
    for side, field in zip(sides, _RANGES[key], strict=False):
        try:
            _read(kind, side or "0")
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            example = _RANGE_EXAMPLES.get(key, _RANGE_EXAMPLES["lvef"])
            raise FilterError(f"filter {key}: {side[:20]!r} is not {what}; write {example}",
                              (field,)) from None


_RANGE_EXAMPLES = {"age": "..40 (up to), 60.. (from) or 40..60",
                   "field_strength": "..1.5 (up to), 3.. (from) or 1.5..3",
                   "lvef": "..35 (up to), 50.. (from) or 40..60"}


def _number(name: str, value: Any) -> Any:
    """A number written as text (a query parameter, the command line) read as one: the model
    itself takes numbers only, so a JSON body cannot send "5" for 5."""
    if not isinstance(value, str):
        return value
    kind = _NUMBERS[name]
    try:
        number = _read(kind, value)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise FilterError(f"filter {name}: {value[:20]!r} is not {what}", (name,)) from None
    if not math.isfinite(number):
        raise FilterError(f"filter {name}: {value[:20]!r} is not a finite number", (name,))
    return number


def build_filters(fields: dict[str, Any]) -> SearchFilters:
    """SearchFilters from loose fields (numbers may be text), with a one-line QueryError
    instead of a traceback."""
    fields = {k: _number(k, v) if k in _NUMBERS else v for k, v in fields.items()}
    try:
        return SearchFilters(**fields)
    except ValidationError as error:
        first = error.errors()[0]
        cause = (first.get("ctx") or {}).get("error")
        about = cause.fields if isinstance(cause, _FieldError) else \
            tuple(str(p) for p in first["loc"][:1])
        raise FilterError(f"filter {validation_line(error)}", about) from None


def validation_line(error: ValidationError) -> str:
    """A pydantic error as one line, "field: what is wrong" (its own text ends in a URL, and a
    model-wide check has no field and a "Value error, " prefix)."""
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message
