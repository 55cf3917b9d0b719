"""Which model built an index, and the one check that refuses a model another index's vectors.

The indexer records `index_identity` with the collection; the indexer (before adding to it),
search (before answering) and the web app's readiness probe all ask `mismatch`.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from catalog.schema import INDEX_VERSION
from vectorstore.base import StoreError
from vectorstore.keywords import KEYWORD_ENCODER

# what must agree between an index and the model that queries it
_MUST_MATCH = ("index_version", "model", "vectors", "keyword_encoder")
# recorded since the tokenizer was named; an index from before used the same one
_ASSUMED = {"keyword_encoder": KEYWORD_ENCODER}
REBUILD_HINT = "re-index with `cmr-search index ARCHIVE --rebuild`"
FOREIGN_HINT = ("holds no cmr-search index (another application's?); it is never changed or "
                "deleted: name another collection (CMR_SEARCH_QDRANT_COLLECTION) or data folder")

# bump when what a measurement record holds, or how it is computed, changes; the indexer names
# its records with it, and an index records the name (`segmentation_model`, "...-m8")
MEASURE_VERSION = "m22"  # m2: scar from LGE; m3: the RV base at ES, the readers' LV border;
# m4: RV blood judged per slice; m5: ES read inside ED, one LV piece per slice along the stack;
# m6: the hypokinetic share of the LV wall (regional wall motion); m7: scar burden counts
# subendocardial scar the network labelled cavity; m8: the maximum wall thickness across the
# wall, not along the slice; m9: apical slices where the network lost the LV read again at a
# finer grid (segment.apex); m10: the maximum wall thickness and the mid-ventricular AHA
# segments' thickness up to the cavity's convex outline, trabeculae left out
# (segment.measure.compact_wall); m11: an LV cavity that more than doubles
# between two slices kept only near theirs (segment.taper), and the indexer takes the ED and ES
# frames ACDC's Info.cfg names; m12: the basal slice the network drew in part (ED) or lost
# (ES) given the LV of the full slice below (segment.lvbase); m13: every phase of a cine drawn and
# finished as the measured pair (segment.phases), and an end-systole clearly larger than
# another phase flagged (es_not_smallest); m14: that flag on the hypokinetic share of the wall too;
# m15: a slice the network lost inside the stack read again at other grids (segment.gap); m16:
# each ventricle's muscle-dark border peeled at every phase but ED (segment.border.systolic_border);
# m17: an RVEF out of range (an RV larger at end-systole) flags every RV value, not the EF only;
# m18: a maximum wall thickness no neighbouring slice confirms is flagged (wall_peak_one_slice);
# m19: an end-systole above a neighbouring phase by more than the curve's noise flagged
# (es_not_smallest), and an RVEF over 80 % out of range (its own bound, not the LV's 90 %);
# m20: a stack with gaps between its slices flagged (gaps_between_slices), and a phase whose
# intensities were shifted below zero read from its air floor (segment.io.from_floor); m21: a
# blank slice inside the stack flagged as a gap, a label map stretched to 0..255 refused; m22:
# the stack segmented across such a slice and its area interpolated (missing_slice_interpolated)
_ADDED_SINCE = {"m6": "regional wall motion"}  # what an index measured before lacks
# what an index measured the way an older version did
_CHANGED_SINCE = {"m7": "scar burden", "m8": "maximum wall thickness",
                  "m9": "hearts whose apex the segmentation lost",
                  "m10": "trabeculated walls",
                  "m11": "ACDC's named phases and hearts whose LV jumped between slices",
                  "m12": "the LV base",
                  "m13": "the volume curves over the cycle",
                  "m14": "the wall motion's quality check",
                  "m15": "hearts with a slice the segmentation lost inside the stack",
                  "m16": "the end-systolic LV and RV borders",
                  "m17": "the RV's quality check",
                  "m18": "hearts whose thickest wall one slice alone shows",
                  "m19": "the quality checks of end-systole and of the RVEF",
                  "m20": "stacks with gaps between slices and shifted intensities",
                  "m21": "stacks with a blank slice",
                  "m22": "the volumes across a slice the export left blank"}


class IndexMismatchError(StoreError):
    """The index was built by another model or index version; it must be rebuilt."""


def index_identity(model: dict[str, Any], vectors: dict[str, int],
                   clip_spec: dict[str, Any]) -> dict[str, Any]:
    """What an index records about the model, vectors and preprocessing that built it."""
    return {"index_version": INDEX_VERSION, "model": dict(model), "vectors": dict(vectors),
            "clip_spec": dict(clip_spec), "keyword_encoder": KEYWORD_ENCODER}


def mismatch(metadata: dict[str, Any], expected: dict[str, Any]) -> str | None:
    """Why an index (its recorded metadata) cannot serve `expected`, or None if it can.

    Keys absent from `expected` are not compared (readiness knows the model, not its sizes).
    A collection without our index version is another application's: no rebuild is offered,
    for a rebuild deletes it.
    """
    if "index_version" not in metadata:
        return FOREIGN_HINT
    for key in _MUST_MATCH:
        built = metadata.get(key, _ASSUMED.get(key))
        if key in expected and built != expected[key]:
            return (f"index was built with {key} {_describe(built)}, this model "
                    f"has {_describe(expected[key])}; {REBUILD_HINT}")
    return None


def check_compatible(metadata: dict[str, Any], expected: dict[str, Any], where: str) -> None:
    """Raise IndexMismatchError naming `where` when the index cannot serve `expected`."""
    reason = mismatch(metadata, expected)
    if reason is not None:
        raise IndexMismatchError(f"{where}: {reason}")


def shown_archive(archive: str) -> str:
    """`archive` as an index may keep and show it: an address's user name, password, query
    and fragment left out ("dicomweb+https://user:secret@pacs/dicom-web" is refused as an
    argument since, and an index written before kept it as typed). A folder is as it is, and
    so is a DIMSE peer, whose "AET@" is its AE title, no credential."""
    if "://" not in archive or archive.startswith("dimse://"):
        return archive
    parts = urlsplit(archive)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def index_archives(metadata: dict[str, Any]) -> list[str]:
    """Every archive (folder or PACS address) an index holds studies of, oldest first, with
    no credentials (`shown_archive`). An index records each run's archive in "archives"; one
    written before that recorded only the last run's, in "archive" (a PACS then a folder
    indexed into one data folder was said to hold the folder's alone)."""
    recorded = metadata.get("archives")
    if isinstance(recorded, list):
        return list(dict.fromkeys(shown_archive(str(a)) for a in recorded))
    last = metadata.get("archive")
    return [shown_archive(str(last))] if last else []


