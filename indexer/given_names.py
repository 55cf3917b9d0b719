"""Untitled names in free text: a given name from a gazetteer, then a surname ("discussed with
John Smith", "the study of Quinn Rossi", "seen by Anna Müller"), each replaced by [name].

The given and family names are faker's person data for the locales a European or American
hospital's patients and staff come from (`LOCALES`), loaded once, when first needed. Report
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
Ross procedures"); "Victoria Ward" after "on", "to", "at" is a ward, after "Dr" a person.
"""

from __future__ import annotations

import hashlib
import importlib
import re
import unicodedata
from collections.abc import Iterable
from functools import cache

from cmr_search import vocab

ACCENTS = r"\u0300-\u036f"  # combining: a decomposed (NFD) accent follows its letter


def _letters(*categories: str) -> str:
    """The Latin, Greek and Cyrillic letters of Unicode `categories` as a character class
    body: the stdlib `re` has no \\p{Lu}, and [A-Z] missed "Zoë" and "Müller"."""
    blocks = ((0x41, 0x250), (0x370, 0x530), (0x1E00, 0x2000))
    return "".join(chr(c) for start, end in blocks for c in range(start, end)
                   if unicodedata.category(chr(c)) in categories)


UPPER = _letters("Lu", "Lt")
LOWER = _letters("Ll") + ACCENTS  # a decomposed accent is part of its word

# Western and the commonest other patients' and staff's names, in Latin letters (Japanese and
# Chinese romanised; Nigerian, Ghanaian, Kenyan, Pakistani, Algerian, Irish, Vietnamese,
# Indonesian): faker's Arabic, Persian and Korean names are in their own scripts
LOCALES = ("en_US", "en_GB", "en_IE", "en_NZ", "en_IN", "de_DE", "de_AT", "de_CH", "fr_FR",
           "fr_CH", "it_IT", "es_ES", "es_MX", "pt_PT", "pt_BR", "nl_NL", "nl_BE", "pl_PL",
           "cs_CZ", "sk_SK", "hr_HR", "hu_HU", "ro_RO", "sv_SE", "da_DK", "no_NO", "fi_FI",
           "tr_TR", "ja_JP", "zh_CN", "en_NG", "yo_NG", "ig_NG", "ha_NG", "tw_GH", "en_KE",
           "en_PK", "fr_DZ", "ga_IE", "vi_VN", "id_ID")
_GIVEN_LISTS = ("first_names", "first_names_male", "first_names_female",
                "first_names_nonbinary", "first_romanized_names")
_FAMILY_LISTS = ("last_names", "last_romanized_names", "male_last_names", "unisex_last_names",
                 "last_names_male", "last_names_female")
# given names of two letters that are no word (faker's lists hold them with one-letter initials)
_SHORT_GIVEN = frozenset({"Al", "Ed", "Jo", "Bo"})
# given names that are English or report words faker's English word lists lack: alone, at the
# head of a sentence or a heading, they are no name ("Ross procedure", "Glenn shunt", "Kent
# bundle", "Todd paresis", "Per protocol", "Del Nido")
_WORDS = """
abbey amber angel april archer art august aura aurora autumn beau bent bill bitten bonnie
brandy brit brooke canal carina carol chase constance coral cord corona crystal daisy dale
dawn del destiny dick dolores don drew earl eden edit faith fleur forum frank gene german gil
glen glenn grace greet grit gunner gust guy hardy harmony harsh hazel heather holly hope hunter
india iris ivy jack jade jasmine jet joy june kent lance lane lies lily lone lore major mare
marine mark mart mason max maxi may melody mentor meta mile min misty norma nova olive page
pastor peer penny per pier poppy post randy raven ray rich rob robin roman rose ross ruby rune
saga said sandy server skye sol sole sonny sunny sys tan ties todd toy trinity urban van verde
viking violet wade ward will willow wolf
"""
# and the verbs faker's English words lack ("Anna Is Well")
_VERBS = ("is", "are", "was", "were", "has", "had", "have", "been", "being", "shall")
# words in faker's family names that are no one's surname in a report ("Anna Were Seen")
_NO_SURNAMES = frozenset({*_VERBS, "the", "too", "each", "more", "put", "die", "lie", "said",
                          "seven", "case", "date", "comment", "doctor", "list", "way", "room",
                          "clear", "real", "read", "mad", "nail", "carry", "marry", "fee",
                          "mate", "parent", "story", "plaza", "street", "company"})
