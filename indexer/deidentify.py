"""De-identification on ingest: what the index, its payload and its pages hold is pseudonymous.

The PS3.15 Basic Profile is applied by dicognito with a secret seed, so the same patient,
study and series map to the same pseudonyms (names, IDs, UIDs, shifted dates) on every run.
Age and sex are kept (the Retain Patient Characteristics option: search filters on them; ages
over 89 become 90). Series flagged BurnedInAnnotation YES are refused with a reason (secondary
captures are already refused by the reader); report text is scrubbed of the study's own names,
IDs and dates, however spelt. Failures of a de-identified study are logged without its folder
(`failure_note`): next to the pseudonym, the folder would undo it. Pixels are never written
back: previews are drawn from pixel arrays and carry no metadata.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial

from dicognito.anonymizer import Anonymizer
from pydicom.dataset import Dataset, FileMetaDataset

from catalog import without_paths
from indexer.names import scrub_given_names, scrub_signed, scrub_titles
from indexer.names.forms import ACCENTS as _ACCENTS
from indexer.names.forms import KIN as _KIN
from indexer.names.forms import LOWER as _LOWER
from indexer.names.forms import NOT_CLINICAL as _NOT_CLINICAL
from indexer.names.forms import REPORT_WORD as _REPORT_WORD
from indexer.names.forms import UPPER as _UPPER
from indexer.names.gazetteer import family_names, given_names, terms, words
from indexer.names.wordlists import ABBREVIATIONS
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
            f"{day:%d} {month[:3]} {day.year}", f"{day:%d}-{month[:3]}-{day.year}",
            f"{day.day}-{month[:3]}-{day.year}", f"{day:%d/%m/%y}", f"{day:%m/%d/%y}"]


def _name_parts(person_name: str) -> list[str]:
    """Each name a person name holds, and each part of a double-barrelled one ("Müller" of
    "Wolfeschlegel-Müller", which a report writes alone)."""
    parts = re.split(r"[\^\s,=]+", person_name)
    parts += [piece for p in parts if re.search(r"[-']", p) for piece in re.split(r"[-']", p)]
    return [p for p in parts if len(p) >= 2 and not p.isdigit()]


def _latin_bases() -> dict[str, str]:
    """Each accented Latin letter's plain one ("ü" -> "u"), and the few NFKD leaves alone."""
    bases = {"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D"}
    for code in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        plain = unicodedata.normalize("NFKD", chr(code))[0]
        if plain != chr(code) and plain.isascii() and plain.isalpha():
            bases[chr(code)] = plain
    return bases


_BASE = _latin_bases()
# each plain letter with every accented form of it, as the body of a character class
_SAME = {c: c + c.upper() + "".join(k for k, v in _BASE.items() if v.lower() == c)
         for c in "abcdefghijklmnopqrstuvwxyz"}
_MARKS = f"[{_ACCENTS}]*"
_UMLAUTS = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}


def _spellings(word: str) -> set[str]:
    """The German ways of writing a name: a header spells "MUELLER" what the report spells
    "Müller", and the other way round (accents are left to `_loose`)."""
    lower = word.lower()
    expanded, contracted = lower, lower
    for umlaut, digraph in _UMLAUTS.items():
        expanded = expanded.replace(umlaut, digraph)
        contracted = contracted.replace(digraph, umlaut)
    # "Ue" contracts to "ü", which would find every standalone "u"
    return {w for w in (lower, expanded, contracted) if len(w) >= 2}


def _loose(needle: str) -> str:
    """A pattern any accenting of `needle` matches ("Muller" finds "Müller", "José" finds
    "Jose" and "Jose" + U+0301): headers are often plain ASCII, reports are not."""
    out = []
    for char in unicodedata.normalize("NFKD", needle):
        if unicodedata.combining(char):
            continue
        base = _BASE.get(char, char).lower()
        out.append(f"[{_SAME[base]}]{_MARKS}" if base in _SAME
                   else "['’]" if char in "'’" else re.escape(char))
    return "".join(out)