def archives_after(metadata: dict[str, Any] | None, archive: str, rebuild: bool) -> list[str]:
    """The archives an index may hold once a run over `archive` is published: the earlier
    ones stay (their studies are kept) unless the run rebuilds the index from `archive`
    alone; `HeldArchives` keeps those its studies were read from."""
    archive = shown_archive(archive)
    earlier = [] if rebuild or metadata is None else index_archives(metadata)
    return [a for a in earlier if a != archive] + [archive] if archive else earlier


def _folder(name: str) -> str:
    return name if "://" in name else os.path.normpath(name)


class HeldArchives:
    """Which of `archives` (`archives_after`) the index's studies were read from, told each
    study's origin as recorded (`see`: its folder, or its PACS address and UID; "" where a
    de-identified run kept none) while a publish writes it. A relocated archive's old name
    held none of them and was listed for good beside the new one: the relative "synth" an
    index named before names were absolute, carried over to "/data/synth" by the first run
    since, or a folder moved and indexed where it lies now. An origin none of them holds
    names its PACS where it can (an index that recorded the last run's archive only); where
    an origin is unknown, or none was seen, every archive is kept."""

    def __init__(self, archives: list[str]) -> None:
        self.archives = archives
        self._roots = [(a, _folder(a).rstrip("/") + "/") for a in archives]
        self._held: set[str] = set()
        self._found: dict[str, None] = {}  # PACS addresses no archive named
        self._unknown = False

    def see(self, origin: str) -> None:
        if not origin:
            self._unknown = True
            return
        name = _folder(origin)
        held = next((a for a, root in self._roots if name == root[:-1] or
                     name.startswith(root)), None)
        if held is not None:
            self._held.add(held)
        elif "://" in origin and "/studies/" in origin:
            self._found.setdefault(shown_archive(origin.rpartition("/studies/")[0]), None)
        else:
            self._unknown = True  # a folder no archive names: which one held it is unknown

    def result(self) -> list[str]:
        found = [a for a in self._found if a not in self.archives]
        if self._unknown or not (self._held or found):
            return found + self.archives
        return found + [a for a in self.archives if a in self._held]


