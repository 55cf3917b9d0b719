"""De-identification on ingest: what the index, its payload and its pages hold is pseudonymous.

The PS3.15 Basic Profile is applied by dicognito with a secret seed, so the same patient,
study and series map to the same pseudonyms (names, IDs, UIDs, shifted dates) on every run.
Age and sex are kept (the Retain Patient Characteristics option: search filters on them; ages
over 89 become 90). Series flagged BurnedInAnnotation YES are refused with a reason (secondary
captures are already refused by the reader); report text is scrubbed of the study's own names,
IDs and dates. Pixels are never written back: previews are drawn from pixel arrays and carry no
metadata.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from functools import partial

from dicognito.anonymizer import Anonymizer
from pydicom.dataset import Dataset, FileMetaDataset

from reader.headers import StudyInfo
from reader.reports import StudyReport
from reader.scan import Study
from reader.series import Series

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
BURNED_IN = "burned-in annotation (BurnedInAnnotation YES): refused when de-identifying"


def _date_forms(value: str) -> list[str]:
    """The ways a report writes a DICOM date (YYYYMMDD)."""
    try:
        day = date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return []
    month = _MONTHS[day.month - 1]
    return [value, day.isoformat(), f"{day:%d/%m/%Y}", f"{day:%m/%d/%Y}", f"{day:%d.%m.%Y}",
            f"{day:%d-%m-%Y}", f"{day.day} {month} {day.year}",
            f"{month} {day.day}, {day.year}", f"{day.day} {month[:3]} {day.year}",
            f"{day:%d/%m/%y}", f"{day:%m/%d/%y}"]


def _name_parts(person_name: str) -> list[str]:
    """Each name a person name holds, and each part of a double-barrelled one ("Müller" of
    "Wolfeschlegel-Müller", which a report writes alone)."""
    parts = re.split(r"[\^\s,=]+", person_name)
    parts += [piece for p in parts if re.search(r"[-']", p) for piece in re.split(r"[-']", p)]
    return [p for p in parts if len(p) >= 2 and not p.isdigit()]


def scrub(text: str, info: StudyInfo) -> str:
    """The report without this study's own names, IDs and dates (case-insensitive, whole
    words), each replaced by what it was: [name], [id], [date]."""
    found: list[tuple[str, str]] = []
    for name in (info.patient_name, info.referring_physician_name):
        found += [(part, "[name]") for part in _name_parts(name)]
    found += [(value, "[id]") for value in (info.patient_id, info.accession_number,
                                             info.study_instance_uid) if len(value) >= 3]
    if len(info.institution_name) >= 3:
        found.append((info.institution_name, "[institution]"))
    for value in (info.study_date, info.patient_birth_date):
        found += [(form, "[date]") for form in _date_forms(value)]
    for needle, label in sorted(found, key=lambda item: -len(item[0])):
        text = re.sub(rf"(?<!\w){re.escape(needle)}(?!\w)", partial(_named, label), text,
                      flags=re.IGNORECASE)
    return text


def _named(label: str, match: re.Match[str]) -> str:
    """A name is written with a capital: "may" in "LV dilation may represent" is no Ms May."""
    if label == "[name]" and not match.group(0)[0].isupper():
        return match.group(0)
    return label


_MONTH_WORD = rf"(?:{'|'.join(m[:3] + '(?:' + m[3:] + ')?' for m in _MONTHS)})\.?"
# what identifies in free text whatever the study: full dates, long numbers and codes (a
# medical record, an accession, a phone), and a person named after a title or "patient"
_REPORT_WORD = ("Known|With|Has|Had|Have|Suspected|Presented|Presents|Presenting|Referred|"
                "Underwent|Is|Was|Were|History|Admitted|Reports|Denies|Complains|Returns|Re|"
                "Remains|Shows|Showed|Developed|Describes|Received|Not|No|Of|In|On|For|And|"
                "The|Who|Whose|Prior|Previous|Post|Status")
_ABBREVIATION = ("DCM|HCM|ARVC|LBBB|RBBB|LGE|CMR|MRI|CT|ECG|LV|RV|MI|CAD|AF|HF|HFREF|HFPEF|"
                 "STEMI|NSTEMI|PCI|CABG|ICD|CRT|TAVI|AS|MR|TR|AR|VT|VF|PE|PH|LVNC|LVH|EF|"
                 "LVEF|RVEF|TTE|TOE|ECV|SCD")
# what identifies in free text whatever the study: full dates, long numbers and codes (a
# medical record, an accession, a phone), and a person named after a title or "patient"
_FREE_TEXT = (
    # a four-digit year, or a two-digit day and month ("01/07/13"): "segments 1/7/13" is no date
    (re.compile(r"\b(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}[/.-]\d{1,2}[/.-]\d{1,2}"
                r"|\d{2}[/.-]\d{2}[/.-]\d{2})\b"), "[date]"),
    (re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH_WORD}\s+\d{{2,4}}\b", re.I), "[date]"),
    (re.compile(rf"\b{_MONTH_WORD}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b", re.I), "[date]"),
    # a label, then a code holding a digit ("Idiopathic", "Dobutamine", "accumulation" stay)
    (re.compile(r"\b(?:mrn|nhs|ssn|id|acc(?:ession)?|dob|d\.o\.b)\b\.?\s*(?:no\.?|number|#)?"
                r"\s*[:#]?\s*(?=[A-Z-]*\d)[A-Z0-9][A-Z0-9/-]{3,}\b", re.I), "[id]"),
    (re.compile(r"\b[A-Z]{0,3}\d{6,}\b|\b[A-Z]+\d{5,}[A-Z0-9]*\b"), "[id]"),
    (re.compile(r"\b(?:Dr|Mr|Mrs|Ms|Miss|Prof)\.?\s+(?:[A-Z]\.\s*)*[A-Z][A-Za-z'-]+"
                r"(?:\s+[A-Z][A-Za-z'-]+)?"), "[name]"),
    # "Patient John SMITH", not "Patient: Known DCM" nor "Patient Has Fabry Disease"
    (re.compile(rf"\b(?:[Pp]atient|[Pp]t\.?)(?:\s+name)?\s*:?\s+(?!(?:{_REPORT_WORD})\b)"
                rf"[A-Z][a-z'-]+(?:\s+(?!(?:{_ABBREVIATION})\b)(?:[A-Z][a-z'-]+|[A-Z]{{2,}}"
                rf"(?![a-z]))){{1,2}}"), "[name]"),
)


def scrub_free_text(text: str) -> str:
    """Free text without what commonly identifies anyone in it (full dates, long numbers and
    codes, titled or "patient" names): a report sentence may name another patient, a
    doctor, a prior study's date. Rules find what they describe only: text that leaves the
    archive is still read before it is shared."""
    for pattern, label in _FREE_TEXT:
        text = pattern.sub(label, text)
    return text


def _age(patient_age: str) -> str:
    match = re.fullmatch(r"(\d{3})Y", patient_age.strip().upper())
    return "090Y" if match and int(match.group(1)) > 89 else patient_age


class Deidentifier:
    """Pseudonyms from one secret seed: the same input gives the same output on every run."""

    def __init__(self, seed: str) -> None:
        self._anonymizer = Anonymizer(seed=seed)

    def _dataset(self, info: StudyInfo, series_instance_uid: str = "") -> Dataset:
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        for keyword, value in (("PatientID", info.patient_id),
                               ("PatientName", info.patient_name),
                               ("PatientBirthDate", info.patient_birth_date),
                               ("StudyInstanceUID", info.study_instance_uid),
                               ("AccessionNumber", info.accession_number),
                               ("StudyDate", info.study_date),
                               ("ReferringPhysicianName", info.referring_physician_name),
                               ("InstitutionName", info.institution_name),
                               ("SeriesInstanceUID", series_instance_uid)):
            if value:
                setattr(ds, keyword, value)
        self._anonymizer.anonymize(ds)
        return ds

    def info(self, info: StudyInfo) -> StudyInfo:
        ds = self._dataset(info)
        return dataclasses.replace(
            info, study_instance_uid=str(ds.StudyInstanceUID),
            patient_id=str(ds.get("PatientID", "")),
            accession_number=str(ds.get("AccessionNumber", "")),
            study_date=str(ds.get("StudyDate", "")), patient_age=_age(info.patient_age),
            patient_name="", patient_birth_date="", referring_physician_name="",
            institution_name="")

    def study_uid(self, study_instance_uid: str) -> str:
        """The pseudonym of a Study Instance UID, the same `info` gives: the index keys a
        study by it before the source has brought the study itself."""
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.StudyInstanceUID = study_instance_uid
        self._anonymizer.anonymize(ds)
        return str(ds.StudyInstanceUID)

    def series_uid(self, info: StudyInfo, series_instance_uid: str) -> str:
        return str(self._dataset(info, series_instance_uid).SeriesInstanceUID)

    def study(self, study: Study) -> tuple[Study | None, list[str]]:
        """The study under its pseudonyms, and the reasons for what was refused (a study left
        with no usable series is refused whole: None)."""
        refused = [f"series {s.series_number}: {BURNED_IN}" for s in study.series
                   if any(f.burned_in_annotation for sl in s.slices for f in sl.frames)]
        kept = [s for s in study.series
                if not any(f.burned_in_annotation for sl in s.slices for f in sl.frames)]
        if not kept:
            return None, refused or ["no series left"]
        uids = {s.series_instance_uid: self.series_uid(study.info, s.series_instance_uid)
                for s in kept}
        series: list[Series] = [dataclasses.replace(s, series_instance_uid=uids[
            s.series_instance_uid]) for s in kept]
        report = study.report
        if report is not None:
            report = StudyReport(scrub_free_text(scrub(report.text, study.info)),
                                 scrub_free_text(scrub(report.impression, study.info)),
                                 report.source, "")
        return Study(self.info(study.info), study.folder, series,
                     {uids[k]: v for k, v in study.views.items() if k in uids}, report), refused
