"""The side of the heart a clause speaks of, for the labeler's rules: a side said normal with
no aspect ("Normal RV.", "The RV is normal.") given the aspects it means, and a side carried
to a later clause that only says how a size or function is ("The LV is dilated, with impaired
function")."""

from __future__ import annotations

import re
from collections.abc import Callable

# a side named normal means its size and function, which the rules read by their aspect words
_SIDE_WORD = r"(?:lv|rv|left\s+ventricle|right\s+ventricle)"
_ASPECT_WORD = (r"(?:size|volumes?|dimensions?|(?:systolic\s+|diastolic\s+)?function|wall"
                r"|thickness|ejection|ef|mass|motion|cavity|diastolic|filling|strain)")
_BARE_NORMAL_SIDE = re.compile(
    rf"\b(normal\s+{_SIDE_WORD}(?:\s+and\s+{_SIDE_WORD})?)\b(?!\s*{_ASPECT_WORD}\b)"
    rf"(?!\s+and\s+{_SIDE_WORD}\s+{_ASPECT_WORD}\b)", re.IGNORECASE)
_SIDE_IS_NORMAL = re.compile(rf"\b({_SIDE_WORD}(?:\s+and\s+{_SIDE_WORD})?)\s+((?:is|are|was|were)"
                             rf"\s+)?normal\b(?!\s+(?:in\b|{_ASPECT_WORD}\b))", re.IGNORECASE)


def aspects_named(sentence: str) -> str:
    """A side said normal with no aspect, with the aspects it means ("Normal RV." is "normal
    RV size/function", no "and" for `_split_and` to cut at): the rules read a finding by its
    aspect word."""
    sentence = _BARE_NORMAL_SIDE.sub(r"\1 size/function", sentence)
    return _SIDE_IS_NORMAL.sub(r"\1 size/function \2normal", sentence)


# the side a clause names, carried to a later clause of its sentence, cut from it by a comma,
# "with" or "but", that says only how a function or size is ("The LV is dilated, with impaired
# function", "Aortic root 42 mm, mildly dilated"); not "dilated left atrium", "reduced T1"
_CARRIED = re.compile(r"\b(?:lvef|rvef|ef|ejection fraction|lv|rv|left (?:and right )?ventric\w*|"
                      r"right ventric\w*|biventricular|both ventricles|aort\w*|wall thickness)\b",
                      re.IGNORECASE)
_STATE_ONLY = re.compile(
    r"(?:mild|moderate|severe|marked|slight|impair|reduc|depress|dilat|enlarg|un|non|dys)\w*|"
    r"borderline|normal|preserved|good|poor|low|increased|not|systolic|function|is|are|was|were|"
    r"ejection|fraction|[lr]?v?ef|size|volumes?|and|in|dimensions?|within|limits|mm|ml|no|"
    r"without|evidence|of|or|any|signs?|significant", re.IGNORECASE)


def carry_sides(groups: list[list[str]], side: str = "") -> list[str]:
    """Each clause of a sentence, one that only says how a size or function is given the side
    the clause before it named (`side`: the side a sentence before named, when a semicolon
    and not a full stop ended it). `groups`: the clauses as written, each split at its "and"s
    (`reader.labeler._split_and`): a written clause's every side goes on to good news ("LV
    dilated and RV normal, preserved function" is both's, as "LV and RV dilated, preserved
    function" is); bad news goes to the statements whose function is still open (`_side_for`)."""
    out: list[str] = []
    sides: list[_Said] = [(side, False, False)] if side else []
    earlier: list[list[_Said]] = []  # the statements of the sentence's clauses before those
    # under a heading ("RV: dilated, impaired, EF 30 %") the sentence is the side's, its EF too
    heading = _HEADING.match(groups[0][0]) if groups and groups[0] else None
    for group in groups:
        named: list[_Said] = []
        for part in group:
            side = heading[1].lower() if heading and _BARE_EF.search(part) else _side_for(
                part, sides, earlier)
            alone = all(_STATE_ONLY.fullmatch(w) for w in re.findall(r"[a-z]\w*", part, re.I))
            # not to one that names another side itself: "reduced LVEF and preserved RVEF"
            own = _ventricles(" ".join(_CARRIED.findall(part)))
            out.append(f"{side} {part}" if side and alone and own <= _ventricles(side) else part)
            if found := _CARRIED.findall(out[-1]):
                sides = [(_joined(found), _closed(part), bool(_SIZE_SAID.search(part)))]
                named += sides
        if named:
            earlier.append(named)
        sides = named or sides
    return out


