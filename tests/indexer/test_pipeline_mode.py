"""An index run de-identifies as the earlier runs of its index did, or rebuilds it: a
de-identified run over an identified index kept each study's identified copy searchable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from catalog import IndexMismatchError, StudyPayload
from indexer.pipeline import _same_mode
from indexer.records import EmbeddingRecord, RecordStore


def _store(tmp_path: Path, archive_path: str) -> tuple[RecordStore, dict[str, str]]:
    records = RecordStore(tmp_path / "embeddings", "model-x")
    payload = StudyPayload(study_instance_uid="1.2.3", archive_path=archive_path)
    records.put(EmbeddingRecord("1.2.3", "f" * 32, {"study": np.ones(4, np.float32) / 2},
                                payload))
    return records, records.fingerprints()


def test_a_de_identified_run_over_identified_studies_is_refused(tmp_path: Path) -> None:
    records, earlier = _store(tmp_path, "/archive/SMITH^JOHN/20190514")
    with pytest.raises(IndexMismatchError, match=r"holds 1 identified studies .* --rebuild"):
        _same_mode(records, earlier, deidentified=True)
    _same_mode(records, earlier, deidentified=False)  # as before: fine


def test_an_identified_run_over_de_identified_studies_is_refused(tmp_path: Path) -> None:
    records, earlier = _store(tmp_path, "")
    with pytest.raises(IndexMismatchError, match="holds 1 de-identified studies"):
        _same_mode(records, earlier, deidentified=False)
    _same_mode(records, earlier, deidentified=True)


def test_ctrl_c_keeps_the_studies_prepared_before_it(archive: Path, tmp_path: Path) -> None:
    """"embed studies: 1/6", then "0 studies embedded in this run are kept": the batch that
    waited for the encoder was thrown away."""
    from fakes.encoder import FakeEncoder

    from cmr_search.layout import DataLayout
    from indexer.pipeline import IndexOptions, run_index
    from vectorstore import Generations

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "embed studies" and done == 2:
            raise KeyboardInterrupt

    encoder = FakeEncoder()
    summary = run_index(archive, DataLayout(tmp_path), encoder, Generations(tmp_path / "index"),
                        IndexOptions(batch_size=16), progress)
    assert summary.interrupted and summary.indexed == 2
    assert len(RecordStore(DataLayout(tmp_path).embeddings, encoder.key).fingerprints()) == 2


def test_an_empty_set_of_studies_is_no_study_and_an_empty_rebuild_is_refused(
        tmp_path: Path) -> None:
    """A rebuild from an empty folder published every earlier study and reported 0 (an
    empty choice read as "all" records)."""
    from fakes.encoder import FakeEncoder

    from cmr_search.layout import DataLayout
    from indexer.pipeline import IndexOptions, run_index
    from indexer.publish import EmptyRebuildError
    from vectorstore import Generations

    records, earlier = _store(tmp_path, "")
    assert list(records.all({})) == [] and len(list(records.all())) == 1
    assert len(list(records.all(earlier))) == 1
    (tmp_path / "empty").mkdir()
    with pytest.raises(EmptyRebuildError, match="empty: no studies found to rebuild"):
        run_index(tmp_path / "empty", DataLayout(tmp_path / "data"), FakeEncoder(),
                  Generations(tmp_path / "data" / "index"), IndexOptions(rebuild=True))


def test_a_record_that_cannot_be_read_now_is_no_damage(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Every OSError counted as damage: an I/O error on a network mount, or a record a sudo
    run wrote, deleted good records and published the index without them."""
    records, earlier = _store(tmp_path, "")

    def cannot(*args: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(RecordStore, "get", cannot)
    with pytest.raises(PermissionError):
        list(records.all(earlier))
    monkeypatch.undo()
    assert records.unreadable == [] and len(list(records.all(earlier))) == 1


def test_damaged_records_are_set_aside_only_when_a_run_publishes_without_them(
        tmp_path: Path) -> None:
    """They were renamed as soon as they were read: a run that then refused to publish left
    the next one without them, publishing without a word."""
    records, earlier = _store(tmp_path, "")
    path = records._path("1.2.3", "f" * 32)
    path.write_bytes(b"PK\x03\x04 cut short")
    assert list(records.all(earlier)) == [] and records.unreadable == ["1.2.3"]
    assert path.is_file()  # not yet: the run may refuse to publish
    records.set_aside()
    assert not path.exists() and path.with_suffix(".damaged").is_file()



def test_what_was_set_aside_goes_once_its_study_is_whole_again(tmp_path: Path) -> None:
    """A `.damaged` record stayed for ever beside the study's good record, one more each
    time; one set aside in this run, or of a study not embedded again, is kept to look into."""
    records, earlier = _store(tmp_path, "")
    good = records._path("1.2.3", "f" * 32)
    earlier_copy = good.with_name(f"1.2.3__{'e' * 32}.damaged")  # an older version's
    earlier_copy.write_bytes(b"PK\x03\x04 cut short")
    gone = records.folder / "99" / f"1.2.99__{'d' * 32}.damaged"  # a study not embedded again
    gone.parent.mkdir()
    gone.write_bytes(b"PK\x03\x04 cut short")
    now = records._path("1.2.4", "c" * 32)  # damaged in this run
    now.parent.mkdir()
    now.write_bytes(b"PK\x03\x04 cut short")
    members = {**earlier, "1.2.4": "c" * 32}
    assert len(list(records.all(members))) == 1 and records.unreadable == ["1.2.4"]
    records.set_aside(members)
    assert good.is_file() and not earlier_copy.exists()
    assert gone.is_file() and now.with_suffix(".damaged").is_file()

def test_a_folder_with_no_study_is_refused_and_the_index_left_as_it_is(
        tmp_path: Path) -> None:
    """An empty, mistyped or unmounted archive said "indexed 0" and exit 0 to a nightly job,
    and published the index again as that folder's; a folder whose studies are all
    unchanged is no such folder."""
    from fakes.encoder import FakeEncoder
    from fakes.segment import acdc_folder

    from cmr_search.layout import DataLayout
    from indexer.pipeline import IndexOptions, run_index
    from indexer.publish import EmptyArchiveError
    from vectorstore import Generations

    data, index = tmp_path / "data", Generations(tmp_path / "data" / "index")

    def run(folder: Path) -> Any:
        return run_index(folder, DataLayout(data), FakeEncoder(), index, IndexOptions())

    acdc_folder(tmp_path / "archive")
    assert run(tmp_path / "archive").indexed == 1
    published = index.current()
    (tmp_path / "empty").mkdir()
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "notes.txt").write_text("not a study")
    (junk / "IM0001").write_bytes(b"\0" * 300)
    with pytest.raises(EmptyArchiveError, match=rf"^{tmp_path / 'empty'}: no DICOM or NIfTI "
                       r"study found \(it holds no file to read\); the index is left as it is$"):
        run(tmp_path / "empty")
    with pytest.raises(EmptyArchiveError, match=rf"^{junk}: no DICOM or NIfTI study found "
                       r"\(skipped 2: 1 not DICOM \(.+\), 1 .+\); the index is left as it is$"):
        run(junk)
    assert index.current() == published
    again = run(tmp_path / "archive")
    assert (again.indexed, again.unchanged) == (0, 1)


def test_a_folder_whose_studies_have_no_cine_is_no_empty_archive(tmp_path: Path) -> None:
    """From a review: a folder holding a brain MR only was refused with "no DICOM or NIfTI
    study found (skipped 1: 1 study has no cine series)", which the message itself denied; a
    PACS window of such studies is no fault either."""
    from fakes.dicom import mr_image
    from fakes.encoder import FakeEncoder

    from cmr_search.layout import DataLayout
    from indexer.pipeline import IndexOptions, run_index
    from vectorstore import Generations

    (tmp_path / "brain").mkdir()
    mr_image(tmp_path / "brain" / "IM0001", SeriesDescription="t2_tse_tra")
    data = tmp_path / "data"
    summary = run_index(tmp_path / "brain", DataLayout(data), FakeEncoder(),
                        Generations(data / "index"), IndexOptions())
    assert summary.indexed == 0
    assert [s["reason"] for s in summary.skipped] == ["study has no cine series"]
