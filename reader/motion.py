"""How reports word a wall's motion: the walls an LV region or an RV part is named by, and
the clauses the labeler's rules (`reader.labeler.RULES`) read a regional wall motion
abnormality (or only one) in, each matched case-blind."""

from __future__ import annotations

import re


def _ci(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# a named LV wall or segment ("inferior", "anteroseptal", "apical"); "mid" and "basal" are levels;
# the septum is the RV's wall too
_LV_WALL = r"(?:\banter\w*|\binfero\w*|\binferior\w*|\blateral\w*|\bapic\w*|\bapex\b|\bposter\w*)"
_WALL = rf"(?:\bsept(?:al|um)\b|{_LV_WALL})"
# motion wording; global or diffuse motion is LV (or RV) dysfunction, not a regional one
# possessive, as `wording.BAD_FUNCTION`
_MOTION = r"(?:hypokine\w*+|akine\w*+|dyskine\w*+|wall motion)"
_GLOBAL_MOTION = rf"\bglobal(?:ly)? (?:\w+ )?{_MOTION}|\bdiffuse(?:ly)? (?:\w+ ){{0,2}}?{_MOTION}"
# an RV part with the walls that belong to it: "inferior and anterior RV wall", "RV inferior
# wall", "RV free wall and apex", "RV akinesia of the inferior wall"; a wall after "and"
# belongs to the RV only when "wall" or "apex" follows ("RV free wall and inferior
# hypokinesis" names the LV's inferior wall). A bare "free wall" is the RV's, as reports use it.
_RV_WORD = r"(?:free|walls?|apex|apical\w*|outflow|tract|segments?)"
_RV_PART = (rf"(?:(?:{_WALL} (?:and |or ))*{_WALL} )?"
            r"(?:\brv\b|\brvot\b|right ventric\w*|\bfree wall)"
            rf"(?: (?:{_WALL}|{_RV_WORD})| and(?= (?:{_WALL} )*(?:walls?|apex|apical)\b))*"
            rf"(?: {_MOTION} (?:of|in|involving) the(?: (?:{_WALL}|{_RV_WORD}))+)?"
            # a list of walls no RV part follows, read once whole (`_NotRegional` keeps it):
            # tried from each of its walls, a long list was read again from every one
            rf"|(?P<kept>{_WALL}(?: (?:and|or) {_WALL})*+)")
# an LV region moving abnormally in what is left; the septum alone is left out, as an RV
# under pressure moves it ("septal dyskinesis due to RV pressure overload")
_LV_REGION = (rf"{_LV_WALL} (?:\w+ ){{0,3}}?{_MOTION}|"
              rf"{_MOTION} (?:\w+ ){{0,2}}?(?:of |in |involving )?(?:the )?"
              rf"(?:\w+ ){{0,2}}?{_LV_WALL}")


class NotRegional:
    """Global motion wording, or RV wording with no LV region moving abnormally beside it:
    "RV free wall akinesis" is the RV's function, "inferior and RV free wall akinesis" is also
    an LV region's."""

    def __init__(self) -> None:
        self._global, self._rv = _ci(_GLOBAL_MOTION), _ci(_RV_PART)
        self._lv = _ci(_LV_REGION)

    def search(self, text: str, /) -> bool:
        if self._global.search(text):
            return True
        rest = " ".join(self._rv.sub(_rv_blank, text).split())
        return rest != " ".join(text.split()) and not self._lv.search(rest)


def _rv_blank(match: re.Match[str]) -> str:
    return match[0] if match["kept"] else " "


_WORDS = r"(?:(?!(?:in|on|at|of|from|the|a|an|with|and|view)\b)\w+ )"  # not a phrase's start
RWMA_SUBJECT = (
    r"\bwall motion\b|\brwma\b|\bakine\w*+|dyskine\w*+|territory|"
    rf"(?:\bregional|\bsegmental|{_WALL}) (?:(?:walls?|segment\w*+) )?hypokine\w*+|"
    rf"hypokinetic {_WORDS}{{0,3}}?(?:{_WALL}|segment\w*)|"
    rf"hypokine\w*+ (?:of|in|involving) the {_WORDS}{{0,2}}?(?:{_WALL}|segment\w*)|"
    rf"(?:{_WALL} (?:\w+ )?(?:walls?|segments?|septum)|septum) "
    r"(?:is|are|was|were|appears?|looks?) (?:\w+ ){0,3}?hypokinetic")
# a clause that names a wall or segment moving abnormally and no global function
REGIONAL_ONLY = (r"^(?!.*(?:global|diffus|systolic|function|ejection fraction|\bef\b|\blvef\b))"
                  rf"(?:.*{_WALL} (?:\w+ )?(?:walls? |segments? )?{_MOTION}|"
                  rf".*{_MOTION} (?:of|in|involving) the {_WORDS}{{0,2}}?{_WALL}|"
                  rf".*(?:regional|segmental) {_MOTION})")