# eponyms, contrast agents and scanners: never a given name nor a surname
_TERMS = """
fabry anderson-fabry takotsubo tako-tsubo brugada ebstein marfan noonan danon pompe barth
holter doppler simpson bruce wolff parkinson fallot fontan senning rastelli norwood konno
kawasaki chagas lyme loeys dietz ehlers danlos duchenne friedreich dreifuss kussmaul
eisenmenger dressler löffler loeffler libman sacks prinzmetal lutembacher uhl kommerell
carpentier killip lown stokes cheyne flint steell coombs osler janeway quincke duroziez
corrigan framingham agatston bazett fridericia sokolow einthoven goldberger valsalva
trendelenburg seldinger judkins amplatz bernoulli gorlin teichholz gadovist dotarem magnevist
multihance prohance clariscan siemens philips toshiba canon hitachi magnetom signa aera avanto
skyra vida achieva ingenia optima sapien evolut nido jervell lenegre stansel damus mobitz
wenckebach heart tesla
"""
# what a name before it makes a term's: a kind of thing, a procedure's or a place's word
# ("Glenn Anastomosis", "Per Petersen Criteria", "William Harvey Hospital"); never a name
_NOUNS = """
disease syndrome anomaly protocol method procedure operation shunt criteria score
classification phenomenon sign murmur test index circulation repair valve device catheter
monitor medical hospital clinic centre center infirmary institute university foundation trust
type class grade stage effect law equation formula rule technique sequence sequences complex
aneurysm ataxia dystrophy cardiomyopathy endocarditis angina arteritis expression mutation
variant positive negative network node bundle fibres fibers ring triangle autograft homograft
anastomosis cardioplegia pathway paralysis paresis channelopathy baffle conduit fenestration
septostomy myectomy stitch manoeuvre maneuver crunch triad hernia calculator unit dental
cardiac research memorial children wing lodge laboratory hospice
building suite theatre krankenhaus klinikum klinik hôpital hopital ospedale
policlinico clinica clínica clinique ziekenhuis sjukhus sygehus sykehus szpital nemocnice
"""
# a report word that is also a family name: the last word of a name only where it is the
# surname ("Anna Ward"; "Sandra Fox Ward" is a ward)
_NAME_NOUNS = ("ward",)
# the word before a ward named after a person ("admitted to Victoria Ward", "seen on the
# Florence Ward"): not after a word that names a person ("referred to Florence Ward")
_AT = frozenset({"on", "to", "from", "at", "in", "into", "onto", "via", "off", "the"})
# a journal's or a germ's abbreviated words that are family names: no surname after an
# initial with no word naming a person before it ("N Engl J Med", "J Mol Cell Cardiol",
# "B. Quintana")
_MOVED = re.compile(r"(?i:\b(?:admitted|admission|transferred|transfer|moved|returned|"
                    r"discharged|back|stepped\s+down)[^\S\n]+(?:back[^\S\n]+)?(?:to|from))[^\S\n]+$")
_NO_INITIAL_SURNAMES = frozenset({"engl", "mol", "coll", "vasa", "mayo", "quintana", "kerley"})
# the word before a name that makes it a place's ("Hôpital Louis Pradel", "Hospital Juan
# Ramón Jiménez")
_PLACES = frozenset({"hospital", "hôpital", "hopital", "hospitalet", "ospedale", "policlinico",
                     "klinikum", "krankenhaus", "klinik", "clinic", "clinique", "clínica",
                     "clinica", "centre", "center", "institute", "institut", "instituto",
                     "istituto", "infirmary", "ziekenhuis", "szpital", "nemocnice", "sjukhus",
                     "university", "universität", "universitätsklinikum", "ward", "unit"})