# a statement of a side: its words, whether its function was said (wholly normal, "normal in
# size and function", "impaired function"), whether its size was said by name ("normal in size")
_Said = tuple[str, bool, bool]
_HEADING = re.compile(r"\s*+(lv|rv|left\s+ventricle|right\s+ventricle)\s*+:", re.IGNORECASE)
_SIZE_SAID = re.compile(r"\b(?:size|volumes?|dimensions?|cavity)\b", re.IGNORECASE)


def _closed(part: str) -> bool:
    """`part` says its side's function: wholly normal, or by a function word."""
    return _wholly_normal(part) or bool(_FUNCTION_WORD.search(part))


def _wholly_normal(part: str) -> bool:
    """`part` says a side normal with no aspect: marked by `aspects_named` (a report's), or
    not (a query's clauses, `reader.labeler.clauses`)."""
    return "size/function" in part or bool(_BARE_NORMAL_SIDE.search(part)
                                            or _SIDE_IS_NORMAL.search(part))


def _joined(found: list[str]) -> str:
    return " and ".join(dict.fromkeys(m.lower() for m in found))


# a clause that says nothing is wrong: a side said wholly normal goes on to it
_WELL = re.compile(r"\b(?:normal|preserved|good|hyperdynamic|not|no|without)\b", re.IGNORECASE)


def _side_for(part: str, sides: list[_Said], earlier: list[list[_Said]]) -> str:
    """The side carried to `part` from the statements the clause before named (in the order
    named; `earlier`: those of the sentence's clauses before it); not the aorta or a wall to a
    function ("Max wall thickness 18 mm and LV dilated, normal function" ruled LV hypertrophy
    out)."""
    function = _FUNCTION_WORD.search(part)

    def fit(said: list[_Said]) -> list[list[str]]:
        return [[w for w in s.split(" and ") if not (function and re.match(r"aort|wall", w))]
                for s, _, _ in said]

    if _WELL.search(part):  # "LV dilated and RV normal, preserved function" is both's
        words = [w for ws in fit(sides) for w in ws]
    else:
        words = _open_sides(sides, earlier, fit)
    if _BARE_EF.search(part) and not _IMPAIRED.search(part):
        # an EF alone, no side naming it, is the LV's: "RV impaired, EF 30 %"; said with an
        # impairment it keeps the side ("RV dilated, impaired function (EF 30 %)")
        words = [w for w in words if "lv" in _ventricles(w)]
    return _joined(words)


# a clause that says a function is wrong, beside an EF (`_side_for`)
_IMPAIRED = re.compile(r"\b(?:function\w*|impair\w*|dysfunction|systolic|contract\w*|"
                       r"\w*kine\w*)", re.IGNORECASE)


_BACK = 3  # the clauses looked back at: a near one, and a long sentence read in linear time


def _open_sides(sides: list[_Said], earlier: list[list[_Said]],
                fit: Callable[[list[_Said]], list[list[str]]]) -> list[str]:
    """The sides an impairment goes to: every statement of the clause before whose function is
    unsaid ("LV dilated and RV dilated, impaired function" is both's); only the nearest when
    it went on to its size by name ("LV dilated and RV normal in size, impaired function":
    its size, then its function); when all had their function said, the open ones of an
    earlier clause ("LV dilated, RV normal, impaired function" is the LV's); else the clause
    before's, also a side said wholly normal ("Normal LV, impaired function": a normal-sized
    LV whose function is impaired, as it was read before)."""
    open_ = [(ws, sized) for ws, (_, closed, sized) in zip(fit(sides), sides, strict=True)
             if ws and not closed]
    if open_:
        return open_[-1][0] if open_[-1][1] else [w for ws, _ in open_ for w in ws]
    for said in reversed(earlier[-_BACK:]):
        if said is sides:
            continue
        if found := [w for ws, (_, closed, _) in zip(fit(said), said, strict=True)
                     if not closed for w in ws]:
            return found
    return [w for ws in fit(sides) for w in ws]


