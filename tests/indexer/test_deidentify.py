"""De-identification on ingest: stable pseudonyms from a secret seed (dicognito), reports
scrubbed of the study's own names, IDs and dates, burned-in annotation refused, and an index
that holds no identifier."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from fakes.encoder import FakeEncoder

from cmr_search.layout import DataLayout
from indexer.deidentify import BURNED_IN, DeidentifiedStudy, Deidentifier, scrub
from indexer.pipeline import IndexOptions, run_index
from reader.headers import StudyInfo
from reader.scan import ScanResult, Study, scan_archive
from reader.series import Series
from vectorstore import Generations, LiveEdgeStore

INFO = StudyInfo("1.2.840.99.1", "SYN0042", "ACC9917", "20240312", "093Y", "F", "Siemens",
                 "Aera", 1.5, "Doe^Jane", "19310101", "House^Gregory", "St Mary Hospital")


def test_reports_lose_the_studys_own_names_ids_and_dates() -> None:
    text = ("Mrs Jane DOE (SYN0042, accession ACC9917), scanned 12/03/2024 and 2024-03-12 at "
            "St Mary Hospital for Dr House; born 1 January 1931. Transmural LGE, LAD territory.")
    out = scrub(text, INFO)
    for needle in ("Jane", "DOE", "SYN0042", "ACC9917", "12/03/2024", "2024-03-12", "House",
                   "St Mary", "1931"):
        assert needle.lower() not in out.lower(), needle
    assert "Transmural LGE, LAD territory." in out and "[name]" in out and "[date]" in out


def test_a_double_barrelled_name_is_scrubbed_and_a_common_word_is_not() -> None:
    """"Mr Müller" stayed for Wolfeschlegel-Müller; a patient named May turned "LV dilation
    may represent" into "LV dilation [name] represent"."""
    import dataclasses

    info = dataclasses.replace(INFO, patient_name="Wolfeschlegel-M\u00fcller^May")
    out = scrub("Mr M\u00fcller: LV dilation may represent DCM. May was scanned.", info)
    assert out == "Mr [name]: LV dilation may represent DCM. [name] was scanned."


def test_pseudonyms_are_stable_for_a_seed_and_secret_without_it() -> None:
    one, again, other = Deidentifier("s3cret"), Deidentifier("s3cret"), Deidentifier("other")
    a, b, c = one.info(INFO), again.info(INFO), other.info(INFO)
    assert a == b and a.study_instance_uid != c.study_instance_uid
    assert a.study_instance_uid.startswith("2.") and a.patient_id not in ("", INFO.patient_id)
    assert a.accession_number != INFO.accession_number and a.study_date != INFO.study_date
    assert a.patient_name == a.institution_name == a.patient_birth_date == ""
    assert a.patient_age == "090Y" and a.patient_sex == "F"  # ages over 89 become 90
    assert one.series_uid(INFO, "1.2.3") == again.series_uid(INFO, "1.2.3")


def _burn(study: Study, count: int) -> Study:
    def burned(s: Series) -> Series:
        return dataclasses.replace(s, slices=[dataclasses.replace(sl, frames=[
            dataclasses.replace(f, burned_in_annotation=True) for f in sl.frames])
            for sl in s.slices])

    return dataclasses.replace(study, series=[burned(s) if i < count else s
                                              for i, s in enumerate(study.series)])


def test_burned_in_series_are_refused_with_a_reason(scanned: ScanResult) -> None:
    study = scanned.studies[0]
    kept, refused = Deidentifier("s").study(_burn(study, 1))
    assert isinstance(kept, DeidentifiedStudy) and len(kept.series) == len(study.series) - 1
    assert refused == [f"series {study.series[0].series_number}: {BURNED_IN}"]
    assert set(kept.views) == {s.series_instance_uid for s in kept.series}
    assert not {s.series_instance_uid for s in kept.series} & \
        {s.series_instance_uid for s in study.series}
    none, reasons = Deidentifier("s").study(_burn(study, len(study.series)))
    assert none is None and len(reasons) == len(study.series)


