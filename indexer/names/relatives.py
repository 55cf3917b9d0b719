"""A given name alone where its person is plain: beside a name already scrubbed ("his wife
Anna [name]": the study's own family name went first, `deidentify.scrub`, and the given name
stayed), and right after a word for a relative or a carer ("his wife Anna", "son Tomasz",
"daughter, Priya,", "next of kin: Joan"). A given name that is also a word counts there only
after "his", "her" or "their" and before what ends a name ("his son Mark is well"), not
before a report's capitals or numbers ("Mother: Long QT", "Father Max LVWT 32 mm"); eponyms
and terms never ("Mother Fabry", "Brother Marfan", "Mother: Glenn.").
"""

from __future__ import annotations

import re

from indexer.names import forms, wordlists
from indexer.names.gazetteer import family_names, given_names, terms, unknown_name, words

_WORD = (rf"(?:[{forms.UPPER}]['’])?[{forms.UPPER}][{forms.LOWER}]+"
         rf"(?:-[{forms.UPPER}][{forms.LOWER}]+)*(?![\w'’-])")
_CAPITALS = rf"[{forms.UPPER}]{{3,}}(?![\w'’-])"
# a relative or who cares for the patient, in any case, with a colon, a comma or a bracket
_KIN = (rf"\b(?i:{forms.KIN}|carer|caregiver|spouse|fianc[eé]e?|next[^\S\n]+of[^\S\n]+kin|"
        r"stepson|stepdaughter|stepmother|stepfather|grandson|granddaughter|twin)")
AFTER_KIN = re.compile(
    rf"(?P<own>\b(?i:his|her|their|(?:the[^\S\n]+)?patient['’]s)[^\S\n]+)?(?P<kin>{_KIN})"
    rf"[^\S\n]*(?P<mark>[,:(]?)[^\S\n]*(?P<given>{_WORD}|{_CAPITALS})")
# a given name next to [name] on its line, before it or after it
BESIDE = re.compile(rf"(?P<given>{_WORD}|{_CAPITALS})(?=[^\S\n]+\[name\])"
                    rf"|(?<=\[name\])(?P<blank>[^\S\n]+)(?P<after>{_WORD}|{_CAPITALS})")
# what ends a name: the line's or the sentence's end, a mark, a scrubbed name, a verb
_ENDS = re.compile(rf"[^\S\n]*(?:$|[,.;:!?)\]]|\[name\])|[^\S\n]+[{forms.LOWER}]", re.M)


def _plain(word: str) -> str:
    return (word.title() if word.isupper() else word).lower()


def _given(word: str, *, as_word: bool) -> bool:
    """Whether `word` is a given name, no term nor eponym: one faker knows ("Anna", "ANNA"),
    also one that is a word where `as_word` ("Mark"; never in capitals: "MAY" heads text)."""
    plain = word.title() if word.isupper() else word
    low = plain.lower()
    if low in terms() or low in wordlists.EPONYM_SURNAMES or low in wordlists.NO_INITIAL_SURNAMES:
        return False
    if plain not in given_names() and not all(p in given_names() for p in plain.split("-")):
        return False
    return low not in words() or (as_word and not word.isupper())


def _relative(match: re.Match[str]) -> str:
    """The name after a relative's word as [name] where it is one: a given name that is no
    word (`_given`); where "his", "her" or "their" makes the word a person's ("her husband
    Dmitri", "his son Mark is well"), before what ends a name, also one that is a word or one
    faker lacks that `gazetteer.unknown_name` reads as a name. A relative's label heads
    clinical text ("Mother: Glenn.", "Mother: Wilson.", "Father Ross procedure", "Mother:
    Hypertensoin")."""
    word = match.group("given")
    label = match.group("mark") == ":"
    owned = bool(match.group("own")) and not label
    # after a label, a given name that is no surname: an eponym is one ("Mother: Wilson.")
    named = (_given(word, as_word=False) and not (
        label and _plain(word) in family_names())) or (owned and bool(_ENDS.match(
        match.string, match.end())) and (_given(word, as_word=True) or (
            not word.isupper() and unknown_name(word))))
    if not named:
        return match.group()
    return match.group()[:match.start("given") - match.start()] + "[name]"


def _beside(match: re.Match[str]) -> str:
    """A given name before [name] as [name] ("Anna [name]", "Mark [name]"); after it, one that
    is no word ("[name] Anna", not "[name] Mark the LV")."""
    if match.group("given"):
        return "[name]" if _given(match.group("given"), as_word=True) else match.group()
    after = match.group("after")
    return f"{match.group('blank')}[name]" if _given(after, as_word=False) else match.group()


def scrub_relatives(text: str) -> str:
    """`text` with a relative's given name after the relative's word, and a given name next to
    a scrubbed [name], as [name]; the given name then [name] as one [name]."""
    text = AFTER_KIN.sub(_relative, text)
    text = BESIDE.sub(_beside, text)
    return re.sub(r"\[name\](?:[^\S\n]+\[name\])+", "[name]", text)