def side_named(clauses: list[str]) -> str | None:
    """The side the last clause naming one names (None if none), carried past a semicolon;
    "" when that clause says the side wholly normal ("Dilated LV; normal RV; impaired
    systolic function": the impairment is not the normal side's)."""
    for clause in reversed(clauses):
        if found := _CARRIED.findall(clause):
            wholly_normal = "size/function" in clause  # `aspects_named`'s mark
            return "" if wholly_normal else " and ".join(dict.fromkeys(m.lower() for m in found))
    return None


# an ejection fraction no side names is the LV's, as reports use it; a function is a
# ventricle's ("Aortic root 45 mm; normal function" says nothing of the aorta)
_BARE_EF = re.compile(r"\b(?:ef|ejection fraction)\b", re.IGNORECASE)
_FUNCTION_WORD = re.compile(r"\b(?:function\w*|systolic|ejection|contract\w*|\w*kine\w*)",
                            re.IGNORECASE)
_VENTRICLE = re.compile(r"\b(?:[lr]vef|lv|rv|left (?:and right )?ventric\w*|right ventric\w*|"
                        r"biventricular|both ventricles)\b", re.IGNORECASE)


def carried_on(sentence: str, side: str) -> str:
    """The side a sentence ended by a semicolon named, as carried into the next, `sentence`:
    none into a bare EF ("Normal RV size and function; reduced EF"), only a ventricle into a
    function."""
    if not side or _BARE_EF.search(sentence):
        return ""
    if _FUNCTION_WORD.search(sentence):
        return " and ".join(dict.fromkeys(m.lower() for m in _VENTRICLE.findall(side)))
    return side


def _ventricles(words: str) -> set[str]:
    """The ventricles `words` name ("LVEF", "left ventricle", "biventricular", "both
    ventricles")."""
    words = words.lower()
    both = any(w in words for w in ("biventricular", "left and right", "both ventricles"))
    return {v for v, named in (("lv", both or re.search(r"\blv|left", words)),
                               ("rv", both or re.search(r"\brv|right", words))) if named}


# a side and what is said of it after it, ending its statement: "RV thick", "the RV is dilated"
# ("LV reduced" is no statement of its own: "LV reduced and RV impaired" is both's function)
_STATE = r"(?:thick\w*|hypertroph\w*|dilat\w*|enlarg\w*|impair\w*|hypokine\w*)"
_SAID_OF_SIDE = re.compile(
    rf"\b{_SIDE_WORD}(?:\s++(?:free\s++)?walls?)?\s++(?:(?:is|are|was|were)\s++)?(?:\w+ly\s++)?"
    rf"{_STATE}\s*+$", re.IGNORECASE)
# what the part after the "and" says of its own side: with none it is the same statement's
# ("LV dilated and RV also", "the LV is dilated and the RV mildly so": both dilated)
_OWN_STATE = re.compile(rf"\b(?:{_STATE}|reduc\w*|normal|preserved|thin\w*|small)",
                        re.IGNORECASE)
_TAIL = 80  # the end of a clause read for it: a long clause is read once, not from each place


def said_of_its_side(before: str, after: str) -> bool:
    """`before` (a clause up to an "and") ends a statement of its side, and `after` says
    something of another side: two statements ("RV thick and dilated LV": the thickness is the
    RV's; read whole, the list "thick and dilated LV" made it LV hypertrophy, and the dilation
    the RV's)."""
    if not _SAID_OF_SIDE.search(before[-_TAIL:]) or not _OWN_STATE.search(after):
        return False
    return bool(_ventricles(" ".join(_VENTRICLE.findall(after)))
                - _ventricles(" ".join(_VENTRICLE.findall(before))))
