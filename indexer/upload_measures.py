"""Whether an uploaded study's measurements may join the search: only where the index was
measured by the same segmentation model (and measurement version)."""

from __future__ import annotations

from indexer.measure import SegmentationModel

_ALONE = "similar cases are found by the images and reports alone"
# how an administrator measures the archive with the server's model: a de-identified index is
# re-indexed de-identified (the plain command is refused there), as `measurement_warnings` says
_AGAIN = ("re-index the archive (`cmr-search index ARCHIVE`, with --deidentify where it was "
          "indexed so) to measure it with this one")


def _parts(key: str) -> tuple[str, str, str]:
    """A model key's (checkpoint and weights, test-time augmentation, measurement version):
    "sax-0123456789ab-plain-m20" -> ("sax-0123456789ab", "plain", "m20")."""
    head, _, version = key.rpartition("-")
    weights, _, tta = head.rpartition("-")
    return weights, tta, version


def _differs(index: str, here: str) -> str:
    """What tells the index's measurements from this server's, in words: the same network may
    differ only by its measurement version or its test-time augmentation, and "another
    segmentation model" said of those was untrue."""
    (index_weights, index_tta, index_version), (weights, tta, version) = \
        _parts(index), _parts(here)
    if index_weights == weights and index_tta == tta:
        return (f"the index was measured by another measurement version ({index_version}), "
                f"this server measures {version}")
    if index_weights == weights and index_version == version:
        return (f"the index was measured {'with' if index_tta == 'tta' else 'without'} "
                f"test-time augmentation, this server measures "
                f"{'with' if tta == 'tta' else 'without'} it")
    return (f"the index was measured by the segmentation model {index}, this server measures "
            f"with {here}")


def not_compared(segmentation: SegmentationModel | None, index_measured_by: str | None) -> str:
    """Why an upload's measurements cannot be compared with the index's, "" when they can:
    only numbers from the segmentation model (and measurement version) that measured the
    index find hearts that measure alike. An index built without measuring matched nothing by
    them, and another model's numbers were compared as if they were the same."""
    if not index_measured_by:
        return ("the index holds no measurements (it was built with measuring off, "
                f"CMR_SEARCH_MEASURE=0): {_ALONE}")
    if segmentation is None:
        return ("this server does not measure (CMR_SEARCH_MEASURE=0, or its segmentation "
                f"checkpoint is missing): {_ALONE}")
    if segmentation.key != index_measured_by:
        return f"{_differs(index_measured_by, segmentation.key)}: {_ALONE}; {_AGAIN}"
    return ""


def one_view_alone(view: str) -> str:
    """Why a search in one view did not compare the measurements: it compares that view's
    pictures (`SearchEngine.near_vectors`), and the API said "" as if they had joined it."""
    return f"a search in one view ({view}) compares its pictures alone"
