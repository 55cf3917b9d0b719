"""A teaching note that looks as if it identifies a patient: kept, named to its curator on the
file's page, and left out of the handout."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from fakes.web import Secured

from accounts import Role
from web.teaching_notes import SHOWN, identifying, note_warning, scrub_note


@pytest.mark.parametrize(("note", "found"), [
    ("Pt Okafor, MRN SYN000001 - classic case",
     [("Okafor", "a name"), ("MRN SYN000001", "an ID")]),
    ("DOB 12/03/1961, LGE", [("12/03/1961", "a date")]),
    ("seen by Dr Smith (j.smith@example.org)",
     [("Dr Smith", "a name"), ("j.smith@example.org", "an e-mail address")]),
    ("aged 93 with HCM", [("93", "an age over 89")]),
    # a study's label or UID names one patient's study: the scrubber left them, or a piece
    ("as in acdc-patient045, septal LGE", [("acdc-patient045", "a study label")]),
    ("compare 1.2.840.113619.2.55.3 (Dr Smith)",
     [("1.2.840.113619.2.55.3", "a study UID"), ("Dr Smith", "a name")]),
])
def test_what_looks_identifying_is_named(note: str, found: list[tuple[str, str]]) -> None:
    assert identifying(note) == found


@pytest.mark.parametrize("note", [
    "", "Classic DCM, LVEF 35 %, mid-wall LGE in segments 1/7/13 at 1.5 T",
    "LVEF 35.5 %, LVEDVi 110.2 ml/m², version 1.2.3 of the protocol",
    "a placeholder typed as [id] is no ID"])
def test_a_note_of_findings_has_no_warning(note: str) -> None:
    assert identifying(note) == [] and note_warning(note) is None


def test_the_warning_is_one_line_naming_a_few() -> None:
    note = "MRN 12345678, DOB 1961-03-12, Dr Smith, Dr Jones, seen 2020-01-01"
    warning = note_warning(note)
    assert warning is not None and "\n" not in warning
    assert "“MRN 12345678” (an ID); “1961-03-12” (a date); “Dr Smith” (a name)" in warning
    assert f"and {len(identifying(note)) - SHOWN} more" in warning


def test_an_identifying_note_is_kept_named_on_the_page_and_left_out_of_the_handout(
        secured: Secured) -> None:
    """"Pt Okafor, MRN SYN000001 - classic case" was taken without a word."""
    client, app = secured.client, secured.app
    as_curator = secured.auth(Role.CURATOR)
    added = client.post("/teaching/add", headers=as_curator, follow_redirects=False, data={
        "study_instance_uid": "1.1", "new_name": "DCM",
        "note": "Pt Okafor, MRN SYN000001 - classic case"})
    assert added.status_code == 303
    where = added.headers["location"]
    collection_id = int(where.rsplit("/", 1)[1])
    files = app.state.teaching
    files.add(collection_id, "curator", "1.2", "Septal LGE, a classic pattern", "")
    [warned, clean] = files.cases(collection_id)
    assert warned.note == "Pt Okafor, MRN SYN000001 - classic case"  # kept as written
    page = client.get(where, headers=as_curator)
    assert page.text.count(
        "This note may identify a patient: “Okafor” (a name); “MRN SYN000001” (an ID).") == 1
    assert f'that may identify a patient (each says what): <a href="#case-{warned.id}">case 1' \
        in page.text and f'href="#case-{clean.id}"' not in page.text
    files.share(collection_id, "curator", "clinician", "read")  # reads, cannot edit it
    assert "may identify" not in client.get(where, headers=secured.auth(Role.CLINICIAN)).text
    export = client.get(f"{where}/export.zip", headers=as_curator)
    with zipfile.ZipFile(io.BytesIO(export.content)) as zf:
        handout = zf.read("dcm/handout.html").decode()
    assert "SYN000001" not in handout and "Okafor" not in handout and "classic case" in handout


def test_a_long_note_is_read_in_linear_time() -> None:
    """A 4,000-character note of 235 dates took 4.5 s at the first view of its file's page
    (a token difference of the note and its scrubbed text); each date is named as before."""
    note = ("seen 2020-01-01, " * 250)[:3990].rsplit(",", 1)[0]
    started = time.perf_counter()
    found = identifying(note)
    assert time.perf_counter() - started < 1.0
    assert found == [("2020-01-01", "a date")] * note.count("2020-01-01")


@pytest.mark.parametrize(("note", "found"), [
    ("NHS 943 476 5919 Dr Smith, HCM", [("NHS 943 476 5919 Dr Smith", "an ID or a name")]),
    ("MRN 12345678, Dr Smith (j.smith@example.org)", [
        ("MRN 12345678", "an ID"), ("Dr Smith", "a name"),
        ("j.smith@example.org", "an e-mail address")])])
def test_stretches_side_by_side_are_named_whole(note: str, found: list[tuple[str, str]],
                                                ) -> None:
    assert identifying(note) == found


def test_the_handout_leaves_out_the_study_labels_and_uids_the_warning_names() -> None:
    """The warning said "the handout leaves such text out", and the handout printed
    "acdc-patient045" as typed and a UID half-scrubbed ("1.2.840.[id].2.55.3")."""
    note = "Same as acdc-patient045, UID 1.2.840.113619.2.55.3; LVEF 35.5 %, 1.5 T"
    printed = scrub_note(note)
    assert "patient045" not in printed and "113619" not in printed and "2.55.3" not in printed
    assert "LVEF 35.5 %, 1.5 T" in printed
