"""An index made when its archive was named by a relative path is kept, not embedded and
measured again, once the same folder is named by its absolute path."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest
from fakes.encoder import FakeEncoder
from fakes.segment import acdc_folder

from catalog import StudyPayload
from cmr_search.layout import DataLayout
from indexer.payload import study_fingerprint
from indexer.pipeline import IndexOptions, run_index
from indexer.records import EmbeddingRecord, MeasurementRecord, MeasurementStore, RecordStore
from indexer.relocate import carry_over, earlier_names, fingerprint_named
from indexer.sources import FolderSource
from indexer.summary import IndexSummary
from reader.nifti import read_info
from reader.scan import ScanResult
from vectorstore import Generations


def test_the_digest_is_the_study_fingerprint_under_the_name_given(
        tmp_path: Path, scanned: ScanResult) -> None:
    """It mirrors `study_fingerprint`: were the two to drift apart, nothing would be carried
    over (and every study embedded again), so they are held to the same digest here."""
    studies = [*scanned.studies[:2], read_info(acdc_folder(tmp_path))]
    for study in studies:
        assert fingerprint_named(study, str(study.folder)) == study_fingerprint(study)
        assert fingerprint_named(study, "synth/x") != study_fingerprint(study)


def _as_typed(folder: Path) -> FolderSource:
    """A folder source that names its archive as typed, as every run did before."""
    source = FolderSource(folder)
    source.root = folder
    return source


def _index(archive: Path | FolderSource, data: Path) -> IndexSummary:
    return run_index(archive, DataLayout(data), FakeEncoder(), Generations(data / "index"),
                     IndexOptions())


def test_records_made_under_a_relative_name_are_kept_when_it_is_named_absolute(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    """`cd /tmp/x; index synth` then `index /tmp/x/synth` embedded and measured it all again
    ("indexed 12, unchanged 0"): each fingerprint digests the paths as they were named."""
    for patient in ("patient901", "patient902"):
        acdc_folder(tmp_path / "synth", patient)
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    assert _index(_as_typed(Path("synth")), data).indexed == 2
    records = RecordStore(DataLayout(data).embeddings, FakeEncoder.key)
    earlier = records.fingerprints()
    assert records.get("acdc-patient901", earlier["acdc-patient901"]).payload.archive_path \
        == "synth/patient901"
    changed = tmp_path / "synth" / "patient902" / "Info.cfg"  # since: embedded again
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 10**9))
    monkeypatch.chdir(data)  # anywhere else
    with caplog.at_level(logging.INFO, logger="indexer.relocate"):
        again = _index(tmp_path / "synth", data)
    assert (again.indexed, again.unchanged) == (1, 1)
    said = [r.getMessage() for r in caplog.records if r.name == "indexer.relocate"]
    # not the archive's name: an export's folder is often named by the patient ID
    assert len(said) == 1 and "kept as they are" in said[0] and "synth" not in said[0]
    now = records.fingerprints()
    assert now["acdc-patient901"] != earlier["acdc-patient901"]
    kept = records.get("acdc-patient901", now["acdc-patient901"])
    assert kept.payload.archive_path == str(tmp_path / "synth" / "patient901")
    assert kept.payload.fingerprint == now["acdc-patient901"]
    assert (_index(tmp_path / "synth", data).indexed, len(list(records.folder.rglob("*.npz")))) \
        == (0, 2)  # nothing left under the old names


@pytest.mark.parametrize("deidentified", [False, True])
def test_a_measurement_record_goes_with_its_study(tmp_path: Path, deidentified: bool) -> None:
    """A de-identified record keeps no folder: the archive the published index names (as
    typed then) tells what the study's folder was named."""
    folder = acdc_folder(tmp_path / "synth")
    source = FolderSource(tmp_path / "synth")
    (candidate,) = source.discover(1, None).candidates
    options, uid = IndexOptions(), candidate.study_instance_uid
    old = options.stamped(fingerprint_named(source.study(uid), "synth/patient901"))
    new = options.stamped(candidate.fingerprint)
    records = RecordStore(tmp_path / "embeddings", "model-x")
    kept_path = "" if deidentified else "synth/patient901"
    records.put(EmbeddingRecord(uid, old, {"study": np.ones(4, np.float32) / 2},
                                StudyPayload(study_instance_uid=uid, archive_path=kept_path,
                                             fingerprint=old)))
    measurements = MeasurementStore(tmp_path / "measurements", "seg-x")
    measurements.put(MeasurementRecord(uid, old, "seg-x", values={"lvef": 55.0}))
    on_disk = records.fingerprints()
    moved = carry_over(source, [candidate], {uid: new}, on_disk, (records, measurements),
                       options.key, options.stamped, "synth" if deidentified else "")
    assert moved == 1 and on_disk == records.fingerprints() == {uid: new}
    assert measurements.fingerprints() == {uid: new}
    assert measurements.get(uid, new).values == {"lvef": 55.0}
    shown = records.get(uid, new).payload.archive_path
    assert shown == ("" if deidentified else str(folder))