# names of people that are eponyms whole ("Austin Flint murmur", "Romano-Ward syndrome")
_EPONYMS = frozenset({"austin flint", "graham steell", "carey coombs", "will rogers",
                      "romano ward", "pierre robin", "cornelia de lange", "tirone david",
                      "louis bar", "holt oram", "hamman rich", "jervell lange nielsen",
                      "bland white garland", "adams stokes", "lev lenegre"})
# what names a person next: "reviewed by", "discussed with", "cc", "[name] and", a title
# ("Dr J Smith": the title's rule wants "J."), a role ("Consultant: Smith, John"), "Signed"
_CUE = re.compile(r"(?:(?i:\b(?:discussed|reviewed|reported|dictated|verified|authori[sz]ed|"
                  r"supervised|seen|referred|signed|agreed|checked|approved|typed|copied|"
                  r"transcribed|examined|sent|spoke|spoken|informed)[^\S\n]+(?:with|by|to)"
                  r"|\bcc|\[name\][^\S\n]*(?:,|;|and|&|/)|\b(?:consultant|registrar|fellow|"
                  r"radiographer|radiologist|cardiologist|physician|surgeon|nurse|sonographer|"
                  r"reporter|signed|signature|author))|\b(?:Dr|Prof|Mr|Mrs|Ms|Miss|Mx)\.?)"
                  r"[^\S\n]*:?[^\S\n]*$")
# where an initial with no such word before it begins a name: a line's start, a colon, a
# comma, a semicolon, a bracket ("J. Smith, consultant", "Reporter: J Smith")
_OPEN = re.compile(r"(?m:^)[^\S\n]*$|[,;:(][^\S\n]*$")
# and where a name written surname first does: a line's start, a colon, a bracket
_HEAD = re.compile(r"(?m:^)[^\S\n]*$|[:(][^\S\n]*$")
_AFTER_NAME = re.compile(r"[^\S\n]*(?:,|;|and|&|/)[^\S\n]*", re.I)
_GIVEN = rf"[{UPPER}][{LOWER}]+(?:-[{UPPER}][{LOWER}]+)?|[{UPPER}]{{2,}}(?:-[{UPPER}]{{2,}})?"
_INITIALS = rf"[{UPPER}]\.(?:[^\S\n]*[{UPPER}]\.){{0,2}}"  # "Smith, J.", "Smith, J. R."
# "Smith", "O'Brien", "McDonald", "DiCaprio", "Smith-Jones", "SMITH", "O'BRIEN"
_PIECE = (rf"(?:[{UPPER}]['’]|[{UPPER}][{LOWER}]{{1,2}}(?=[{UPPER}]))?[{UPPER}][{LOWER}]+"
          rf"|(?:[{UPPER}]['’])?[{UPPER}]{{2,}}")
_PARTICLE = (r"(?:(?:van|von|de|der|den|du|di|da|del|della|dos|das|le|la|ten|ter|zu)"
             r"[^\S\n]+){0,3}")  # "Anna van der Berg", "Maria da Silva"; three, at most
_SURNAME = rf"{_PARTICLE}(?:{_PIECE})(?:-(?:{_PIECE}))*"
# a whole word, or a possessive ("John Smith's study", "Sarah Jones' study")
_END = r"(?=['’]s\b|['’](?!\w)|[^\w'’-]|$)"
# a capitalised word, an initial maybe, one or two more words; on one line: a heading above
# a sentence is no name. Or initials and a surname ("J. Smith", "J.R. Smith", "J Smith"):
# "E. coli", "S. Aureus" and "Type A. Baker's cyst" are no name. Or a surname, a comma, a
# given name, an initial or another given name maybe ("Smith, John", "MUELLER, Anna Maria")
_CANDIDATE = re.compile(
    rf"(?<![\w'’-])(?:(?:(?P<given>{_GIVEN})(?:[^\S\n]+[{UPPER}]\.)?"
    rf"|(?P<initial>[{UPPER}](?:\.(?:[^\S\n]*[{UPPER}]\.){{0,2}}|(?=[^\S\n]))))"
    rf"[^\S\n]+(?P<first>{_SURNAME}){_END}(?:[^\S\n]+(?P<second>{_SURNAME}){_END})?"
    rf"|(?P<family>{_SURNAME}),[^\S\n]+(?P<forename>{_GIVEN}|{_INITIALS}){_END}"
    rf"(?:[^\S\n]+(?P<middle>[{UPPER}]\.|{_GIVEN}){_END})?)")