def scrub(text: str, info: StudyInfo) -> str:
    """The report without this study's own names, IDs and dates (case-insensitive, whole
    words), each replaced by what it was: [name], [id], [date]. Names and the institution
    are found however they are accented or their umlauts written."""
    found: list[tuple[str, str]] = []
    for name in (info.patient_name, info.referring_physician_name):
        found += [(form, "[name]") for part in _name_parts(name) for form in _spellings(part)]
    found += [(value, "[id]") for value in (info.patient_id, info.accession_number,
                                             info.study_instance_uid) if len(value) >= 3]
    if len(info.institution_name) >= 3:
        found += [(form, "[institution]") for form in _spellings(info.institution_name)]
    for value in (info.study_date, info.patient_birth_date):
        found += [(form, "[date]") for form in _date_forms(value)]
    for needle, label in sorted(found, key=lambda item: -len(item[0])):
        pattern = re.escape(needle) if label in ("[id]", "[date]") else _loose(needle)
        text = re.sub(rf"(?<!\w){pattern}(?!\w)", partial(_named, label), text,
                      flags=re.IGNORECASE)
    return text


def _named(label: str, match: re.Match[str]) -> str:
    """A name is written with a capital: "may" in "LV dilation may represent" is no Ms May."""
    if label == "[name]" and not match.group(0)[0].isupper():
        return match.group(0)
    return label


_MONTH_WORD = (rf"(?:sept|{'|'.join(m[:3] + '(?:' + m[3:] + ')?' for m in _MONTHS)})\.?")
# a phone: international, or national with its trunk 0 ("0228 123 4567", "(0228) 123-4567",
# "01 23 45 67 89"), or North American, or any grouped number after a label; 7 digits at
# least (`_phone`). "LVEF 35 %", "150 ml", "1.5 T", "0.5 mmol/kg" have no such shape.
_PHONE_LABEL = (r"\b(?:tel(?:efon|ephone|éfono|efono)?|tél(?:éphone)?|phone|fax|mobile?|mob"
                r"|handy)\.?:?[ \u00a0]*")
_GROUPS = r"(?:[ \u00a0./-]\d{2,8}){1,4}"
_NUMBER_END = r"(?![\w/-]|[.,]\d)"
_PHONE = re.compile(
    rf"(?P<label>{_PHONE_LABEL})\d{{2,8}}(?:[ \u00a0./-]\d{{2,8}}){{0,4}}{_NUMBER_END}"
    rf"|(?<![\w+./-])(?:\+\d{{1,3}}(?:[ \u00a0]?\(0\))?[ \u00a0.-]?(?:\(\d{{1,5}}\)|\d{{1,5}})"
    rf"{_GROUPS}|\(0\d{{2,5}}\){_GROUPS}|0\d{{2,5}}{_GROUPS}|0\d(?:[ .]\d{{2}}){{4}}"
    rf"|\(\d{{3}}\) ?\d{{3}}[ .-]\d{{4}}|\d{{3}}[.-]\d{{3}}[.-]\d{{4}}){_NUMBER_END}", re.I)


_OLD = r"(?:9\d|1[0-4]\d)"  # 90 to 149 years
_SPANS = r"days?|d|weeks?|wks?|w|months?|mo|hours?|hrs?|h|minutes?|mins?|min|seconds?|s"


