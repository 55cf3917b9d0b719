"""Unpacking an uploaded zip safely: no paths outside the scratch folder, sizes, member counts
and packing ratios bounded (checked from the zip's directory, and again while each member
streams out), a Mac's litter left behind; and what the upload's messages call it.

`UploadError` is every upload refusal's type, here because unpacking is the first to refuse.
"""

from __future__ import annotations

import lzma
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO


class UploadError(ValueError):
    """An uploaded study cannot be read: not a zip, no DICOM, no cine, over a limit; the message
    names the uploaded file and the reason."""


@dataclass(frozen=True)
class UploadLimits:
    """What an uploaded zip may hold, checked from its directory before unpacking and again
    while each member streams out (a zip may understate its sizes)."""

    max_unpacked_bytes: int = 2 * 1024**3  # a CMR study is ~10-300 MB
    max_ratio: float = 50.0  # unpacked / packed, of the whole zip and of each large member
    max_members: int = 10000
    max_name_chars: int = 255  # of one path component (what file systems allow)


_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_RATIO_FROM = 1 << 20  # a member's own ratio counts from 1 MiB (small headers pack well)
_CHUNK = 1 << 16
# what an upload may hold, as its refusals say it (an empty zip: "no DICOM study found")
WANTED = "the study's DICOM files, in folders or not, or one ACDC-style NIfTI patient folder"


def _check_member(label: str, member: zipfile.ZipInfo, limits: UploadLimits) -> PurePosixPath:
    name = PurePosixPath(member.filename)
    if name.is_absolute() or ".." in name.parts or "\\" in member.filename \
            or any(ord(c) < 32 for c in member.filename):
        raise UploadError(f"{label}: unsafe path {member.filename[:100]!r}")
    if any(len(part.encode()) > limits.max_name_chars for part in name.parts):
        raise UploadError(f"{label}: member name over {limits.max_name_chars} characters")
    if member.flag_bits & 0x1:
        raise UploadError(f"{label}: {member.filename[:100]!r} is encrypted")
    if member.compress_type not in _METHODS:
        raise UploadError(f"{label}: {member.filename[:100]!r} uses compression method "
                          f"{member.compress_type}, which is not supported")
    if member.file_size > _RATIO_FROM and \
            member.file_size > limits.max_ratio * max(member.compress_size, 1):
        raise UploadError(f"{label}: {member.filename[:100]!r} unpacks more than "
                          f"{limits.max_ratio:g} times its packed size")
    return name


def _plan(label: str, zf: zipfile.ZipFile, packed: int,
          limits: UploadLimits) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """The members to unpack, every limit checked from the zip's directory."""
    members = [m for m in zf.infolist() if not m.is_dir()]
    if len(members) > limits.max_members:
        raise UploadError(f"{label}: more than {limits.max_members} files")
    total = sum(m.file_size for m in members)
    if total > limits.max_unpacked_bytes:
        raise UploadError(f"{label}: larger than {limits.max_unpacked_bytes >> 20} MB unpacked")
    if total > _RATIO_FROM and total > limits.max_ratio * max(packed, 1):
        raise UploadError(f"{label}: unpacks more than {limits.max_ratio:g} times its size")
    plan = [(m, _check_member(label, m, limits)) for m in members]
    files = {name for _, name in plan}
    if len(files) < len(plan):
        raise UploadError(f"{label}: the same member name twice")
    folders = {parent for name in files for parent in name.parents}
    clash = sorted(str(n) for n in files & folders)
    if clash:
        raise UploadError(f"{label}: {clash[0][:100]!r} is both a file and a folder")
    # empty files hold no DICOM; a Mac's zip adds resource forks and folder settings beside
    # every file, which would be skipped as junk and copied into the archive with a kept study
    return [(m, name) for m, name in plan if m.file_size > 0 and not _mac_litter(name)]


def _mac_litter(name: PurePosixPath) -> bool:
    return "__MACOSX" in name.parts or name.name.startswith("._") or name.name == ".DS_Store"


def _unpack(zf: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Stream one member out; the bytes written (never more than it declared, nor `budget`)."""
    written = 0
    with zf.open(member) as source, target.open("wb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > member.file_size or written > budget:
                raise UploadError("unpacks to more than it declares")
            out.write(chunk)
    return written


def extract_zip(archive: Path, dest: Path, limits: UploadLimits = UploadLimits(),
                label: str | None = None) -> Path:
    """Unpack a zip safely (no paths outside `dest`, bounded sizes and ratio, checked before
    and while unpacking); UploadError naming `label` (the uploaded file) otherwise."""
    label = label or archive.name
    if not zipfile.is_zipfile(archive):
        with archive.open("rb") as handle:
            started_as_zip = handle.read(4) == b"PK\x03\x04"
        if started_as_zip:  # its end (the zip's directory) is missing: it was cut off
            raise UploadError(f"{label}: a damaged or incomplete zip file (cut off before its "
                              "end): upload it again")
        raise UploadError(f"{label}: not a zip file (upload {WANTED}, as one .zip)")
    budget = limits.max_unpacked_bytes
    member_name = ""
    try:
        with zipfile.ZipFile(archive) as zf:
            for member, name in _plan(label, zf, archive.stat().st_size, limits):
                member_name = member.filename[:100]
                target = dest.joinpath(*name.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                budget -= _unpack(zf, member, target, budget)
    except UploadError as error:
        if str(error).startswith(label):
            raise
        raise UploadError(f"{label}: {member_name!r} {error}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, EOFError,
            NotImplementedError, RuntimeError, OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        where = f" {member_name!r}" if member_name else ""
        raise UploadError(f"{label}:{where} cannot be unpacked ({reason[:120]})") from None
    return dest


def upload_label(filename: str) -> str:
    """The uploaded file's own name, for messages only (never used as a path)."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    name = "".join(c for c in name if c.isprintable())[:100]
    return name if name not in ("", ".", "..") else "upload.zip"


def may_hold_research(stream: BinaryIO) -> bool:
    """Whether an uploaded zip may hold a research (ACDC-style NIfTI) patient, from its
    directory alone (nothing unpacked): it names a NIfTI volume (.nii.gz), which such a
    patient's folder holds. One that does not is DICOM or nothing at all. A stream that is no
    readable zip is not judged here (True): reading it says what is wrong. The stream is left
    at its start."""
    try:
        with zipfile.ZipFile(stream) as zf:
            return any(n.lower().endswith(".nii.gz") for n in zf.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return True
    finally:
        stream.seek(0)
