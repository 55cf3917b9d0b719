"""Jinja2 setup: the templates folder, URL helpers and the highlight filter."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from cmr_search.qc import evidence_words, qc_words
from cmr_search.vocab import Finding, PreviewKind, View, unseen_by
from search.explain import term_pattern
from web.measurements import card_values, unmeasured
from web.media import preview_interval_ms

# package data, found the same way in a wheel install as in a source checkout
TEMPLATES = Path(str(files("templates")))
STATIC = Path(str(files("web") / "static"))
HTMX = "vendor/htmx-2.0.11.min.js"

# the order the views are shown in: the short axis, then the long axes, then LGE
PREVIEW_ORDER = (PreviewKind.SAX, PreviewKind.CH4, PreviewKind.CH2, PreviewKind.CH3,
                 PreviewKind.LVOT, PreviewKind.LGE_SAX, PreviewKind.LGE_LAX)
VIEW_LABELS = {"sax": "Short axis", "sax_basal": "SAX basal", "sax_mid": "SAX mid",
               "sax_apical": "SAX apical", "2ch": "2-chamber", "3ch": "3-chamber",
               "4ch": "4-chamber", "lvot": "LVOT", "lge_sax": "LGE short axis",
               "lge_lax": "LGE long axis"}
FINDING_LABELS = {
    Finding.LV_SYSTOLIC_DYSFUNCTION: "LV systolic dysfunction",
    Finding.RV_SYSTOLIC_DYSFUNCTION: "RV systolic dysfunction",
    Finding.LV_DILATION: "LV dilation", Finding.RV_DILATION: "RV dilation",
    Finding.LV_HYPERTROPHY: "LV hypertrophy", Finding.LGE: "LGE",
    Finding.AORTIC_DILATION: "Aortic dilation",
    Finding.PERICARDIAL_EFFUSION: "Pericardial effusion",
    Finding.REGIONAL_WALL_MOTION_ABNORMALITY: "Regional wall motion abnormality"}


def highlight(text: str, terms: list[str] | None) -> Markup:
    """The query's words wrapped in <mark>, found in the text itself and escaped piece by
    piece (so a match never lands inside an entity such as `&lt;`)."""
    pattern = term_pattern(terms or [])
    if pattern is None:
        return escape(text)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(str(escape(text[last:match.start()])))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


_WORDS = {"dcm": "DCM", "hcm": "HCM", "arvc": "ARVC", "ge": "GE", "F": "Female",
          "M": "Male", "O": "Other", "2ch_cine": "2-chamber", "3ch_cine": "3-chamber",
          "4ch_cine": "4-chamber", "sax_cine": "Short axis", "lvot_cine": "LVOT",
          "lge_sax": "LGE short axis", "lge_lax": "LGE long axis", "images": "images",
          "reports": "report", "keywords": "keywords", "examples": "similar images",
          "report_examples": "similar report", "report_labels": "report states it",
          "measured_findings": "measurements show it",
          "measures": "similar measurements"}  # was "Measures #1" beside "similar images #3"


def label(value: str) -> str:
    """A value as a clinician reads it: "lv_dilation" -> "LV dilation"."""
    known = FINDING_LABELS.get(value) or _WORDS.get(value) or VIEW_LABELS.get(value)  # type: ignore[call-overload]
    return str(known) if known else value.replace("_", " ").capitalize()


def finding_line(text: str) -> str:
    """An explanation's line about a finding with the finding's name as a reader knows it:
    "lv_dilation: measured LVEDVi ..." (the API's words) -> "LV dilation: measured ..."."""
    head, sep, rest = text.partition(": ")
    return f"{label(head)}{sep}{rest}" if sep and head in set(Finding) else text


def backs_the_hit(text: str, matched: list[str]) -> bool:
    """Whether an explanation's measured line is evidence for the hit (a card shows it in the
    matches' green): a bound's line ("measured LVEF 25 %, asked < 35 %") is, the filter kept the
    hit by it; a wanted finding's measured evidence only where the images show the finding
    (`findings_matched`). "RV dilation: measured RVEDVi 82.4 ml/m², not above 118.4" and
    "... but QC-flagged" were green under "RV dilation" as if they bore it out."""
    head, sep, _ = text.partition(": ")
    if not sep or head not in set(Finding):
        return True
    return f"{head} (images)" in matched


# A DICOM UID runs to 64 characters; shortened, its last 12 tell studies apart. A short one
# (ACDC's "acdc-patient006") is shown whole: "…c-patient006" saved two characters.
_UID_SHOWN, _UID_WHOLE = 12, 24


def short_uid(uid: str) -> str:
    """A study UID for a heading or a card: whole when short, else "…" and its end."""
    return uid if len(uid) <= _UID_WHOLE else f"…{uid[-_UID_SHOWN:]}"


def url_with(request: Request, path: str | None = None, drop: tuple[str, ...] = (),
             **changes: Any) -> str:
    """The current URL's query with some parameters replaced (lists repeat the key)."""
    pairs = [(k, v) for k, v in request.query_params.multi_items()
             if k not in changes and k not in drop]
    for key, value in changes.items():
        if value is None:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        pairs += [(key, str(v)) for v in values]
    query = urlencode(pairs)
    return f"{path or request.url.path}{'?' + query if query else ''}"


def viewer_link(request: Request, study_instance_uid: str) -> str | None:
    """The hospital viewer's URL for a study (setting `viewer_url`), or None when unset."""
    template: str | None = request.app.state.settings.viewer_url
    if not template:
        return None
    return template.replace("{study_instance_uid}", quote(study_instance_uid, safe=""))


_SEEN_ON_WORDS = {View.LGE_SAX: "LGE", View.LGE_LAX: "LGE", View.CH3_CINE: "3-chamber",
                  View.LVOT_CINE: "LVOT", View.SAX_CINE: "short-axis"}


def not_seen(finding: str, views: list[str]) -> str | None:
    """Why the model has no score for a finding on this study ("no LGE images"), or None."""
    lacking = unseen_by(Finding(finding), views) if finding in set(Finding) else None
    if lacking is None:
        return None
    names = sorted({_SEEN_ON_WORDS[v] for v in lacking})
    return "no LGE images" if names == ["LGE"] else f"no {' or '.join(names)} cine"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env = templates.env
    env.filters["highlight"] = highlight
    env.filters["label"] = label
    env.filters["finding_line"] = finding_line
    env.globals["backs_the_hit"] = backs_the_hit
    env.filters["short_uid"] = short_uid
    env.filters["qc_words"] = qc_words
    env.filters["evidence_words"] = evidence_words  # an older index's lower-case QC flags
    env.globals["url_with"] = url_with
    env.globals["viewer_link"] = viewer_link
    env.globals["preview_ms"] = preview_interval_ms
    env.globals["card_values"] = card_values
    env.globals["not_seen"] = not_seen
    env.globals["unmeasured"] = unmeasured
    env.globals["HTMX"] = HTMX
    env.globals["VIEW_LABELS"] = VIEW_LABELS
    return templates


def field_path(loc: Sequence[Any]) -> str:
    """Where the value was, as the client sent it: `filters.report` of a body, `unlike[1]`
    (it said "unlike.1"), `limit` of a query string (it said "query.limit")."""
    start = 1 if loc and loc[0] in ("body", "query", "path") else 0
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[start:]).lstrip(".")


