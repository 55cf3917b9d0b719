"""Our storage side of a DIMSE retrieve: the storage SOP classes and transfer syntaxes we
accept, and the instances that arrive by C-STORE (C-GET's sub-operations, or C-MOVE to our
own storage SCP), each written to the folder registered for its series."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from pydicom.uid import (
    JPEG2000,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLosslessSV1,
    JPEGLSLossless,
    JPEGLSNearLossless,
    RLELossless,
)
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    BasicTextSRStorage,
    ComprehensiveSRStorage,
    EnhancedMRImageStorage,
    EnhancedSRStorage,
    MRImageStorage,
)

from pacs.client import is_uid

STORAGE = (MRImageStorage, EnhancedMRImageStorage, BasicTextSRStorage, EnhancedSRStorage,
           ComprehensiveSRStorage)
# what the reader decodes (pylibjpeg: JPEG, JPEG-LS, JPEG 2000, RLE), so a PACS sends each
# series as it holds it: one that cannot transcode JPEG-LS, a common archive syntax, refused
# the C-GET where only the lossless JPEG and JPEG 2000 syntaxes were offered
SYNTAXES = [ExplicitVRLittleEndian, ImplicitVRLittleEndian, RLELossless, JPEG2000Lossless,
            JPEGLosslessSV1, JPEGLSLossless, JPEGLSNearLossless, JPEG2000, JPEGBaseline8Bit,
            JPEGExtended12Bit]


class Received:
    """Instances arriving by C-STORE (C-GET's sub-operations, or C-MOVE to our SCP), written
    to the folder registered for their series."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.folders: dict[str, Path] = {}
        self.by_series: dict[str, int] = {}  # bytes received for each series being fetched
        self.failures: dict[str, str] = {}  # why an instance of a series could not be written
        self.bytes = 0

    def on_store(self, event: Any) -> int:
        ds = event.dataset
        series = str(ds.get("SeriesInstanceUID", ""))
        with self.lock:
            folder = self.folders.get(series)
        if folder is None:
            return 0xA801  # not asked for: refused
        sop = str(ds.get("SOPInstanceUID", ""))
        if not is_uid(sop):  # it names a file here: "../../x" wrote outside the cache
            with self.lock:
                self.failures[series] = "the PACS sent an invalid SOP Instance UID"
            return 0xA900  # dataset does not match the SOP class: the PACS counts it failed
        data = event.encoded_dataset(include_meta=True)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{sop}.dcm").write_bytes(data)
        except OSError as error:  # a full disk: ours to say (pynetdicom's log is quiet)
            with self.lock:
                self.failures[series] = f"{folder}: {error.strerror or type(error).__name__}"
            return 0xA700  # out of resources: the PACS counts the instance failed
        with self.lock:
            self.bytes += len(data)
            self.by_series[series] = self.by_series.get(series, 0) + len(data)
        return 0x0000