def test_only_relative_names_are_tried(tmp_path: Path) -> None:
    study = read_info(acdc_folder(tmp_path / "synth"))
    root = tmp_path / "synth"
    assert earlier_names(study, root, "synth/patient901", "") == ["synth/patient901"]
    assert earlier_names(study, root, "", "../x/synth") == ["../x/synth/patient901"]
    assert earlier_names(study, root, "synth/patient901", "synth") == ["synth/patient901"]
    # an absolute folder elsewhere is another archive, and a PACS no folder
    assert earlier_names(study, root, "/old/synth/patient901", "dicomweb+https://pacs") == []


def test_a_relative_archive_is_looked_for_where_its_studies_are(tmp_path: Path) -> None:
    """What a reader (the web server's upload folder) takes an earlier run's relative archive
    to be: under a folder that run may have started in, only where its studies are."""
    from indexer.relocate import archive_meant

    (tmp_path / "site" / "synth" / "P1").mkdir(parents=True)
    (tmp_path / "decoy" / "synth").mkdir(parents=True)
    bases = [tmp_path / "decoy", tmp_path / "site", tmp_path / "site"]
    assert archive_meant("synth", bases, ["synth/P1", "", "/x/P2"]) == [tmp_path / "site" / "synth"]
    assert archive_meant("../site/synth", [tmp_path / "decoy"], ["../site/synth/P1"]) \
        == [tmp_path / "site" / "synth"]  # made absolute as a run makes it: no ".." kept
    assert archive_meant("synth", [tmp_path], ["synth/P1"]) == []


def test_a_relative_archive_is_not_taken_on_its_name_alone(tmp_path: Path) -> None:
    """Every same-named folder was taken where no study's folder was recorded under the name
    (de-identified), one holding a single study of many, or a recorded folder that climbs out
    of it ("synth/../decoy/P1" made decoy/synth the archive): uploads went into it."""
    from indexer.relocate import archive_meant

    (tmp_path / "decoy" / "synth" / "P1").mkdir(parents=True)
    (tmp_path / "decoy" / "P1").mkdir()
    bases = [tmp_path / "decoy"]
    assert archive_meant("synth", bases, ["", ""]) == []  # de-identified: no evidence
    assert archive_meant("synth", bases, ["/site/synth/P1"]) == []  # none under the name
    assert archive_meant("synth", bases, ["synth/P1", "synth/P2", "synth/P3"]) == []
    assert archive_meant("synth", bases, ["synth/../P1"]) == []  # decoy/P1: not under it
    assert archive_meant("synth/", bases, ["synth/P1", "synth/P2", "./synth/P1/../P3"]) \
        == []  # normalised alike: P1 of 3, not most
    assert archive_meant("./synth", bases, ["synth/P1", "synth/P2"]) == []  # a half
    (tmp_path / "decoy" / "synth" / "P2").mkdir()
    assert archive_meant("./synth", bases, ["synth/P1", "synth/P2", "synth/P3"]) \
        == [tmp_path / "decoy" / "synth"]