# a capitalised or an upper-case word; a relative, whose name follows "of"
_WORD = rf"(?:[{_UPPER}][{_LOWER}'’-]+|[{_UPPER}]{{2,}})(?![{_LOWER}\w])"  # not "MYH7"
# what follows "Patient" in a heading or a sentence, or a relative's "of", not a name
# ("PATIENT DETAILS", "Sister of Index Case", "Brother of Proband")
_NOT_NAME = (f"{_REPORT_WORD}|details|information|preparation|consent|position|protocol|"
             "identification|demographics|data|summary|instructions|tolerated|cooperated|"
             "index|proband|case|patient|deceased|affected|unaffected|late|minor|twin|carrier|"
             # a header's next label ("Patient: Jane DOE  Sex: F", "DOB:", "MRN:")
             "sex|gender|dob|born|age|mrn|nhs|hospital|weight|height|bsa|male|female|"
             "referr\\w*|accession|date|study|exam\\w*|indication")
# a word of a name, no report word or abbreviation; two or three of them
_ONE = rf"(?!(?i:{_NOT_NAME})\b){_NOT_CLINICAL}{_WORD}"
_NAMED = rf"{_ONE}(?:[^\S\n]+{_ONE}){{1,2}}"  # on its line: "Jane Doe\nIndication" is no 3rd
# what stands between a relative and a name ("Mother of the late John Smith")
_BEFORE_KIN_NAME = "the|late|deceased|index|case|proband|patient|affected|our"


def _header_name(name: str) -> bool:
    """Whether the words after a "Name:" that begins a line are a person's: none a term, a
    numeral or an abbreviation, and none a word or one a given or family name that is none
    ("Nguyen Van An", "Dmitri Volkov", "DOE JANE"; not "Cine SSFP", "Short Axis Stack",
    "Crawford II", "Persistent LSVC")."""
    plain = [w.lower() for w in name.split()]
    if any(w.isupper() and (not set(w) - set("IVX") or w in ABBREVIATIONS or not (
            w.lower() in family_names() or w.title() in given_names())) for w in name.split()):
        return False  # "Flow PC", "Becker MD"; "DOE JANE" is a name
    if any(w in terms() for w in plain):
        return False
    return not any(w in words() for w in plain) or any(
        w not in words() and (w in family_names() or w.title() in given_names()) for w in plain)


def _phone(match: re.Match[str]) -> str:
    """[phone] for a number of 7 digits or more ("Tel 0228 123 4567" keeps "Tel")."""
    if sum(c.isdigit() for c in match.group(0)) < 7:
        return match.group(0)
    return f"{match.group('label') or ''}[phone]"