# the word after a name ("Hospital", "Children's"), and the one before it
_NEXT = re.compile(rf"(?:['’]s?)?[^\S\n]+(?P<word>[{UPPER}{LOWER}][{LOWER}{UPPER}'’-]*)")
_BEFORE = re.compile(rf"(?P<word>[{UPPER}{LOWER}]+)[^\S\n]+$")
# a lower-case word next ("Patel, Hope to repeat"), and the rest of a list of capitalised
# words and the word after it ("Alfieri, David and Ross procedures")
_LOWER_NEXT = re.compile(rf"[^\S\n]+[{LOWER}]")
_LIST = re.compile(rf"(?:[^\S\n]*(?i:,|/|&|\band\b|\bor\b)[^\S\n]*[{UPPER}][{LOWER}'’-]+"
                   rf"(?:[^\S\n]+[{UPPER}][{LOWER}'’-]+)*)+(?:['’]s?)?(?:[^\S\n]+[{LOWER}]+)?")


def _provider(module: str) -> object:
    return importlib.import_module(module).Provider


def _entries(lists: Iterable[str]) -> set[str]:
    """The names in faker's person `lists` of every locale, two letters or more, one word
    each: "Jean-Luc", "O'Brien", and "Maria" and "Silva" of "Ana Maria", "da Silva" (faker
    holds some as weights by name, some with initials: "Hans-J.")."""
    one = re.compile(rf"(?:[{UPPER}]['’])?[{UPPER}][{LOWER}]+(?:-[{UPPER}][{LOWER}]+)*")
    found: set[str] = set()
    for locale in LOCALES:
        provider = _provider(f"faker.providers.person.{locale}")
        for attribute in lists:
            found.update(w for n in getattr(provider, attribute, ()) for w in str(n).split())
    return {unicodedata.normalize("NFC", n) for n in found if one.fullmatch(n)}


@cache
def given_names() -> frozenset[str]:
    """Given names ("John", "Anna", "Jean-Luc", "Hiroshi") as written, three letters or more,
    and the few of two that are no word ("Jo", "Al")."""
    return frozenset(n for n in _entries(_GIVEN_LISTS) if len(n) >= 3) | _SHORT_GIVEN


@cache
def family_names() -> frozenset[str]:
    """Family names ("Smith", "Müller", "Rossi", "Tanaka", "Okafor"), in lower case, three
    letters or more."""
    found = {n.lower() for n in _entries(_FAMILY_LISTS) if len(n) >= 3}
    return frozenset(found - _NO_SURNAMES)


@cache
def words() -> frozenset[str]:
    """Lower-case English and report words that may be written with a capital: faker's English
    vocabulary, the names that are words (`_WORDS`) and the terms (`terms`)."""
    lorem = _provider("faker.providers.lorem.en_US")
    english = set(getattr(lorem, "word_list", ()))
    for part_of_speech in getattr(lorem, "parts_of_speech", {}).values():
        english.update(part_of_speech)
    english.update(getattr(_provider("faker.providers.address.en_US"), "street_suffixes", ()))
    return frozenset({str(w).lower() for w in english} | {*_WORDS.split(), *_VERBS} | terms())


@cache
def terms() -> frozenset[str]:
    """Eponyms and report words, the clinical vocabulary's among them ("Max Wall"): never a
    given name nor a surname."""
    clinical = {part for enum in (vocab.Finding, vocab.Diagnosis, vocab.Severity, vocab.View,
                                  vocab.AnatomyLabel, vocab.Structure, vocab.Measure)
                for member in enum for part in member.name.lower().split("_")}
    return frozenset(_TERMS.split()) | frozenset(_NOUNS.split()) | clinical


