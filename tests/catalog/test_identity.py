"""The one compatibility check between an index and a model."""

from __future__ import annotations

import pytest

from catalog import INDEX_VERSION, IndexMismatchError, check_compatible, index_identity, mismatch

MODEL = {"architecture": "tiny", "weights_sha256": "a" * 64}


def test_an_index_of_the_same_model_is_compatible() -> None:
    built = index_identity(MODEL, {"study": 4}, {"version": "v1"})
    assert built["index_version"] == INDEX_VERSION and "keyword_encoder" in built
    assert mismatch(built, built) is None
    assert mismatch(built, {"index_version": INDEX_VERSION, "model": MODEL}) is None


@pytest.mark.parametrize("change", [
    {"model": {**MODEL, "weights_sha256": "b" * 64}},
    {"index_version": "cmr-index-1"},
    {"vectors": {"study": 8}}, {"keyword_encoder": "another-tokenizer"}])
def test_any_difference_is_refused_with_the_fix(change: dict[str, object]) -> None:
    built = index_identity(MODEL, {"study": 4}, {})
    with pytest.raises(IndexMismatchError, match=r"^here: .*--rebuild"):
        check_compatible({**built, **change}, built, "here")


def test_an_index_from_before_the_tokenizer_was_recorded_still_serves() -> None:
    built = index_identity(MODEL, {"study": 4}, {})
    older = {k: v for k, v in built.items() if k != "keyword_encoder"}
    assert mismatch(older, built) is None


def test_measurements_of_an_older_version_are_named_with_what_they_lack() -> None:
    from catalog import MEASURE_VERSION, measurement_warnings

    assert measurement_warnings({}) == []  # indexed without measurements
    assert measurement_warnings({"segmentation_model": f"sax-plain-{MEASURE_VERSION}"}) == []
    [old] = measurement_warnings({"segmentation_model": "sax-synth-c0883750c007-plain-m5"})
    assert "older version (sax-synth-c0883750c007-plain-m5)" in old
    assert "regional wall motion" in old and "`cmr-search index ARCHIVE`" in old
    # the plain command is refused on a de-identified index
    [hidden] = measurement_warnings({"segmentation_model": "sax-synth-c0883750c007-plain-m5",
                                     "deidentified": True})
    assert "`cmr-search index ARCHIVE --deidentify`" in hidden
    assert ("lack regional wall motion, measure scar burden, maximum wall thickness, "
            "hearts whose apex the segmentation lost, trabeculated walls, ACDC's named phases "
            "and hearts whose LV jumped between slices, the LV base, the volume curves "
            "over the cycle, the wall motion's quality check, hearts with a slice the "
            "segmentation lost inside the stack, the end-systolic LV and RV borders, the "
            "RV's quality check, hearts whose thickest wall one slice alone shows, the "
            "quality checks of end-systole and of the RVEF, stacks with gaps between "
            "slices and shifted intensities, stacks with a blank slice and the volumes across "
            "a slice the export left blank the older way") in old
    changed = ["scar burden", "maximum wall thickness",
               "hearts whose apex the segmentation lost", "trabeculated walls",
               "ACDC's named phases and hearts whose LV jumped between slices", "the LV base",
               "the volume curves over the cycle", "the wall motion's quality check",
               "hearts with a slice the segmentation lost inside the stack",
               "the end-systolic LV and RV borders", "the RV's quality check",
               "hearts whose thickest wall one slice alone shows",
               "the quality checks of end-systole and of the RVEF",
               "stacks with gaps between slices and shifted intensities",
               "stacks with a blank slice",
               "the volumes across a slice the export left blank"]
    # every version from m6 to the one before this one
    for version, first in zip(range(6, int(MEASURE_VERSION[1:])), changed, strict=True):
        name = f"sax-synth-c0883750c007-plain-m{version}"
        [warning] = measurement_warnings({"segmentation_model": name})
        since = changed[version - 6:]
        listed = since[0] if len(since) == 1 else f"{', '.join(since[:-1])} and {since[-1]}"
        assert f"({name}) and measure {listed} the older way" in warning
        assert "lack" not in warning
        assert all(earlier not in warning for earlier in changed[:version - 6])
        assert first in warning
    assert "\n" not in old
    [unversioned] = measurement_warnings({"segmentation_model": "sax-synth-plain"})
    assert "older version" in unversioned and "regional wall motion" in unversioned


def test_measurements_of_a_newer_version_are_not_called_older() -> None:
    from catalog import MEASURE_VERSION, measurement_warnings

    newer = f"m{int(MEASURE_VERSION[1:]) + 1}"
    [rollback] = measurement_warnings({"segmentation_model": f"sax-synth-plain-{newer}"})
    assert f"a newer version (sax-synth-plain-{newer}) than this one ({MEASURE_VERSION})" \
        in rollback
    assert "older" not in rollback and "lack" not in rollback