@pytest.mark.slow
def test_a_deidentified_index_holds_no_identifier(archive: Path, tmp_path: Path) -> None:
    studies = scan_archive(archive).studies
    options = IndexOptions(workers=2, patient_key_secret="k",
                           deidentifier=Deidentifier("seed"))
    summary = run_index(archive, DataLayout(tmp_path), FakeEncoder(),
                        Generations(tmp_path / "index"), options)
    assert summary.indexed == len(studies) and "deidentify" in summary.stages
    store = LiveEdgeStore(tmp_path / "index")
    payloads = [h.payload for h in store.scroll()]
    store.close()
    dump = json.dumps(payloads)
    for study in studies:
        info = study.info
        for needle in (info.study_instance_uid, info.patient_id, info.accession_number,
                       str(study.folder), *info.patient_name.split("^")):
            assert not needle or needle not in dump, needle
        assert all(s.series_instance_uid not in dump for s in study.series)
    assert all(p["archive_path"] == "" for p in payloads)
    for preview in (tmp_path / "previews").rglob("*.webp"):
        data = preview.read_bytes()
        assert b"EXIF" not in data and b"SYN" not in data


def test_free_text_loses_what_commonly_identifies_and_keeps_the_findings() -> None:
    """A report sentence named another patient, a doctor and dates: the handout printed it
    under "No patient identifiers"."""
    from indexer.deidentify import scrub_free_text

    text = ("Patient John SMITH (MRN 4455667, DOB 02/03/1961) compared with CMR of 14 May "
            "2019, acc A030000001. Discussed with Dr. A. Jones on 30/09/2025.")
    assert scrub_free_text(text) == ("[name] ([id], DOB [date]) compared with CMR of [date], "
                                     "[id]. Discussed with [name] on [date].")
    clinical = ("Dilated LV (LVEDVi 130 ml/m2), LVEF 25 %. Transmural LGE in segments 1-6, "
                "scar 10.5 % at 3T. Patient has HCM; 2019 follow-up.")
    assert scrub_free_text(clinical) == clinical
    # words that begin like a label, and a patient's history, are not identifiers
    for kept in ("Idiopathic dilated cardiomyopathy; Dobutamine stress; accelerated rhythm; "
                 "Accessory pathway; Gadolinium accumulation; ID CARD",
                 "Patient: Known DCM with LBBB.", "Indication: Patient With Suspected HCM.",
                 "Patient Has Fabry Disease", "LGE in segments 1/7/13 and 7-8-13-14"):
        assert scrub_free_text(kept) == kept
    assert scrub_free_text("ID: A12345, acc. no. 9981234") == "[id], [id]"


def test_dates_and_numbers_as_viewers_and_the_nhs_write_them() -> None:
    """A handout of a de-identified index printed the real birth and study dates and the
    NHS number: "09-Apr-1954" (as DICOM viewers print a date) and "943 476 5919"."""
    from indexer.deidentify import scrub_free_text

    text = ("Patient born 09-Apr-1954, first scanned 16-Feb-2010 and in Sept 2019; "
            "NHS 943 476 5919, NHS no. 943-476-5919, 943 476 5919.")
    assert scrub_free_text(text) == ("Patient born [date], first scanned [date] and in [date]; "
                                     "[id], [id], [id].")
    own = dataclasses.replace(INFO, patient_birth_date="19540409")
    assert scrub("born 09 Apr 1954 (9-apr-1954)", own) == "born [date] ([date])"
    for kept in ("LVEDV 150 ml, 2019 follow-up", "LGE in segments 1-6 and 7-12",
                 "EDV 120 150 ml", "HR 60 70 bpm, 123 456 7890 ms"):
        assert scrub_free_text(kept) == kept