# pydantic's common refusals in plain words ("Input should be a valid string"), from its
# error's context; True: the value sent is shown after them (", not 500")
_PLAIN: dict[str, tuple[str, bool]] = {
    "string_type": ("must be text", True), "int_type": ("must be a whole number", True),
    "int_parsing": ("must be a whole number", True),
    "int_from_float": ("must be a whole number", True),
    "float_type": ("must be a number", True), "float_parsing": ("must be a number", True),
    "finite_number": ("must be a finite number", True),
    "bool_type": ("must be true or false", True), "bool_parsing": ("must be true or false", True),
    "list_type": ("must be a list", False), "dict_type": ("must be a JSON object", False),
    "model_type": ("must be a JSON object", False),
    "model_attributes_type": ("must be a JSON object", False),
    "extra_forbidden": ("no such field", False), "missing": ("is missing", False),
    "greater_than_equal": ("at least {ge}", True), "less_than_equal": ("at most {le}", True),
    "greater_than": ("above {gt}", True), "less_than": ("below {lt}", True),
    "string_too_short": ("at least {min_length} characters", False),
    "string_too_long": ("at most {max_length} characters", False),
    "too_short": ("at least {min_length} items", False),
    "too_long": ("at most {max_length} items, not {actual_length}", False),
    "enum": ("one of {expected}", True), "literal_error": ("one of {expected}", True),
}
# a field whose limit reads better as a sentence (the CLI's words for the same refusal)
_SENTENCES = {("q", "string_too_long"): "the query is over {max_length} characters"}


