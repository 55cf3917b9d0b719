"""Untitled names in free text: a given name from a gazetteer, then a surname ("discussed with
John Smith", "the study of Quinn Rossi", "seen by Anna Müller"), each replaced by [name].

The given and family names are faker's person data for the locales a European or American
hospital's patients and staff come from (`LOCALES`), loaded once, when first needed. Report
text is full of capitalised words, so a given name that is also an English or a report word
("May represent", "Mark the LV", "Max Wall", "Grace Period") counts only before a known family
name that is no word ("Mark Smith", not "Mark Brown"), a surname is never a report word nor an
eponym ("Bruce Protocol", "Emery Dreifuss"), and a name in capitals ("JOHN SMITH", never "MARK
SMITH") is a given name that is no word and a known family name: headings are in capitals.
"""

from __future__ import annotations

import importlib
import importlib.metadata
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

# Western and the commonest other patients' and staff's names (Japanese and Chinese romanised)
LOCALES = ("en_US", "en_GB", "en_IE", "en_NZ", "en_IN", "de_DE", "de_AT", "de_CH", "fr_FR",
           "fr_CH", "it_IT", "es_ES", "es_MX", "pt_PT", "pt_BR", "nl_NL", "nl_BE", "pl_PL",
           "cs_CZ", "sk_SK", "hr_HR", "hu_HU", "ro_RO", "sv_SE", "da_DK", "no_NO", "fi_FI",
           "tr_TR", "ja_JP", "zh_CN")
_GIVEN_LISTS = ("first_names", "first_names_male", "first_names_female",
                "first_names_nonbinary", "first_romanized_names")
_FAMILY_LISTS = ("last_names", "last_romanized_names")
# given names that are English or report words faker's English word lists lack: alone, at the
# head of a sentence or a heading, they are no name
_WORDS = """
abbey amber angel april archer art august aura aurora autumn beau bent bill bitten bonnie
brandy brit brooke canal carina carol chase constance coral cord corona crystal daisy dale
dawn destiny dick dolores don drew earl eden edit faith fleur forum frank gene german gil
glen grace greet grit gunner gust guy hardy harmony harsh hazel heather holly hope hunter
india iris ivy jack jade jasmine jet joy june lance lane lies lily lone lore major mare
marine mark mart mason max maxi may melody mentor meta mile min misty norma nova olive page
pastor peer penny pier poppy randy raven ray rich rob robin roman rose ruby rune saga said
sandy server skye sol sole sonny sunny sys tan ties toy trinity urban van verde viking
violet wade ward will willow wolf
"""
# and the verbs faker's English words lack ("Anna Is Well")
_VERBS = ("is", "are", "was", "were", "has", "had", "have", "been", "being", "shall")
# what a name-like word before it makes a term, not a name: an eponym, a report word
_TERMS = """
fabry anderson-fabry takotsubo tako-tsubo brugada ebstein marfan noonan danon pompe barth
holter doppler simpson bruce wolff parkinson fallot fontan senning rastelli norwood konno
kawasaki chagas lyme loeys dietz ehlers danlos duchenne friedreich dreifuss kussmaul
eisenmenger dressler löffler loeffler libman sacks prinzmetal lutembacher uhl kommerell
carpentier killip lown stokes cheyne flint steell coombs osler janeway quincke duroziez
corrigan framingham agatston bazett fridericia sokolow einthoven goldberger valsalva
trendelenburg seldinger judkins amplatz bernoulli gorlin teichholz gadovist dotarem magnevist
multihance prohance clariscan siemens philips toshiba canon hitachi magnetom signa aera avanto
skyra vida achieva ingenia optima sapien evolut
disease syndrome anomaly protocol method procedure operation shunt criteria score
classification phenomenon sign murmur test index circulation repair valve device catheter
monitor medical hospital clinic centre center infirmary institute university foundation trust
heart tesla type class grade stage effect law equation formula rule technique sequence
sequences complex aneurysm ataxia dystrophy cardiomyopathy endocarditis angina arteritis
expression mutation variant positive negative network node bundle fibres fibers ring triangle
"""
# names of people that are eponyms whole ("Austin Flint murmur", "Romano Ward syndrome")
_EPONYMS = frozenset({"austin flint", "graham steell", "carey coombs", "will rogers",
                      "romano ward", "pierre robin"})
_GIVEN = rf"[{UPPER}][{LOWER}]+(?:-[{UPPER}][{LOWER}]+)?|[{UPPER}]{{2,}}(?:-[{UPPER}]{{2,}})?"
# "Smith", "O'Brien", "McDonald", "DiCaprio", "Smith-Jones", "SMITH", "O'BRIEN"
_PIECE = (rf"(?:[{UPPER}]['’]|[{UPPER}][{LOWER}]{{1,2}}(?=[{UPPER}]))?[{UPPER}][{LOWER}]+"
          rf"|(?:[{UPPER}]['’])?[{UPPER}]{{2,}}")
_PARTICLE = (r"(?:(?:van|von|de|der|den|du|di|da|del|della|dos|das|le|la|ten|ter|zu)"
             r"[^\S\n]+)*")  # "Anna van der Berg", "Maria da Silva"
