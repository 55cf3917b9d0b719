"""Untitled names in free text: a given name from a gazetteer, then a surname ("discussed with
John Smith", "the study of Quinn Rossi", "seen by Anna Müller"), each replaced by [name].

The given and family names are faker's person data (`indexer.names.gazetteer`). Report
text is full of capitalised words ("Glenn Anastomosis Patent", "Del Nido Cardioplegia Used"),
so a surname is a known family name; it may be any other only after a word that names a
person ("reviewed by Paul Leeson", "discussed with Quinn Zybrowski", "[name] and ..."). A given
name that is also an English or a report word ("May represent", "Mark the LV", "Max Wall",
"Post Ross Autograft") counts only before a known family name that is no word ("Mark Smith",
not "Mark Brown"); a surname is never a report word nor an eponym ("Bruce Protocol", "Emery
Dreifuss", "Romano-Ward"); a name before a term ("George Eliot Hospital", "Per Petersen
Criteria", "Cornelia de Lange syndrome") or after a hospital's word ("Hôpital Louis Pradel")
is a term's; and a name in capitals ("JOHN SMITH", never "MARK SMITH") is a given name that is
no word and a known family name: headings are in capitals. Initials ("J. Smith", "Dr J Smith")
are a name before a known family name that is no word, after a word that names a person or
at a line's start or a punctuation mark ("Type A. Smith", "N Engl J Med" are none); a name
written surname first ("Reported by: Smith, John", "MUELLER, Anna") after such a word, or at
a line's start or a colon with neither name a word, and before no term ("Alfieri, David and
Ross procedures"); "Victoria Ward" after "on", "to", "at" is a ward, after "Dr" a person. A
surname then initials ("Reported by: Smith J", "cc: Jones S, Patel P") is a known family name,
a word only after a signature's word ("Reported by: Brown J"), no eponym's letter and before
no abbreviation ("Kerley B", "Mother: Long QT"), with no such word at a line's start, its
bullet or a colon, never in running text ("Factor V Leiden"); a reference's authors ("Kramer
CM, et al.") are left. Right after a signature's word, a known family name that is no word
nor an eponym is one before one or two letters an abbreviation is also written with
("Reported by: Smith MR", "Smith V"), and in a list of names with initials (after a known
one or before it) or after a particle one faker lacks is one ("(Neubauer S, Myerson S)",
"(Myerson S, Neubauer S)", "cc: van der Merwe P"). A relative, a label
or an "of" that heads clinical text as often ("Present:", "Images of") is a weak cue: initials
after it are read as at a line's start. The shapes are `indexer.names.forms`'s, the cues
`indexer.names.cues`'s, the words `wordlists`'s, the names `gazetteer`'s.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import cache, lru_cache

from indexer.names import cues, forms, relatives, wordlists
from indexer.names.gazetteer import (
    family_names,
    given_names,
    qualities,
    short_family_names,
    terms,
    vocabulary,
    words,
)


@cache
def gazetteer_version() -> str:
    """A digest of what the scrubber knows (the given and family names, the words, the text
    model's vocabulary, the terms, the eponyms): a faker or a text model whose lists are
    another's makes a de-identified index read its reports again; one that only bumped its
    version does not."""
    h = hashlib.sha256()
    for entries in (given_names(), family_names(), short_family_names(), words(),
                    vocabulary(), terms(), qualities(), wordlists.BARE_EPONYMS, wordlists.ACCESS,
                    wordlists.EPONYMS, wordlists.PLACES, wordlists.NAME_NOUNS, wordlists.AT,
                    wordlists.NO_INITIAL_SURNAMES, wordlists.JOINED, wordlists.ABBREVIATIONS,
                    wordlists.LETTERED_EPONYMS, wordlists.EPONYM_SURNAMES,
                    wordlists.WORD_ENDINGS):
        h.update("\n".join(sorted(entries)).encode() + b"\0")
    return h.hexdigest()[:16]


def _plain(text: str) -> str:
    """Lower case, NFC, a hyphen or space run as one space: "Romano-Ward" is "romano ward"."""
    return " ".join(re.split(r"[\s-]+", unicodedata.normalize("NFC", text).lower()))


def _is_given(word: str) -> bool:
    """A given name as a report writes one: "John", "Jean-Luc", "JOHN", not "MARK" (capitals
    hold headings), "AL", nor an eponym ("Romano-Ward")."""
    plain = unicodedata.normalize("NFC", word)
    plain = plain.title() if plain.isupper() else plain
    if plain.lower() in terms() or (word.isupper() and plain.lower() in words()):
        return False
    if _plain(plain) in wordlists.EPONYMS or (len(plain) < 3 and word.isupper()):
        return False
    names = given_names()
    return plain in names or all(part in names for part in plain.split("-"))


@lru_cache(maxsize=4096)  # a list of names asks about each surname several times
def _parts(word: str) -> tuple[str, ...]:
    """A surname's last word in lower case and its pieces: "van der [Berg]", "Smith-Jones";
    "Al-Hassan" is known by "hassan"."""
    plain = unicodedata.normalize("NFC", word).split()[-1].lower()
    pieces = plain.replace("’", "'").split("-")
    return (plain, *[p for p in pieces if p not in wordlists.JOINED or len(pieces) == 1])


def _known(parts: tuple[str, ...]) -> bool:
    families = family_names()
    return parts[0] in families or (len(parts) > 1 and all(p in families for p in parts[1:]))


# report abbreviations that are no one's initials after a surname ("Long QT", "Basal LV")
_CLINICAL = wordlists.ABBREVIATIONS | frozenset(forms.ABBREVIATION.split("|"))


def _is_surname(given: str, word: str, cued: bool) -> bool:
    """Whether `word`, after the given name `given` (or an initial), is a family name; never a
    term. After a given name that is a word, an initial, and in capitals, a known family name
    that is no word ("Mark Smith", "J. Smith", "JOHN SMITH"); else a known one ("Anna Long"),
    or after a word that names a person, any that is no word ("reviewed by Paul Leeson")."""
    parts = _parts(word)
    if any(p in terms() for p in parts) or _plain(f"{given} {word}") in wordlists.EPONYMS:
        return False
    known = _known(parts)
    if word.isupper() or len(given) < 2 or given.lower() in words():
        return known and not any(p in words() for p in parts)
    return known or (cued and not any(p in words() for p in parts))


def _in_a_term(text: str, match: re.Match[str], end: int, since: int, cued: bool) -> int | None:
    """Where the term a name belongs to ends, or None where it is a name: a report word
    follows ("George Eliot Hospital", "Cornelia de Lange syndrome", "Alder Hey Children's",
    "Morrow, David procedures", "Alfieri, David and Ross procedures"), a hospital's word
    not in a name found before (from `since`) comes before it ("Hôpital Louis Pradel"), or a
    place's word before a ward ("admitted to Victoria Ward"; "referred to" names a person)."""
    nouns = wordlists.NOUN_WORDS
    family = match.groupdict().get("family")
    after = forms.NEXT.match(text, end)
    if after:
        word = forms.POSSESSIVE.sub("", unicodedata.normalize("NFC", after.group("word")))
        plural = word[0].isupper() or family
        if {word.lower(), *([word.lower().removesuffix("s")] if plural else [])} & nouns or (
                word[0].isupper() and word.lower() in terms()):
            return after.end()  # "Sandra Fox Ward": none of it begins a name
    tail = forms.LIST.match(text, end, min(len(text), end + 200)) if family else None
    if tail and any({w, w.removesuffix("s")} & nouns for w in _plain(tail.group()).split()):
        return tail.end()
    before = forms.BEFORE.search(text, max(0, since, match.start() - 40), match.start())
    word = _plain(before.group("word")) if before else ""
    ward = not cued and _parts(text[match.start():end])[0] in wordlists.NAME_NOUNS and (
        word in wordlists.AT - {"to", "from"} or (word in {"to", "from"} and bool(  # "copy to Anna
            forms.MOVED.search(text, max(0, match.start() - 40), match.start()))))  # Ward": hers
    return end if word in wordlists.PLACES or ward else None


def _is_initialled(family: str, cued: int) -> bool:
    """Whether `family` before or after initials is a family name: a known one that is no
    word ("Smith, J."), or after a signature's word a known one that is ("Typed by: Brown, K");
    never an eponym's ("Kerley, B. lines") nor a term."""
    parts = _parts(family)
    if not _known(parts) or any(p in terms() for p in parts):
        return False
    if parts[0] in wordlists.NO_INITIAL_SURNAMES:
        return False
    return cued == cues.STRONG or not any(p in words() for p in parts)


def _inverted_end(text: str, match: re.Match[str], cued: int) -> int | None:
    """Where a name written surname first ends ("Smith, John", "MUELLER, Anna", "Okafor,
    Chukwuemeka A.", "SMITH, JANE E"), or None. After a word that names a person, a known
    family name and a given name, not both words ("Reported by: Long, Anna", "cc Smith,
    Mark"); else, at a line's start or its bullet, a colon or a bracket ("Patient: MUELLER,
    Anna"), a known family name and a given name that are no words: "Anterior, Kerley, Norma"
    is a list. A given name in capitals only after a surname in capitals ("SMITH, JOHN"), one
    that is a word not before a lower-case word ("Patel, Hope to repeat")."""
    family, given = match.group("family"), match.group("forename")
    if given.endswith(".") or len(given) == 1:  # initials
        ok = _is_initialled(family, cued)
        return match.end("forename") if ok and (cued or cues.opened(text, match.start())) else None
    if (given.isupper() and not family.isupper()) or not _is_surname(given, family, bool(cued)):
        return None
    is_word = given.lower() in words() or any(p in words() for p in _parts(family))
    if not cued and (is_word or not cues.opened(text, match.start())):
        return None
    if given.lower() in words() and forms.LOWER_NEXT.match(text, match.end("forename")):
        return None
    middle = match.group("middle") or ""
    if middle and (all(len(m) == 1 for m in middle.replace(".", " ").split()) or (
            _is_given(middle) and middle.lower() not in words())):  # "E", "E. F.", "Maria"
        return match.end("middle")
    return match.end("forename")


def _lettered_end(text: str, match: re.Match[str], cued: int, last: int) -> int | None:
    """Where a surname then initials ends ("Reported by: Smith J", "cc: Jones S, Patel P",
    "SMITH JR", "Smith J R"), or None. A known family name, never an eponym's letter or
    numeral ("Kerley B", "Dixon W", "Crawford II", "David V", "Becker MD") nor before an
    abbreviation ("Long QT", "Small PDA", "Short AX") but right after a signature's word
    (`_signed`); one that is a word only after a signature's word ("Reported by: Brown J";
    "Mother: Long QT"); with no such word, at a line's start, its bullet or a colon, not a
    reference's ("Kramer CM, Barkhausen J, et al."); one faker lacks in a list of names or
    after a particle (`_unknown_surname`); never before a lower-case word ("Stanford A dissection")
    nor in running text ("Factor V Leiden", "Type A", "Stage B")."""
    family = match.group("lettered")
    letters = re.sub(r"[.\s]", "", match.group("letters"))
    if forms.WORD_NEXT.match(text, match.end()) or (
            f"{_parts(family)[0]} {letters.lower()}" in wordlists.LETTERED_EPONYMS):
        return None
    clinical = not set(letters) - set("IVX") or letters in _CLINICAL
    if not _is_initialled(family, cued):
        return match.end() if not clinical and _unknown_surname(text, match, cued, last) else None
    if clinical and not _signed(family, letters, cued):
        return None
    return match.end() if cued or cues.opened(text, match.start()) else None


def _signed(family: str, letters: str, cued: int) -> bool:
    """Whether letters that are also an abbreviation or a numeral are initials: right after a
    signature's word, one or two of them (not "Strand LGE"), one for a numeral ("Wilkins II"),
    after a known family name that is no word nor eponym ("Reported by: Smith MR", "Smith V";
    not "Reported by: Long QT", "David V")."""
    parts = _parts(family)
    return cued == cues.STRONG and (len(letters) == 1 or (
        len(letters) == 2 and bool(set(letters) - set("IVX")))) and not any(
        p in words() or p in wordlists.EPONYM_SURNAMES for p in parts)


def _unknown_surname(text: str, match: re.Match[str], cued: int, last: int) -> bool:
    """Whether a surname faker lacks is one before one or two initials: in a list of names with
    initials ("(Neubauer S, Myerson S)", "Smith J and Myerson S"; `last`: where the name
    before it ended) or after a signature's word ("cc: Myerson S", "cc: van der Merwe P"),
    no word, term, analyte ("Protein C") nor one with a report word's ending ("Smith J, Apical
    T"), and the list's or the line's end after it ("Smith J, Troponin T 45 ng/l")."""
    family = match.group("lettered")
    parts = _parts(family)
    if not (cues.after_initials(text, match.start(), last) or (
            cued == cues.STRONG and _signature(text, match.start())) or _opens_a_list(
            text, match, cued)):
        return False
    if len(re.sub(r"[.\s]", "", match.group("letters"))) > 2 or not forms.LIST_END.match(
            text, match.end()) or parts[0] in wordlists.NO_INITIAL_SURNAMES | forms.CUE_ENDS:
        return False  # (a role: "Smith J, Cardiologist MD")
    return not parts[0].endswith(wordlists.WORD_ENDINGS) and not any(
        p in words() or p in terms() for p in parts)


def _opens_a_list(text: str, match: re.Match[str], cued: int) -> bool:
    """Whether a surname then initials opens a list of names whose next is a known family name
    with one or two initials that are no abbreviation ("(Myerson S, Neubauer S)"), after a
    word that names a person or at a line's start, a colon or a bracket, not a reference's."""
    after = cues.before_initials(text, match.end())
    if after is None or not (cued or cues.opened(text, match.start())):
        return False
    letters = re.sub(r"[.\s]", "", after.group("letters"))
    return len(letters) <= 2 and letters not in _CLINICAL and _is_initialled(
        after.group("lettered"), cues.NONE) and bool(forms.LIST_END.match(text, after.end()))


_AFTER_A_NAME = re.compile(r"\[name\][^\S\n]*(?:[,;&/]|and)?[^\S\n]*:?[^\S\n]*\n?$", re.I)


def _signature(text: str, start: int) -> bool:
    """Whether a word that names a person comes right before `start` ("cc:", "Discussed
    with"), not a name found before it: "Dr Smith, Zybrowski K" may go on with anything."""
    return cues.cue(text, start) == cues.STRONG and not _AFTER_A_NAME.search(
        text, *cues.window(text, start))


def _capitals_fit(match: re.Match[str]) -> bool:
    """Whether a candidate whose first word is in capitals and no given name may be a name:
    initials run together before a known family name that is no word ("AB Smith"; not "VAN
    DEN BERG": a surname's particles), or a surname in capitals, known and no word, before a
    given name that is no word ("SMITH John", as European systems write it)."""
    given, first = match.group("given"), match.group("first")
    if first.isupper():
        return False
    if len(given) <= 3 and "-" not in given:
        return given not in _CLINICAL and _is_initialled(first, cues.NONE)  # "LV Kerley"
    return (" " not in first and first.lower() not in words() and _is_given(first)
            and _is_surname(first, given, False))


def _capitals_end(text: str, match: re.Match[str], cued: int) -> int | None:
    """Where a name `_capitals_fit` finds ends, or None: run-together initials after a word
    that names a person ("Consultant radiologist: AB Smith"), a surname in capitals also at a
    line's start or a colon ("Reported by: SMITH John", "Name: SMITH John Paul")."""
    if len(match.group("given")) <= 3 and "-" not in match.group("given"):
        return match.end("first") if cued else None
    if not (cued or cues.opened(text, match.start())):
        return None
    second = match.group("second")
    if second and _is_given(second) and second.lower() not in words():
        return match.end("second")
    return match.end("first")


def _cued_initial(text: str, match: re.Match[str]) -> bool:
    """Whether initials after a word that names a person begin a name `_is_surname` refuses:
    before a known family name that is a word ("Reported by: J. Brown", "Discussed with K.
    White"), or, with their full stop, one faker lacks that is no word ("Second read: D.
    Pennell"); not "A" (an article: "reviewed by A. Long axis"), nor before a lower-case word."""
    initial, first = match.group("initial"), match.group("first")
    parts = _parts(first)
    if initial.rstrip(".") in ("A", "I") or first.isupper() or any(p in terms() for p in parts):
        return False
    if forms.WORD_NEXT.match(text, match.end("first")):
        return False
    return _known(parts) or (initial.endswith(".") and not any(p in words() for p in parts))


def _open_initial(text: str, match: re.Match[str], cued: int) -> bool:
    """Whether initials with no word that names a person before them, or one that heads
    clinical text as often (a relative, "Present:"), begin a name: at a line's start or its
    bullet, after a colon, a comma, a semicolon or a bracket ("J. Smith, consultant"), not "A"
    nor "I" without a full stop (a word), nor "L" or "R" ("R Kidney": a side), nor before a
    journal's word ("N Engl J Med"), nor in a reference."""
    if match.group("initial") in ("A", "I", "L", "R") or _parts(match.group("first"))[0] in (
            wordlists.NO_INITIAL_SURNAMES):
        return False
    return bool(cued) or cues.opened(text, match.start(), forms.OPEN)


def _name_end(text: str, match: re.Match[str], cued: int, capitals: bool,
              last: int) -> int | None:
    """Where the name a candidate starts ends, or None where it is no name: one whose given
    name is one (`_is_given`), or whose first word is in `capitals` and is none; `last`: where
    the name found before it ended."""
    if match.group("family"):
        return _inverted_end(text, match, cued)
    if match.group("lettered"):
        return _lettered_end(text, match, cued, last)
    if capitals:
        return _capitals_end(text, match, cued)
    initial = match.group("initial")
    given = match.group("given") or initial[0]
    if initial and not (cued == cues.STRONG or _open_initial(text, match, cued)):
        return None
    if not _is_surname(given, match.group("first"), bool(cued)) and not (
            initial and cued and _cued_initial(text, match)):
        return None
    second = match.group("second")
    if second and _is_surname(given, second, bool(cued)) and (
            _plain(second) not in wordlists.NAME_NOUNS):
        return match.end("second")
    return match.end("first")


def _judged(text: str, match: re.Match[str], last: int) -> tuple[int | None, int | None]:
    """Where the name a candidate starts ends and where the term it belongs to ends (None
    where none); a candidate given name first is also read as a surname then initials
    ("Smith JR", "Okafor K. Unpublished"), which wins where it reads further ("Van den Berg
    P": no given name "Van")."""
    given = match.group("given") or match.group("forename")
    plausible = given is None or given.endswith(".") or len(given) == 1 or _is_given(given)
    if match.group("lettered"):  # one faker lacks after a particle, in a list or a signature
        plausible = _known(_parts(match.group("lettered"))) or " " in match.group(
            "lettered").strip() or cues.after_initials(text, match.start(), last) or (
            _signature(text, match.start())) or _opens_a_list(text, match, cues.NONE)
    capitals = (not plausible and given is not None and bool(match.group("given"))
                and given.isupper() and _capitals_fit(match))
    again = forms.LETTERED.match(text, match.start()) if match.group("given") else None
    if again and not (_known(_parts(again.group("lettered"))) or (  # "cc: Zybrowski QA"
            _signature(text, match.start())) or _opens_a_list(text, again, cues.NONE)):
        again = None
    if not (plausible or capitals or again):  # (most: no name, and no cue looked for)
        return None, None
    cued = cues.STRONG if last > 0 and forms.AFTER_NAME.fullmatch(text, last, match.start()) \
        else cues.cue(text, match.start())
    end = _name_end(text, match, cued, capitals, last) if plausible or capitals else None
    if again and (end is None or again.end() > end):
        lettered = _lettered_end(text, again, cued, last)
        if lettered is not None:
            match, end = again, lettered
    return end, None if end is None else _in_a_term(text, match, end, last, bool(cued))


def is_titled(word: str) -> bool:
    """Whether `word` after a title in capitals is a name ("DR SMITH", "DR JOHN SMITH"): a
    given name, or a known family name that is no term ("DR Stage 2", "Accent DR RF")."""
    parts = _parts(word)
    return _is_given(word) or (_known(parts) and not any(p in terms() for p in parts))


def scrub_given_names(text: str) -> str:
    """`text` with each given name and its surname ("Quinn Rossi", "Jean-Luc Picard", "Sean
    O'Brien", "Anna van der Berg", "J. Smith", "Smith, John", "Smith J") replaced by [name],
    and a given name alone where a relative's word or a scrubbed name shows it is one."""
    out, pos, last = [], 0, 0
    while match := forms.CANDIDATE.search(text, pos):
        end, term_end = _judged(text, match, last)
        if term_end is not None:
            out.append(text[pos:term_end])
            pos = term_end
            continue
        if end is None:  # the next word may begin a name: "Compared With Quinn Rossi"
            after = next(match.start(g) for g in ("first", "forename", "letters")
                         if match.group(g))
            out.append(text[pos:after])
            pos = after
            continue
        out.append(f"{text[pos:match.start()]}[name]")
        pos = last = end
    out.append(text[pos:])
    # then a given name alone, a relative's or one beside its scrubbed family name
    return relatives.scrub_relatives("".join(out))
