"""What a patient is given, which a role's label may head as it heads a name ("Nurse:
Midazolam", "Radiographer: Buscopan (20 mg)", "Physician: Regadenoson"): a medicine, a
contrast agent, a device or kit is no one's name. A word is one where it is on the curated list
(`wordlists.MEDICINES`: brands, kit and agents no stem finds), where it ends as the WHO's
international nonproprietary names do (`wordlists.MEDICINE_STEMS`: "-olol", "-xaban"),
or where a dose, a unit or a route follows it after a blank ("Stemetil 12.50 mg", "Cannula
20G"). faker's given and family names hold none of the stems with three letters before them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from indexer.names import forms, wordlists

# letters a stem follows at least: "April" is no "-pril" ACE inhibitor, nor "Rosine" "-osine"
_ROOT = 3
# a dose, a size or a route right after a word and a blank (`forms.DOSE`): what a medicine or kit
# is written with, never a name. Not in brackets nor after a comma, a dash or a line's end: there
# a list or a note goes on ("Nurse: Volkov (2 mg midazolam)", "Nurse: Volkov\n2 mg given")
_DOSE = re.compile(rf"[^\S\n]++(?P<dose>{forms.DOSE})")
# a size or a route before the access it is written for ("20G cannula", "IV access", "18 gauge
# Venflon"): the kit's and the line's, not the word's before them
_ACCESS = re.compile(rf"(?:\d+(?:[.,]\d+)?[^\S\n]*+{forms.SIZE}|{forms.ROUTE})[^\S\n]++"
                     r"(?P<kit>\w+)")


def is_medicine(word: str) -> bool:
    """Whether `word`, in any case, is a medicine's, an agent's or kit's by the curated list or
    by its stem ("Midazolam", "BISOPROLOL", "Gadobutrol", "Venflon", "MITRACLIP"; not "April",
    "Gesine", "Volkov")."""
    return _medicine(word.lower())


# each word of a report is asked several times (after a label, above a role, after a cue): the
# answer is kept for the words a corpus repeats, and a stem is found in one call, not a loop
@lru_cache(maxsize=1 << 16)
def _medicine(low: str) -> bool:
    # a stem with `_ROOT` letters before it at least ends what follows the first `_ROOT`
    return low in wordlists.MEDICINES or low[_ROOT:].endswith(_STEMS)


_STEMS = tuple(wordlists.MEDICINE_STEMS)


def dosed(text: str, pos: int) -> bool:
    """Whether a dose, a size or a route follows `pos` after a blank ("Buscopan 20 mg",
    "Stemetil 12.50 mg", "Cannula 20G", "Heparin IV"; not "Volkov, 2 mg", "Volkov (2 mg)"),
    other than a size or a route for the access after it (`wordlists.ACCESS`: "Adeyemi 20G
    cannula", "Okonkwo IV access": the gauge is the cannula's, the route the line's)."""
    dose = _DOSE.match(text, pos)
    if not dose:
        return False
    access = _ACCESS.match(text, dose.start("dose"))
    return not (access and access.group("kit").lower() in wordlists.ACCESS)
