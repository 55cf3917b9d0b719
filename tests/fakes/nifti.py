"""NIfTI files with header fields nibabel would not write: a zero or NaN pixdim."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

_PIXDIM_1 = 80  # byte offset of pixdim[1] in a NIfTI-1 header (pixdim[0] is at 76)


def write_pixdim(path: Path, zooms: tuple[float, float, float]) -> None:
    """Overwrite pixdim[1:4] of a .nii.gz file in place, as a damaged export would have them
    (nibabel sets a zero pixdim to 1 and takes sizes from the affine when it saves)."""
    raw = bytearray(gzip.decompress(path.read_bytes()))
    little = struct.unpack("<i", raw[:4])[0] == 348  # sizeof_hdr tells the byte order
    raw[_PIXDIM_1:_PIXDIM_1 + 12] = struct.pack("<3f" if little else ">3f", *zooms)
    path.write_bytes(gzip.compress(bytes(raw)))