def test_names_in_capitals_surname_first_or_as_dicom_writes_them() -> None:
    """"Patient QUINN ROSSI", "PETROV, XAVIER", "ROSSI^QUINN" and "Mother of Xavier Petrov"
    reached a teaching file's handout as written."""
    from indexer.deidentify import scrub_free_text

    text = ("Patient QUINN ROSSI; Patient: PETROV, XAVIER; PATIENT NAME: QUINN ROSSI; "
            "ROSSI^QUINN; Petrov^Xavier^^Dr; SMITH^J; Mother of Xavier Petrov has HCM; "
            "Brother of Index Case John Smith; Daughter of the late Mary Jones.")
    assert scrub_free_text(text) == (
        "[name]; [name]; [name]; [name]; [name]; [name]; Mother of [name] has HCM; "
        "Brother of Index Case [name]; Daughter of the late [name].")
    # capitals after "Patient" are a name only after a "name" label or surname first; family
    # screening's words are no relative's name
    for kept in ("PATIENT: KNOWN DCM", "PATIENT DETAILS: see above", "Sister of HCM patient",
                 "Son of Known DCM patient", "Patient: HCM, LVOT obstruction",
                 "Platelets 250 x 10^9/L", "Patient Tolerated Well", "PATIENT DECLINED CONTRAST",
                 "PATIENT OBESE, LIMITED IMAGES", "Pt Anxious, Sedated",
                 "Sister of Index Case with HCM", "Brother of Proband Carrying MYH7",
                 "Mother of Deceased Proband", "LVEDVI 80 ML/M^2", "LVEF 55% (N^)",
                 "volumes 120 180 1400 mL", "HR 100 120 1400 bpm",
                 "Brother of Proband Carrying MYH7", "Platelets 10^9/L"):
        assert scrub_free_text(kept) == kept


def test_free_text_finds_names_with_letters_beyond_ascii() -> None:
    """"Patient Zoe Smith" became [name]; "Patient Zoë Smith" and "Mr. Müller" stayed."""
    from indexer.deidentify import scrub_free_text

    for text in ("Patient Zoë Smith was seen.", "Patient Zoe Smith was seen.",
                 "Mr. Müller was seen.", "Pt. Łukasz Żółć was seen.",
                 "Dr O’Brien was seen.", "Patient Zoe\u0308 Smith was seen."):
        assert scrub_free_text(text) == "[name] was seen.", text
    assert scrub_free_text("Patient: Known DCM with LBBB; Ödem.") == \
        "Patient: Known DCM with LBBB; Ödem."


def test_a_name_is_found_however_the_header_and_the_report_spell_it() -> None:
    """MUELLER^JUERGEN in the header, "Jürgen Müller" in the report: the report kept it."""
    umlauts = dataclasses.replace(INFO, patient_name="MUELLER^JUERGEN",
                                  referring_physician_name="Strauß^José")
    out = scrub("Jürgen Müller (Juergen MUELLER, J. Muller), sent by Dr Strauss, Dr "
                "STRAUß and Jose; Müllerstraße 5.", umlauts)
    assert out == ("[name] [name] ([name] [name], J. [name]), sent by Dr [name], Dr [name] "
                   "and [name]; Müllerstraße 5.")
    accented = dataclasses.replace(INFO, patient_name="Zoë^Müller", institution_name="Köln")
    assert scrub("Zoe MUELLER, Zoë Muller, Koeln; zoe sat in Kolner.", accented) == \
        "[name] [name], [name] [name], [institution]; zoe sat in Kolner."


def test_free_text_loses_email_addresses_and_phone_numbers() -> None:
    from indexer.deidentify import scrub_free_text

    text = ("Results to jane.doe@uni-klinik.de or Tel 0228 123 4567, +49 (228) 123-4567, "
            "(0228) 123-4567, +44 20 7946 0958, 01 23 45 67 89, (555) 123-4567; fax: 123 45 67.")
    assert scrub_free_text(text) == ("Results to [email] or Tel [phone], [phone], [phone], "
                                     "[phone], [phone], [phone]; fax: [phone].")