_SURNAME = rf"{_PARTICLE}(?:{_PIECE})(?:-(?:{_PIECE}))*"
_END = r"(?=['’]s\b|[^\w'’-]|$)"  # a whole word, or a possessive ("John Smith's study")
# a capitalised word, an initial maybe, one or two more words; on one line: a heading above
# a sentence is no name
_CANDIDATE = re.compile(
    rf"(?<![\w'’-])(?P<given>{_GIVEN})(?:[^\S\n]+[{UPPER}]\.)?[^\S\n]+(?P<first>{_SURNAME}){_END}"
    rf"(?:[^\S\n]+(?P<second>{_SURNAME}){_END})?")


def gazetteer_version() -> str:
    """The name lists' source and its version: another faker may find other names, so the
    reports a de-identified index scrubbed with this one are read again."""
    return f"faker {importlib.metadata.version('faker')} {' '.join(LOCALES)}"


def _provider(module: str) -> object:
    return importlib.import_module(module).Provider


def _entries(lists: Iterable[str]) -> set[str]:
    """The names in faker's person `lists` of every locale, three letters or more, one word
    each: "Jean-Luc", "O'Brien", and "Maria" and "Silva" of "Ana Maria", "da Silva" (faker
    holds some as weights by name, some with initials: "Hans-J.")."""
    one = re.compile(rf"(?:[{UPPER}]['’])?[{UPPER}][{LOWER}]+(?:-[{UPPER}][{LOWER}]+)*")
    found: set[str] = set()
    for locale in LOCALES:
        provider = _provider(f"faker.providers.person.{locale}")
        for attribute in lists:
            found.update(w for n in getattr(provider, attribute, ()) for w in str(n).split())
    return {unicodedata.normalize("NFC", n) for n in found if one.fullmatch(n) and len(n) >= 3}


@cache
def given_names() -> frozenset[str]:
    """Given names ("John", "Anna", "Jean-Luc", "Hiroshi") as written, three letters or more."""
    return frozenset(_entries(_GIVEN_LISTS))


@cache
def family_names() -> frozenset[str]:
    """Family names ("Smith", "Müller", "Rossi", "Tanaka"), in lower case."""
    return frozenset(n.lower() for n in _entries(_FAMILY_LISTS))


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
    """Eponyms and report words, the clinical vocabulary's among them ("Max Wall"): the word
    before one is part of a term, not a given name."""
    clinical = {part for enum in (vocab.Finding, vocab.Diagnosis, vocab.Severity, vocab.View,
                                  vocab.AnatomyLabel, vocab.Structure, vocab.Measure)
                for member in enum for part in member.name.lower().split("_")}
    return frozenset(_TERMS.split()) | clinical


def _is_given(word: str) -> bool:
    """A given name as a report writes one: "John", "Jean-Luc", "JOHN", not "MARK" (capitals
    hold headings) nor an eponym."""
    plain = unicodedata.normalize("NFC", word)
    plain = plain.title() if plain.isupper() else plain
    if plain.lower() in terms() or (word.isupper() and plain.lower() in words()):
        return False
    names = given_names()
    return plain in names or all(part in names for part in plain.split("-"))


def _is_surname(given: str, word: str) -> bool:
    """Whether `word`, after the given name `given`, is a family name; never a term. After a
    given name that is a word, and in capitals, a known family name that is no word ("Mark
    Smith", "JOHN SMITH"); else a known one ("Anna Long") or any that is no word ("Quinn
    Zybrowski")."""
    plain = unicodedata.normalize("NFC", word).split()[-1].lower()  # "van der [Berg]"
    parts = (plain, *plain.replace("’", "'").split("-"))
    if any(p in terms() for p in parts) or f"{given} {plain}".lower() in _EPONYMS:
        return False
    known = plain in family_names() or all(p in family_names() for p in parts[1:])
    if word.isupper() or given.lower() in words():  # "JOHN SMITH", "Mark Smith"
        return known and not any(p in words() for p in parts)
    return known or not any(p in words() for p in parts)


def _name_end(match: re.Match[str]) -> int | None:
    """Where the name a candidate starts ends, or None where it is no name."""
    given = match.group("given")
    if not _is_given(given) or not _is_surname(given, match.group("first")):
        return None
    second = match.group("second")
    return match.end("second") if second and _is_surname(given, second) else match.end("first")


def scrub_given_names(text: str) -> str:
    """`text` with each given name and its surname ("Quinn Rossi", "Jean-Luc Picard", "Sean
    O'Brien", "Anna van der Berg") replaced by [name]."""
    out, pos = [], 0
    while match := _CANDIDATE.search(text, pos):
        end = _name_end(match)
        if end is None:  # the next word may begin a name: "Compared With Quinn Rossi"
            out.append(text[pos:match.start("first")])
            pos = match.start("first")
            continue
        out.append(f"{text[pos:match.start()]}[name]")
        pos = end
    out.append(text[pos:])
    return "".join(out)