@cache
def gazetteer_version() -> str:
    """A digest of what the scrubber knows (the given and family names, the words, the terms,
    the eponyms): a faker whose lists are another's makes a de-identified index read its
    reports again; one that only bumped its version does not."""
    h = hashlib.sha256()
    for entries in (given_names(), family_names(), words(), terms(), _EPONYMS, _PLACES,
                    _NAME_NOUNS, _AT, _NO_INITIAL_SURNAMES):
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
    if _plain(plain) in _EPONYMS or (len(plain) < 3 and word.isupper()):
        return False
    names = given_names()
    return plain in names or all(part in names for part in plain.split("-"))


def _window(text: str, start: int) -> tuple[int, int]:
    """The 40 characters before `start`, past any run of blanks (right-aligned signatures)."""
    k = start
    while k > 0 and text[k - 1] in " \t\u00a0":
        k -= 1
    return max(0, k - 40), start


def _parts(word: str) -> tuple[str, ...]:
    """A surname's last word in lower case and its pieces: "van der [Berg]", "Smith-Jones"."""
    plain = unicodedata.normalize("NFC", word).split()[-1].lower()
    return (plain, *plain.replace("’", "'").split("-"))


def _is_surname(given: str, word: str, cued: bool) -> bool:
    """Whether `word`, after the given name `given` (or an initial), is a family name; never a
    term. After a given name that is a word, an initial, and in capitals, a known family name
    that is no word ("Mark Smith", "J. Smith", "JOHN SMITH"); else a known one ("Anna Long"),
    or after a word that names a person, any that is no word ("reviewed by Paul Leeson")."""
    parts = _parts(word)
    if any(p in terms() for p in parts) or _plain(f"{given} {word}") in _EPONYMS:
        return False
    known = parts[0] in family_names() or all(p in family_names() for p in parts[1:])
    if word.isupper() or len(given) < 2 or given.lower() in words():
        return known and not any(p in words() for p in parts)
    return known or (cued and not any(p in words() for p in parts))


def _in_a_term(text: str, match: re.Match[str], end: int, since: int, cued: bool) -> int | None:
    """Where the term a name belongs to ends, or None where it is a name: a report word
    follows ("George Eliot Hospital", "Cornelia de Lange syndrome", "Alder Hey Children's",
    "Morrow, David procedures", "Alfieri, David and Ross procedures"), a hospital's word
    not in a name found before (from `since`) comes before it ("Hôpital Louis Pradel"), or a
    place's word before a ward ("admitted to Victoria Ward"; "referred to" names a person)."""
    nouns = {*_NOUNS.split(), *_NAME_NOUNS}
    after = _NEXT.match(text, end)
    if after:
        word = re.sub(r"['’]s?$", "", unicodedata.normalize("NFC", after.group("word")))
        plural = word[0].isupper() or match.group("family")
        if {word.lower(), *([word.lower().removesuffix("s")] if plural else [])} & nouns or (
                word[0].isupper() and word.lower() in terms()):
            return after.end()  # "Sandra Fox Ward": none of it begins a name
    tail = _LIST.match(text, end, min(len(text), end + 200)) if match.group("family") else None
    if tail and any({w, w.removesuffix("s")} & nouns for w in _plain(tail.group()).split()):
        return tail.end()
    before = _BEFORE.search(text, max(0, since, match.start() - 40), match.start())
    word = _plain(before.group("word")) if before else ""
    ward = not cued and _parts(text[match.start():end])[0] in _NAME_NOUNS and (
        word in _AT - {"to", "from"} or (word in {"to", "from"} and bool(  # "copy to Anna
            _MOVED.search(text, max(0, match.start() - 40), match.start()))))  # Ward": hers
    return end if word in _PLACES or ward else None