# what identifies in free text whatever the study: e-mail addresses, full dates, phones,
# long numbers and codes (a medical record, an accession), and a person named after a title
# or "patient"
_FREE_TEXT: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    # a four-digit year, or a two-digit day and month ("01/07/13"): "segments 1/7/13" is no date
    (re.compile(r"\b(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}[/.-]\d{1,2}[/.-]\d{1,2}"
                r"|\d{2}[/.-]\d{2}[/.-]\d{2})\b"), "[date]"),
    # "14 May 2019", "09-Apr-1954" (as DICOM viewers print dates), "May 14, 2019", "Feb 2010"
    (re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?(?:\s+|-){_MONTH_WORD}(?:\s+|-)\d{{2,4}}\b", re.I),
     "[date]"),
    (re.compile(rf"\b{_MONTH_WORD}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b", re.I), "[date]"),
    (re.compile(rf"\b{_MONTH_WORD}[\s-]+(?:19|20)\d\d\b", re.I), "[date]"),
    # a label, then a code holding a digit ("Idiopathic", "Dobutamine", "accumulation" stay)
    (re.compile(r"\b(?:mrn|nhs|ssn|id|acc(?:ession)?|dob|d\.o\.b)\b\.?\s*(?:no\.?|number|#)?"
                r"\s*[:#]?\s*(?:\d{2,5}(?:[ -]\d{2,5}){1,3}\b"  # "NHS 943 476 5919"
                r"|(?=[A-Z-]*\d)[A-Z0-9][A-Z0-9/-]{3,}\b)", re.I), "[id]"),
    (re.compile(r"(?<![\w.,])\d{3} \d{3} \d{4}(?![\w.,]\d|\s*(?i:%|ms|ml|mm|cm|g|kg|bpm|mmhg|"
                r"l|s|min)(?!\w))"),
     "[id]"),  # an NHS number as written: 943 476 5919
    # an age over 89 identifies (HIPAA Safe Harbor keeps "over 89" only), as the header's
    # PatientAge does (`_age`): "aged 93", "at the age of 93", "a 93-year-old", "93 y/o",
    # "93M", "93-jährige"; not "aged 90 days", "for 93 years", "LVEF 93 %". The placeholders
    # match no rule: a text scrubbed twice (a handout of a de-identified index) stays as once
    (re.compile(rf"\b(?P<lead>(?:aged?|age\s+of|alter|âge|edad|età|leeftijd)\s*[:=]?\s*)"
                rf"{_OLD}(?:\s*(?:years?|yrs?|y)\b)?(?!\s*(?:%|ms|ml|mm|g|bpm|{_SPANS})\b)"
                r"(?![\w.,]\d)", re.I), lambda m: f"{m.group('lead')}[over 89]"),
    (re.compile(rf"\b{_OLD}\s*-?\s*(?:(?:years?|yrs?)(?:[\s-]+old|\s+of\s+age)|y\.?\s?o\b\.?"
                r"|y/o|jahre\s+alt|jährig\w*|jarige|jaar\s+oud|ans|años|anni)(?!\w)", re.I),
     "[age over 89]"),
    (re.compile(rf"(?<![\w.,]){_OLD}\s?(?P<sex>[MF])\b(?![.,]?\d)"),  # "93M", "93 F"
     lambda m: f"[age over 89] {m.group('sex')}"),
    (_PHONE, _phone),  # before long numbers: "0228 1234567" is no "0228 [id]"
    (re.compile(r"\b[A-Z]{0,3}\d{6,}\b|\b[A-Z]+\d{5,}[A-Z0-9]*\b"), "[id]"),
)
# and after the titled names ("Drs Smith and Patel", "Dr J. Smith", `scrub_titles`: "DR" in
# capitals is one only before a name, so it is read, not substituted)
_NAMED_TEXT: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    # surname first, several words of it, then the given names and an initial ("Patient:
    # GARCÍA LÓPEZ, José", "Patient name: Volkov, Dmitri", "Patient: DOE, JANE E"), before
    # the rules that would take the surname alone and leave the given name
    (re.compile(rf"\b(?i:patient|pt\.?)(?:\s+(?i:name))?\s*:\s*{_ONE}(?:[^\S\n]+{_ONE}){{0,2}},"
                rf"[^\S\n]*{_ONE}(?:[^\S\n]+{_ONE})?(?:[^\S\n]+[{_UPPER}]\.?(?![\w'’-]))?"),
     "[name]"),
    # "Patient John SMITH", "Patient QUINN ROSSI", not "Patient: Known DCM" nor "Patient Has
    # Fabry Disease"; after the capitals of a heading ("PATIENT DECLINED CONTRAST"), a name
    # only after a "name" label or surname first ("PATIENT NAME: QUINN ROSSI", "PATIENT: PETROV,
    # XAVIER"), and surname first only after a colon ("Pt Anxious, Sedated")
    (re.compile(rf"\b(?:[Pp]atient|[Pp]t\.?)(?:\s+name)?\s*:?\s+{_NAMED}"), "[name]"),
    (re.compile(rf"\b(?i:patient|pt\.?)\s+(?i:name)\s*:?\s+{_NAMED}"), "[name]"),
    # a header's "Name:" at a line's start is the patient's ("Name: Nguyen Van An"; not
    # "Sequence name: Dixon W")
    (re.compile(rf"(?m:^)(?P<lead>[^\S\n]*(?i:name)[^\S\n]*:[^\S\n]*)(?P<name>{_NAMED})"),
     lambda m: f"{m.group('lead')}[name]" if _header_name(m.group("name")) else m.group()),
    # a relative's name, also after "late" or "index case" ("Mother of Xavier Petrov",
    # "Brother of Index Case John Smith"), not "Sister of HCM patient"
    (re.compile(rf"\b(?P<lead>(?i:{_KIN})\s+of\s+(?:(?i:{_BEFORE_KIN_NAME})\s+)*){_NAMED}"),
     lambda m: f"{m.group('lead')}[name]"),
    # a name as DICOM writes it (PN): "ROSSI^QUINN", "SMITH^J", "Petrov^Xavier^^Dr"; not
    # "ml/m^2", "10^9/L". A PN component holds 64 characters at most (PS3.5 6.2): unbounded,
    # each of the n starts in "O'O'O'..." or "J-J-J-..." read to the run's end, n² in all
    (re.compile(rf"\b[{_UPPER}][{_UPPER}{_LOWER}'’-]{{1,63}}+\^[{_UPPER}{_LOWER}'’-]+"
                rf"(?:\^[{_UPPER}{_LOWER}'’.-]*)*"), "[name]"),
)