def measurement_warnings(metadata: dict[str, Any], *, name_model: bool = True) -> list[str]:
    """Why an index's measurements are not what this version makes them (one line each).

    Such an index still answers (vectors and findings are unchanged), but what it was not
    measured for matches nothing. `name_model` False names the measurement version only, not
    the segmentation checkpoint (for an unauthenticated probe).
    """
    model = metadata.get("segmentation_model")
    if not isinstance(model, str) or not model:
        return []  # indexed without measurements: nothing to go stale
    warnings = []
    # a de-identified index is re-indexed de-identified (the plain command is refused there)
    again = "`cmr-search index ARCHIVE --deidentify`" if metadata.get("deidentified") else \
        "`cmr-search index ARCHIVE`"
    built = model.rsplit("-", 1)[-1]
    shown = model if name_model else built
    age = _age(built)
    if age == "older":
        missing = [what for version, what in _ADDED_SINCE.items() if _newer(version, built)]
        changed = [what for version, what in _CHANGED_SINCE.items() if _newer(version, built)]
        lacking = (f" and lack {_listed(missing)}" if missing else "") + \
            (f"{',' if missing else ' and'} measure {_listed(changed)} the older way"
             if changed else "")
        warnings.append(f"the index's measurements were made by an older version ({shown})"
                        f"{lacking}; this version measures {MEASURE_VERSION}: re-index with "
                        f"{again} to measure again")
    elif age is not None:  # a rollback: this version may not read what a newer one wrote
        warnings.append(f"the index's measurements were made by {age} version ({shown}) "
                        f"than this one ({MEASURE_VERSION}); re-index with {again} to "
                        "measure with this version")
    unmeasured = metadata.get("unmeasured_studies")
    if isinstance(unmeasured, int) and unmeasured > 0:
        warnings.append(f"{unmeasured} of the index's studies were not measured by its "
                        "segmentation model (indexed by a run that did not measure, kept from "
                        "an earlier run of another archive, or their images could not be read "
                        "again) and match no measurement or measured finding; re-index their "
                        "archives with measuring on")
    return warnings


def _age(built: str) -> str | None:
    """"older" or "a newer"/"another" than MEASURE_VERSION, or None when the same."""
    if built == MEASURE_VERSION:
        return None
    if not built.startswith("m"):
        return "older"  # measured before versions were named
    if not built[1:].isdecimal():
        return "another"
    return "older" if _newer(MEASURE_VERSION, built) else "a newer"


def _listed(items: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _newer(version: str, built: str) -> bool:
    """Whether measurement version `version` ("m6") came after `built` (unversioned: all)."""
    if not (built.startswith("m") and built[1:].isdecimal()):  # int() reads every decimal
        return True
    return int(version[1:]) > int(built[1:])


def _describe(value: Any) -> str:
    if isinstance(value, dict) and "architecture" in value:
        return describe_model(value)
    return str(value)[:80]


def describe_model(value: dict[str, Any]) -> str:
    """A model's identity in a few words: architecture, weights, prompt weights and wordings."""
    weights = value.get("negative_prompt_weights") or {}
    prompts = ", prompt weights " + ", ".join(f"{k} {v:g}" for k, v in
                                             sorted(weights.items())) if weights else ""
    variants = value.get("prompt_variants") or {}
    if variants:
        prompts += ", prompt wordings " + ", ".join(f"{k} {v}" for k, v in sorted(variants.items()))
    return f"{value.get('architecture')} {str(value.get('weights_sha256', ''))[:12]}{prompts}"