def _inverted_end(text: str, match: re.Match[str], cued: bool) -> int | None:
    """Where a name written surname first ends ("Smith, John", "MUELLER, Anna", "Okafor,
    Chukwuemeka A."), or None. After a word that names a person, a known family name and a
    given name, not both words ("Reported by: Long, Anna", "cc Smith, Mark"); else, at a line's
    start or after a colon or a bracket ("Patient: MUELLER, Anna"), a known family name and a
    given name that are no words: "Anterior, Kerley, Norma" is a list. A given name in
    capitals only after a surname in capitals ("SMITH, JOHN"), one that is a word not before
    a lower-case word ("Patel, Hope to repeat")."""
    family, given = match.group("family"), match.group("forename")
    opened = _HEAD.search(text, *_window(text, match.start()))
    if given.endswith("."):  # initials: a known family name that is no word, cued or opened
        ok = (cued or opened) and _is_surname(given[0], family, False) and (
            _parts(family)[0] not in _NO_INITIAL_SURNAMES)  # "Kerley, B. lines"
        return match.end("forename") if ok else None
    if (given.isupper() and not family.isupper()) or not _is_surname(given, family, cued):
        return None
    is_word = given.lower() in words() or any(p in words() for p in _parts(family))
    if not cued and (is_word or not opened):
        return None
    if given.lower() in words() and _LOWER_NEXT.match(text, match.end("forename")):
        return None
    middle = match.group("middle")
    if middle and (middle.endswith(".") or (_is_given(middle) and middle.lower() not in words())):
        return match.end("middle")
    return match.end("forename")


def _open_initial(text: str, match: re.Match[str]) -> bool:
    """Whether initials with no word that names a person before them begin a name: at a line's
    start or after a colon, a comma, a semicolon or a bracket ("J. Smith, consultant"), not "A"
    nor "I" without a full stop (a word), nor "L" or "R" ("R Kidney": a side), nor before a
    journal's word ("N Engl J Med")."""
    if match.group("initial") in ("A", "I", "L", "R") or _parts(match.group("first"))[0] in (
            _NO_INITIAL_SURNAMES):
        return False
    return bool(_OPEN.search(text, *_window(text, match.start())))


def _name_end(text: str, match: re.Match[str], cued: bool) -> int | None:
    """Where the name a candidate whose given name is one (`_is_given`) starts ends, or None
    where it is no name."""
    if match.group("family"):
        return _inverted_end(text, match, cued)
    given = match.group("given") or match.group("initial")[0]
    if match.group("initial") and not (cued or _open_initial(text, match)):
        return None
    if not _is_surname(given, match.group("first"), cued):
        return None
    second = match.group("second")
    if second and _is_surname(given, second, cued) and _plain(second) not in _NAME_NOUNS:
        return match.end("second")
    return match.end("first")


def scrub_given_names(text: str) -> str:
    """`text` with each given name and its surname ("Quinn Rossi", "Jean-Luc Picard", "Sean
    O'Brien", "Anna van der Berg", "J. Smith", "Smith, John") replaced by [name]."""
    out, pos, last = [], 0, 0
    while match := _CANDIDATE.search(text, pos):
        given = match.group("given") or match.group("forename")
        end: int | None = None
        term_end: int | None = None
        if given is None or given.endswith(".") or _is_given(given):  # (most: no name,
            cued = bool(_CUE.search(text, *_window(text, match.start()))) or (
                last > 0 and bool(_AFTER_NAME.fullmatch(text, last, match.start())))
            end = _name_end(text, match, cued)
            term_end = None if end is None else _in_a_term(text, match, end, last, cued)
        if term_end is not None:
            out.append(text[pos:term_end])
            pos = term_end
            continue
        if end is None:  # the next word may begin a name: "Compared With Quinn Rossi"
            after = match.start("first") if match.group("first") else match.start("forename")
            out.append(text[pos:after])
            pos = after
            continue
        out.append(f"{text[pos:match.start()]}[name]")
        pos = last = end
    out.append(text[pos:])
    return "".join(out)
