"""Broken and hostile zips, made byte by byte: each one used to be a 500 on upload."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset

CONTENT = b"DICM" * 4096  # 16 KiB that packs well
LOCAL, CENTRAL = b"PK\x03\x04", b"PK\x01\x02"


def plain(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        for name, body in files.items():
            zf.writestr(name, body)
    return buffer.getvalue()


def _patch(data: bytes, local_offset: int, central_offset: int, fmt: str,
           value: int) -> bytes:
    """Set one field in the (single) member's local header and central directory entry."""
    out = bytearray(data)
    for signature, offset in ((LOCAL, local_offset), (CENTRAL, central_offset)):
        at = out.index(signature) + offset
        out[at:at + struct.calcsize(fmt)] = struct.pack(fmt, value)
    return bytes(out)


def bad_crc() -> bytes:
    data = bytearray(plain({"a.dcm": CONTENT}, zipfile.ZIP_STORED))
    at = data.index(CONTENT) + 100
    data[at] ^= 0xFF
    return bytes(data)


def understated_size() -> bytes:
    return _patch(plain({"a.dcm": CONTENT}, zipfile.ZIP_STORED), 22, 24, "<I", 10)


def unknown_method() -> bytes:
    return _patch(plain({"a.dcm": CONTENT}), 8, 10, "<H", 99)


def encrypted() -> bytes:
    return _patch(plain({"a.dcm": CONTENT}), 6, 8, "<H", 0x1)


def corrupt_deflate() -> bytes:
    data = bytearray(plain({"a.dcm": bytes(range(256)) * 64}))
    start = data.index(LOCAL) + 30 + len("a.dcm")
    data[start:start + 40] = b"\xff" * 40
    return bytes(data)


def long_name() -> bytes:
    return plain({"x" * 300 + ".dcm": b"x"})


def file_and_folder() -> bytes:
    return plain({"a": b"x", "a/b": b"y"})


def bomb() -> bytes:
    """8 MiB of zeros in a few KiB."""
    return plain({"zeros.dcm": bytes(8 << 20)})


HOSTILE: dict[str, tuple[Callable[[], bytes], str]] = {
    "bad CRC": (bad_crc, "cannot be unpacked"),
    "understated size": (understated_size, "cannot be unpacked"),
    "unknown compression method": (unknown_method, "compression method 99"),
    "encryption": (encrypted, "is encrypted"),
    "corrupt deflate data": (corrupt_deflate, "cannot be unpacked"),
    "member name over 255 characters": (long_name, "over 255 characters"),
    "members a and a/b": (file_and_folder, "both a file and a folder"),
    "compression bomb": (bomb, "times its"),
}


def zipped_study(folder: Path, change: Callable[[Dataset], bool] | None = None) -> bytes:
    """A study's folder as an upload would zip it (paths from the folder's parent), each DICOM
    file first offered to `change`, which edits the dataset and returns True to keep the edit
    (False leaves the file as it was)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if not path.is_file():
                continue
            data = path.read_bytes()
            if change is not None and data[128:132] == b"DICM":
                ds = pydicom.dcmread(io.BytesIO(data))
                if change(ds):
                    out = io.BytesIO()
                    ds.save_as(out)
                    data = out.getvalue()
            zf.writestr(str(path.relative_to(folder.parent)), data)
    return buffer.getvalue()
