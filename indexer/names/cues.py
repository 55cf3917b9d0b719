"""What comes before a name candidate in report text: a word that names a person ("reported
by", "cc", a role, "Dr") and how surely it does, a line's start, its bullet or a colon, and a
reference's author list, whose names are no one the report is about. The patterns are
`indexer.names.forms`'s; `indexer.names.given` weighs the candidates with them.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from indexer.names import forms

NONE, WEAK, STRONG = 0, 1, 2  # how surely the words before a candidate name a person
# every blank but a newline, as `[^\S\n]` matches them ("\r" of CRLF text, a thin or a
# no-break space): the highest whitespace character is U+3000
BLANKS = "".join(c for c in map(chr, range(0x3001)) if c.isspace() and c != "\n")
# what a cue may end with before a name: blanks, a last newline, a colon, a comma ("father,"),
# a bracket ("father ("), a title's full stop ("Dr."), what joins names ("[name] &")
_TRAIL = BLANKS + "\n:,;&/(."
# how far a reference's line is read around a name: its label, its "et al."
_LINE = 200
# what joins a word a cue holds: "e-mailed", "[name]"
_JOINS = "-[]"


def window(text: str, start: int) -> tuple[int, int]:
    """The 40 characters before `start`, past any run of blanks (right-aligned signatures)."""
    k = start
    while k > 0 and text[k - 1] in BLANKS:
        k -= 1
    return max(0, k - 40), start


def cue(text: str, start: int) -> int:
    """How surely the words just before `start` name a person (`forms.CUE`): STRONG
    ("reported by", "cc", a role, a title), WEAK (a relative, a label or an "of" that heads
    clinical text as often: "Mother: Long QT", "Present: Kerley B"), or NONE."""
    low, high = window(text, start)
    # most candidates follow no cue: the last word decides whether the pattern is searched;
    # the tail is stripped of at least what the pattern allows after a cue
    tail = text[low:high].rstrip(_TRAIL)
    k = len(tail)
    while k > 0 and tail[k - 1].isalnum():
        k -= 1
    if tail[k:].lower() not in forms.CUE_ENDS and not tail.endswith("[name]"):
        return NONE
    # a cue is two words at most ("reported by", "[name] and"): its search, the scrubber's
    # costliest step, begins at the word before the last, not 40 characters back
    while k > 0 and (tail[k - 1].isalnum() or tail[k - 1] in _JOINS):
        k -= 1
    while k > 0 and tail[k - 1] in BLANKS:
        k -= 1
    while k > 0 and (tail[k - 1].isalnum() or tail[k - 1] in _JOINS):
        k -= 1
    found = forms.CUE.search(text, low + k, high)
    if found is None:
        return NONE
    return WEAK if found.group("weak") else STRONG


def after_initials(text: str, start: int, last: int) -> bool:
    """Whether a candidate at `start` goes on a list whose name just found, which ended at
    `last`, ends in initials ("(Neubauer S, Myerson S)", "Smith J and Myerson S"): there a
    surname faker lacks is one. A second pass reads "[name], Myerson S", whose "[name]" may
    have been anything, as no such list: it leaves what the first pass left."""
    return last > 0 and bool(forms.AFTER_NAME.fullmatch(text, last, start)) and bool(
        forms.INITIALS_END.search(text, max(0, last - 8), last))


def before_initials(text: str, end: int) -> re.Match[str] | None:
    """The surname then initials a list of names goes on with after a name that ends at `end`
    ("Myerson S, Neubauer S": "Neubauer S"; `forms.LETTERED`), or None."""
    joint = forms.AFTER_NAME.match(text, end)
    return None if joint is None else forms.LETTERED.match(text, joint.end())


@lru_cache(maxsize=4)
def _marks(text: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Where a reference's marks after its authors begin in `text` ("et al.", "2020;22:17"),
    and where its labels begin and end ("Ref: K"): found once a text, where each name's
    search of its line cost more than the rest of its reading."""
    labels = [m.span() for m in forms.CITING.finditer(text)]
    return (tuple(m.start() for m in forms.CITED.finditer(text)),
            tuple(a for a, _ in labels), tuple(b for _, b in labels))


def cited(text: str, start: int) -> bool:
    """Whether a name at `start` is a reference's author: a reference's label comes before it
    on its line ("Ref: Kramer CM", "Refs: (Turner, Louise; ...)"), or an "et al.", a
    journal's "2020;22:17" or a "doi" follows it ("Kramer CM, Barkhausen J, et al.", "Source:
    Petersen, S.E. et al."). A label after the name is a letter's ("Smith, John   Our ref:
    AB/12"), and so is one qualified or before a number ("Our ref: 12", "Ref: 4471"). An "et
    al." on a line about a relative's study is a family's (`_relatives`)."""
    markers, label_starts, label_ends = _marks(text)
    line_end = text.find("\n", start, start + _LINE)
    end = line_end if line_end >= 0 else min(len(text), start + _LINE)
    after = bisect.bisect_left(markers, start)
    head = max(text.rfind("\n", max(0, start - _LINE), start) + 1, start - _LINE)
    label = bisect.bisect_left(label_starts, head)  # the line's first label, if any
    if label < len(label_starts) and label_ends[label] <= start + 3:  # it ends "Ref: K"
        return True
    return after < len(markers) and markers[after] < end and not _relatives(
        text, head, start, end)


def _relatives(text: str, head: int, start: int, end: int) -> bool:
    """Whether the "et al." after a name on its line names a family, not a reference's
    authors: the line speaks of a relative's study ("Okafor, Chukwuemeka, et al. (sibling
    study)") and holds no journal's year or doi ("Kramer CM, et al. Sibling screening in
    HCM. JCMR 2020" is a reference)."""
    return bool(forms.RELATIVES_STUDY.search(text, head, end)) and not forms.JOURNAL.search(
        text, start, end)


def opened(text: str, start: int, where: re.Pattern[str] = forms.HEAD) -> bool:
    """Whether a name may begin at `start` with no word that names a person before it: a
    line's start, its bullet, a colon or a bracket (`where`), not in a reference."""
    return bool(where.search(text, *window(text, start))) and not cited(text, start)