def test_an_odd_version_suffix_is_named_not_raised() -> None:
    from catalog import measurement_warnings

    [odd] = measurement_warnings({"segmentation_model": "sax-synth-plain-m\u00b2"})
    assert "another version (sax-synth-plain-m\u00b2)" in odd


def test_the_probe_names_the_measurement_version_not_the_checkpoint() -> None:
    from catalog import measurement_warnings

    [old] = measurement_warnings({"segmentation_model": "sax-synth-c0883750c007-plain-m5"},
                                 name_model=False)
    assert "(m5)" in old and "c0883750c007" not in old and "sax-synth" not in old


def test_studies_left_unmeasured_by_the_index_model_are_counted() -> None:
    from catalog import MEASURE_VERSION, measurement_warnings

    metadata = {"segmentation_model": f"sax-plain-{MEASURE_VERSION}", "unmeasured_studies": 3}
    [left] = measurement_warnings(metadata)
    assert left.startswith("3 of the index's studies were not measured")
    assert measurement_warnings({**metadata, "unmeasured_studies": 0}) == []


def test_every_archive_an_index_holds_is_listed_old_indexes_too() -> None:
    """An index recorded the last run's archive only: a PACS, then a folder, indexed into one
    data folder was said to hold the folder's studies alone."""
    from catalog import archives_after, index_archives

    assert index_archives({"archive": "/data/old"}) == ["/data/old"]  # written before
    assert index_archives({}) == [] and index_archives({"archive": ""}) == []
    pacs = "dicomweb+http://pacs/dicom-web"
    first = archives_after(None, pacs, rebuild=False)
    second = archives_after({"archives": first, "archive": pacs}, "/data/folder", False)
    assert second == [pacs, "/data/folder"]
    assert index_archives({"archives": second, "archive": "/data/folder"}) == second
    again = archives_after({"archives": second}, pacs, False)  # the last run's comes last
    assert again == ["/data/folder", pacs]
    assert archives_after({"archive": "/data/old"}, "/data/new", False) == [
        "/data/old", "/data/new"]
    assert archives_after({"archives": second}, "/data/folder", rebuild=True) == [
        "/data/folder"]  # a rebuild holds this run's studies only


def test_an_address_with_credentials_is_never_kept_nor_shown_with_them() -> None:
    """An index written before addresses with credentials were refused kept the address as
    typed; every run since carried it on in "archives", and `stats` showed the password."""
    from catalog import archives_after, index_archives, shown_archive

    typed = "dicomweb+https://bob:s3cret@pacs.example:8443/dicom-web?token=abc"
    assert shown_archive(typed) == "dicomweb+https://pacs.example:8443/dicom-web"
    assert shown_archive("dimse://ORTHANC@pacs:4242") == "dimse://ORTHANC@pacs:4242"  # an AET
    assert shown_archive("/data/archive@2024") == "/data/archive@2024"  # a folder as it is
    assert index_archives({"archive": typed}) == ["dicomweb+https://pacs.example:8443/dicom-web"]
    kept = archives_after({"archive": typed}, "/data/folder", rebuild=False)
    assert kept == ["dicomweb+https://pacs.example:8443/dicom-web", "/data/folder"]
    assert "s3cret" not in str(archives_after(None, typed, rebuild=False))


def test_an_archive_its_studies_left_is_no_longer_listed() -> None:
    """The relative "synth" an index named before archives were absolute was listed beside
    "/data/synth" after the first run since carried its studies over, and a folder moved and
    indexed where it lies now beside its old place, for good."""
    from catalog import HeldArchives

    held = HeldArchives(["synth", "/old/pacs-export", "/data/synth"])
    for origin in ("/data/synth/P1", "/data/synth/P2/"):
        held.see(origin)
    assert held.result() == ["/data/synth"]
    # a study still recorded under a name keeps it; an earlier PACS named by its studies
    # (an index that recorded the last run's archive alone)
    held = HeldArchives(["synth", "/data/synth"])
    for origin in ("synth/P1", "/data/synth/P2", "dicomweb+http://pacs/dicom-web/studies/1.2"):
        held.see(origin)
    assert held.result() == ["dicomweb+http://pacs/dicom-web", "synth", "/data/synth"]
    # an origin unknown (de-identified: none kept), or no study seen: every archive stays
    for origins in (["", "/data/synth/P1"], ["/elsewhere/P9"], []):
        held = HeldArchives(["synth", "/data/synth"])
        for origin in origins:
            held.see(origin)
        assert held.result() == ["synth", "/data/synth"], origins