def scrub_free_text(text: str) -> str:
    """Free text without what commonly identifies anyone in it (e-mail addresses, full dates,
    phones, long numbers and codes, titled or "patient" names, a given name and its surname):
    a report sentence may name another patient, a doctor, a prior study's date. Rules find
    what they describe only: text that leaves the archive is still read before it is shared."""
    for pattern, label in _FREE_TEXT:
        text = pattern.sub(label, text)
    text = scrub_signed(scrub_titles(text))
    for pattern, label in _NAMED_TEXT:
        text = pattern.sub(label, text)
    return scrub_given_names(text)


def _age(patient_age: str) -> str:
    match = re.fullmatch(r"(\d{3})Y", patient_age.strip().upper())
    return "090Y" if match and int(match.group(1)) > 89 else patient_age


@dataclass
class DeidentifiedStudy(Study):
    """A study under its pseudonyms. Its `folder` is still the real one (its pixels are read
    from there), so what logs about it leaves the folder out (`failure_note`)."""


def is_deidentified(study: object) -> bool:
    """Whether `study` came out of `Deidentifier.study`: its failures are logged without
    their traceback, which names its real folder (`failure_note`)."""
    return isinstance(study, DeidentifiedStudy)


def failure_note(study: object, error: BaseException) -> str:
    """What a debug log line adds about a failure: for a de-identified study the error's class
    and text without folders and files ("": its traceback says it otherwise). The folder
    names the patient in many exports, and next to the pseudonym it undoes it."""
    if not isinstance(study, DeidentifiedStudy):
        return ""
    return ": " + without_paths(f"{type(error).__name__}: {error}", [study.folder])


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
        return DeidentifiedStudy(self.info(study.info), study.folder, series,
                     {uids[k]: v for k, v in study.views.items() if k in uids}, report), refused


# a DICOM UID as the archive or the PACS wrote it: four parts at least ("1.2.840.113619..."),
# or one made from a UUID ("2.25." and its 128-bit number, PS3.5 B.2: three parts, missed);
# a pseudonym (one dot, "2.1182..."), a version ("1.5 T", "3.11") and an IPv4 address (a
# PACS's, which an operator needs to read) are not one
_REAL_UID = re.compile(r"(?<![0-9.])(?!(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?!\.?[0-9]))"
                       r"(?:[0-9]+(?:\.[0-9]+){3,}|2\.25\.[0-9]{10,})(?![0-9])")


def without_uids(text: str) -> str:
    """`text` with every DICOM UID it names as [uid]: a de-identified run's reasons named the
    real Series Instance UID of a series that came short."""
    return _REAL_UID.sub("[uid]", text)


class UidRedactor(logging.Filter):
    """Log records of a de-identified run without the real UIDs the reader names them by (the
    fetch cache is named by Study and SOP Instance UIDs: "scanned 1.2.840...")."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = without_uids(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True