def test_an_age_over_89_becomes_over_89() -> None:
    """The header's PatientAge became 090Y, and "a 93-year-old" stayed in the report."""
    from indexer.deidentify import scrub_free_text

    text = ("A 93-year-old woman, aged 95 (age: 101), 91 y/o; at the age of 92; 94M; "
            "die 92-jährige Patientin. An 85-year-old, aged 45.")
    once = scrub_free_text(text)
    assert once == (
        "A [age over 89] woman, aged [over 89] (age: [over 89]), [age over 89]; at the age of "
        "[over 89]; [age over 89] M; die [age over 89] Patientin. An 85-year-old, aged 45.")
    assert scrub_free_text(once) == once  # a handout of a de-identified index: scrubbed twice
    for kept in ("LVEF 93 %", "HR 95 bpm, RVEDV 93 ml", "in 93 of 100 cases",
                 "Image 93 of 120, stage 94", "an infant aged 90 days", "for 93 years",
                 "LV mass 93 g", "6 F sheath"):
        assert scrub_free_text(kept) == kept


@pytest.mark.parametrize("clinical", [
    "LVEF 35 %, LVEDV 150 ml, septum 12 mm at 1.5 T; all 16 segments; 0.1 mmol/kg Gd.",
    "Native T1 1020 +/- 30 ms, ECV 28 %, T2 52 ms, z-score +2.5, GLS -18.5 %.",
    "LVEDV 150/120 ml, LVEDVi 95 ml/m2 (normal 62-120), BP 120/80 mmHg, HR 60-70 bpm.",
    "AHA segments 1, 2, 3, 7, 8 and 13; LV mass 145 g (72 g/m2), scar 10.5 % (12 g).",
    "Symptoms 01/2019-03/2020; QRS 120 ms; NT-proBNP 1234 pg/ml; 6 Fr. sheath; 24 Hr. Holter.",
    "Mitral regurgitation grade M. The LV is dilated. Sig. LGE in 4 of 17 segments.",
])
def test_clinical_numbers_and_words_are_no_phone_nor_name(clinical: str) -> None:
    from indexer.deidentify import scrub_free_text

    assert scrub_free_text(clinical) == clinical


def test_titles_in_other_languages_are_followed_by_a_name() -> None:
    from indexer.deidentify import scrub_free_text

    titled = ("Herr Müller", "Hr. Meier", "Frau Dr. med. Schmidt", "Fr. Weber",
              "Prof. Dr. Hans Meier", "Mme Dupont", "M. Lefèvre", "Sr. García", "Sra. López",
              "Sig. Rossi", "Sig.ra Bianchi", "Dhr. de Vries", "Mevr. Jansen")
    assert scrub_free_text(", ".join(titled)) == ", ".join(["[name]"] * len(titled))
    assert scrub_free_text("Discussed with Dr Jones LBBB.") == "Discussed with [name] LBBB."


FOLDER = Path("pii/DOE_JOHNATHAN_PID123999/20190704")


def test_a_deidentified_studys_failure_is_logged_without_its_folder(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """With CMR_SEARCH_LOG_LEVEL=DEBUG the traceback named the real folder next to the
    pseudonym; a study as it is stored keeps its traceback."""
    from types import SimpleNamespace

    from indexer import prepare
    from indexer.measure import measure_study

    def unreadable(*args: object) -> None:
        raise ValueError(f"cannot read {FOLDER}/IM0001.dcm")

    monkeypatch.setattr(prepare, "study_stacks", unreadable)
    stacks, model = SimpleNamespace(sax=None), SimpleNamespace(key="m")
    for study in (DeidentifiedStudy(INFO, FOLDER, [], {}), Study(INFO, FOLDER, [], {})):
        caplog.clear()
        with caplog.at_level("DEBUG", logger="indexer"):
            measure_study(study, stacks, "f", model, SimpleNamespace())  # type: ignore[arg-type]
            prepare.prepare_study(prepare.Job(study, "f"), None, None)  # type: ignore[arg-type]
        if isinstance(study, DeidentifiedStudy):
            assert "DOE" not in caplog.text and "Traceback" not in caplog.text
            assert f"measuring {INFO.study_instance_uid} failed: StudyReadError: no short-axis" \
                in caplog.text and "ValueError: cannot read a file" in caplog.text
        else:
            assert str(FOLDER) in caplog.text and "Traceback" in caplog.text
