"""Whether an uploaded study's measurements may join the search: only where the index was
measured by the same segmentation model (and measurement version)."""

from __future__ import annotations

from indexer.measure import SegmentationModel

_ALONE = "similar cases are found by the images and reports alone"


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
        return (f"the index was measured by the segmentation model {index_measured_by}, this "
                f"server measures with {segmentation.key}: {_ALONE}; re-index with "
                "`cmr-search index ARCHIVE` to measure the archive with this one")
    return ""