BOUNDS = frozenset({"greater_than_equal", "less_than_equal", "greater_than", "less_than"})


def _sent(value: object, bound: bool) -> str | None:
    """The value as sent, short and printable, or None where it is nothing to show (an object,
    a list, long text): 3 and "3" told apart, but a query string's number (all its values are
    text) bare beside its `bound`; a lone surrogate escaped by repr."""
    if isinstance(value, bool | int | float):
        return json.dumps(value)  # 1e309: Infinity
    if not isinstance(value, str) or len(value) > 20:
        return None
    return value if bound and re.fullmatch(r"[-+]?\d+(\.\d+)?", value, re.ASCII) else repr(value)


def _plain(where: str, first: Mapping[str, Any]) -> str | None:
    """`first`'s refusal in plain words, or None where it is none of the common ones."""
    kind, ctx = str(first.get("type")), dict(first.get("ctx") or {})
    sentence = _SENTENCES.get((where, kind))
    if kind in ("string_too_short", "too_short") and ctx.get("min_length") == 1:
        sentence = "must not be empty"
    words, shown = (sentence, False) if sentence else _PLAIN.get(kind, ("", False))
    try:
        said = words.format(**{k: str(v) for k, v in ctx.items()})
    except (KeyError, IndexError):  # a context without the bound: pydantic's own words
        return None
    if not said:
        return None
    if kind == "missing":
        return f"{where} {said}"
    sent = _sent(first.get("input"), kind in BOUNDS) if shown else None
    return f"{where}: {said}{f', not {sent}' if sent is not None else ''}"


def validation_line(errors: Sequence[Mapping[str, Any]]) -> str:
    """The first problem pydantic found, in one line, in plain words where it is a common one
    ("limit: at most 100, not 500", not "query.limit: Input should be less than or equal to
    100"), and without pydantic's "Value error, " before a message of ours that names its field
    already. A value is shown only when short (it may be 1e309 or a lone surrogate, which no
    JSON answer can carry as sent)."""
    first = errors[0] if errors else {}
    if first.get("type") == "json_invalid":  # it said "1: JSON decode error"
        reason = str((first.get("ctx") or {}).get("error", "")).encode("ascii", "replace")
        return f"request body: not valid JSON ({reason.decode() or 'cannot be read'})"
    where = field_path(first.get("loc", ()))
    plain = _plain(where or "request body", first)  # the body itself: [1, 2], or none
    if plain is not None:
        return plain
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    if message.startswith("Expected UploadFile"):  # "received: <class 'str'>"
        message = "send the study as a file (a .zip), not as text"
    message = message.encode("ascii", "replace").decode()
    if not where and not re.match(r"[\w.\[\]]+: ", message):
        where = "request"
    return f"{where}: {message}" if where else message
