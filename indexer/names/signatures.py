"""Names right after a signature's or a copy's word, each replaced by [name]. Two or three
capitalised words at the list's or the line's end are a person's where faker knows one of
them ("Reported by: Mark Brown", "cc: Grace Brown (GP)": `forms.SIGNED`). Right after a label
a report is signed with ("Reported by:", "Verified:", "Signed electronically by",
"Radiographer:"; `forms.SIGNATURE`) the words shaped as a name's are one whether faker knows
them or not ("Dmitri Volkov", "Park Ji-Hoon", "ZHANG WEI", "Sean Ó Briain", "Kate", "Becker
MD"), unless a term, a report word, a role or an abbreviation is among them or none of them
reads as a name: the clinical line a label may head ("Reported by: Fontan.", "Becker.",
"Severe MR.", "Bidirectional Glenn.", "Persistent LSVC.") stays as it is, and so does what a
patient is given ("Nurse: Midazolam", `medicines`). A name ends where a report's word follows
it ("Smith and Okafor Sinus rhythm", "Volkov Images").
"""

from __future__ import annotations

import re

from indexer.names import forms, known, labelled, medicines, prose, wordlists
from indexer.names.gazetteer import (
    family_names,
    given_names,
    pieces,
    report_word,
    terms,
    unknown_name,
    words,
)
from indexer.names.given import is_titled

# what follows a signature's word and is no one: a role, a department, a team, who asked for
# the study ("cc: Referrer", "cc: Referring Clinician")
_NO_ONE = wordlists.ROLES | frozenset({
    "nurses", "cardiology", "radiology", "referrer", "referring", "requester", "requesting",
    "clinician",
    "department", "outpatients", "outpatient", "clinic", "service", "team", "unit", "ward",
    "hospital", "trust", "practice", "surgery", "centre", "center", "medical", "general"})
_PARTICLES = frozenset({"van", "von", "de", "der", "den", "du", "di", "da", "del", "le", "la"})
# and after a label a report is signed with: a sign-off's state or who else signs ("Verified:
# Pending", "Signed: Electronically", "Reported by: Patient")
_NO_SIGNER = frozenset({
    "pending", "preliminary", "final", "draft", "unsigned", "unverified", "verified", "signed",
    "electronically", "awaiting", "yes", "no", "none", "unknown", "report", "reporter",
    "patient", "patients", "family", "self", "locum", "duty", "system",
    # a second reader's verdict ("Second reader: Concurs.")
    "concur", "concurs", "concurred", "agree", "agrees", "disagree", "disagrees", "concordant",
    "discordant", "confirmed", "confirms", "awaited", "declined"})
_EPONYMS = wordlists.EPONYM_SURNAMES | wordlists.NO_INITIAL_SURNAMES
_ABBREVIATIONS = wordlists.ABBREVIATIONS | frozenset(forms.ABBREVIATION.split("|"))
_NUMERAL = re.compile(r"[IVX]+")
_LONGER_THAN_ACRONYM = 7  # letters: "MINOCA", "NSTEMI", "HFMREF" are six
_REPORT_WORD = re.compile(forms.REPORT_WORD, re.I)
_INITIAL = re.compile(r"[A-Z]\.?")  # "J." of "J. Root": a given name's letter
_WORD_LEAST = 4  # letters of a word a name runs into: "An" of "Nguyen Van An" is a given name


def _signed_name(name: str) -> bool:
    """Whether the capitalised words after a signature's word are a person's: no term, role
    or department, one of them a known given or family name, and none a word but its
    particles, or a given name then a known family name ("Mark Brown", "Grace Long", "Zhang
    Wei", "Rajesh Kumar"; not "Cardiology Department", "Bidirectional Glenn", "Post Ross")."""
    plain = [w.lower() for w in name.split()]
    if any(w in terms() or w in _NO_ONE for w in plain):
        return False
    named = [w in family_names() or w.title() in given_names() for w in plain]
    if not any(named):
        return False
    if not any(w in words() for w in plain if w not in _PARTICLES):
        return True
    return plain[0].title() in given_names() and plain[-1] in family_names()


def _refused(word: str) -> bool:
    """Whether `word` makes the words after a label no one's: a term, a role, a sign-off's
    state, a report word, an abbreviation or a numeral ("Fontan", "Department", "Pending",
    "Known", "MR", "II"), or in capitals a short word faker lacks ("LSVC", "WPW"); not what the
    label makes a name (`labelled.named_by_label`: "Simpson", "PARK")."""
    by_label = labelled.named_by_label(word)  # a term or a word, a name here: "Simpson", "PARK"
    if medicines.is_medicine(word) or any(
            (p in terms() and not by_label) or p in _NO_ONE or p in _NO_SIGNER
            or p.removesuffix("s") in _NO_ONE for p in pieces(word)):
        return True
    if _REPORT_WORD.fullmatch(word):
        return True
    if word.isupper():
        return word in _ABBREVIATIONS or bool(_NUMERAL.fullmatch(word)) or (
            len(word) <= 4 and not (_known(word) or by_label))
    return False


def _known(word: str) -> bool:
    """A given or a known family name that is no word nor an eponym's surname ("Kate",
    "ZHANG", "Briain"; not "Mark", "Becker", "Dixon")."""
    if any(p in words() or p in _EPONYMS for p in pieces(word)):
        return False
    return is_titled(word)


def _eponym(name: str) -> bool:
    """Whether the words hold a name that is an eponym whole ("Austin Flint", "Holt-Oram")."""
    plain = " " + " ".join(re.split(r"[\s-]+", name.lower())) + " "
    return any(f" {eponym} " in plain for eponym in wordlists.EPONYMS)


def _signature_name(name: str, degree: bool) -> bool:
    """Whether the words shaped as a name after a label a report is signed with are a
    person's: no word of them refused (`_refused`), and one a known (`_known`) or an unknown
    name (`gazetteer.unknown_name`); before a degree one that is no word alone ("Becker MD")."""
    named = [w for w in name.split() if w.lower() not in forms.SIGN_PARTICLES]
    if not named or any(_refused(w) for w in named) or _eponym(name):
        return False
    if degree and len(named) == 1 and not any(p in words() for p in pieces(named[0])):
        return True
    return any(_named_word(w, len(named) > 1) for w in named)


def _named_word(word: str, with_another: bool) -> bool:
    """Whether one word after a signature's label reads as a name's: a known or an unknown
    name, in capitals as written in title case where another word stands beside it or it is
    longer than an acronym ("DMITRI VOLKOV", "ZYBROWSKI"; not "MINOCA", "TAPSE"), or a joined
    word whose pieces are
    ("D'Souza", "Volkov-Smith": "Smith" and "Souza" are known, the whole is not; a syndrome
    "Kearns-Sayre" is `wordlists.EPONYMS`'s)."""
    if word.isupper() and not with_another and len(word) < _LONGER_THAN_ACRONYM:
        return _known(word) or _spoken(word) or labelled.named_by_label(word)
    plain = word.title() if word.isupper() else word
    if _known(word) or unknown_name(plain) or labelled.named_by_label(word):
        return True
    joined = [p.title() for p in pieces(plain) if len(p) >= 3]
    return len(pieces(plain)) > 1 and bool(joined) and all(
        _known(p) or unknown_name(p) for p in joined)


# a name's first consonants before its first vowel: none, one, or a pair names begin with
_ONSETS = frozenset({"BL", "BR", "CH", "CL", "CR", "DR", "FL", "FR", "GL", "GR", "KH", "KL", "KR",
                     "PL", "PR", "SC", "SH", "SK", "SL", "SM", "SN", "SP", "ST", "SV", "SW", "TH",
                     "TR", "TS", "VL", "VR", "WR", "ZH"})
_VOWELS = re.compile(r"[AEIOUY]+")


def _spoken(word: str) -> bool:
    """Whether a short word in capitals faker lacks, of five letters or six, reads as a
    surname, not an acronym: no clinical acronym (`wordlists.ACRONYMS`), shaped as an unknown
    name in title case, two syllables at least and begun as a name is ("VOLKOV", "PETROV";
    not "MINOCA", "TAPSE", "NSTEMI", "HFMREF", "LVEDV", "AVNRT")."""
    if len(word) < 5 or word in wordlists.ACRONYMS or not unknown_name(word.title()):
        return False
    onset = len(word) - len(word.lstrip("BCDFGHJKLMNPQRSTVWXZ"))
    return len(_VOWELS.findall(word)) >= 2 and (onset <= 1 or (
        onset == 2 and word[:2] in _ONSETS))


def _surname_first(name: str, forename: str) -> bool:
    """Whether the words after a name and a comma are its given names or initials, no term nor
    report word: initials, or after one surname or one in capitals ("Smith, J.", "Volkov,
    Dmitri", "GARCÍA LÓPEZ, José"; not "Dmitri Volkov, Anna Smith": a list)."""
    given = forename.replace(".", " ").split()
    if any(_refused(w) for w in given if len(w) > 1):
        return False
    named = [w for w in name.split() if w.lower() not in forms.SIGN_PARTICLES]
    # after one surname, given names that read as names: "Kate, Claustrophobic." is a
    # radiographer's note, "Volkov, Addendum" a heading
    return all(len(w) == 1 for w in given) or (len(named) == 1 and all(
        _given(w) for w in given if len(w) > 1)) or (
        name.isupper() and not forename.isupper())


def _given(word: str) -> bool:
    """Whether a word after a surname and a comma reads as a given name: a known one that is
    no family name only, or one faker lacks that is no English word ("Dmitri", "JANE"; not
    "Claustrophobic", "Addendum", nor "Patel" of "Jones, Patel": a list). The text model's
    vocabulary is not asked: it holds given names ("dmitri", "sean")."""
    plain = word.title() if word.isupper() else word
    return (_known(plain) and (plain in given_names() or plain.lower() not in family_names())
            ) or unknown_name(plain, model_words=False)


def _ends_name(word: str, *, within: bool) -> bool:
    """Whether a capitalised word after a signer's name is no part of it but the text the name
    runs into: a medicine (`medicines.is_medicine`), a heading or a report word ("Images",
    "Sinus", "Findings", "Midazolam"); after the words read as a name (not `within` them) also
    a term, a role or a report's word, which are never a name (`_refused`: "Fontan", "Normal";
    within them it makes the words no one's, as it did). Never a given or family name faker
    knows, a short word or a particle ("Brown", "Grace", "An" of "Nguyen Van An"), nor an
    English word or one of the model's: the vocabulary holds surnames faker's lists lack
    ("Darwin", "Lazarus"), and "Anna Darwin" must go whole."""
    if medicines.is_medicine(word):
        return True
    low = word.lower()
    if len(low) < _WORD_LEAST or low in forms.SIGN_PARTICLES or word.isupper() or (
            low in family_names() or word in given_names()):
        return False
    if low in wordlists.HEADINGS or report_word(low):
        return True
    return not within and _refused(word)


def _kept(match: re.Match[str]) -> str | None:
    """The words of the name `forms.SIGNATURE` or `forms.SIGN_OTHER` found that are a person's,
    those before a word that ends it (`_ends_name`: "Volkov Images"), or None where they are no
    one's: an eponym, a word no name runs into after them ("Okafor Sinus" ends before "Sinus";
    "Smith Anna" is no name's end), or one word faker lacks as a name with a dose after it
    ("Stemetil 12.50 mg": a time would end a name)."""
    name = match.group("name")
    if _eponym(name):
        return None
    spans = list(re.finditer(r"\S+", name))
    kept = next((name[:spans[i - 1].end()] for i in range(1, len(spans))
                 if _ends_name(spans[i].group(), within=True)
                 and not _surname_after(spans[i].group(), spans[:i])), name)
    if kept == name and match.group("next") and not _ends_name(match.group("next"),
                                                                within=False):
        return None
    if " " not in kept and not _faker_named(kept) and medicines.dosed(
            match.string, match.start("name") + len(kept)):
        return None
    return kept


def _surname_after(word: str, before: list[re.Match[str]]) -> bool:
    """Whether `word`, after given names or initials alone, is their surname: a report's word
    or kit a surname may be ("Joe Root", "Mary Stack", "Anna Watchman"), not a heading
    ("Anna Findings:" ends there)."""
    return word.lower() not in wordlists.HEADINGS and all(
        w.group().title() in given_names() or _INITIAL.fullmatch(w.group()) for w in before)


def _faker_named(word: str) -> bool:
    """Whether faker knows `word` as a given or a family name, in any case."""
    return word.title() in given_names() or word.lower() in family_names()


def _signature(match: re.Match[str], found: list[str]) -> tuple[str, int]:
    """The words `forms.SIGNATURE` found as [name] where they are a person's, with the given
    names or initials after a comma where they are the name's (`_surname_first`), and the
    list of signers that goes on after them (`_others`); and where what was read ends. Each
    surname scrubbed is added to `found`."""
    # a degree after one word makes it a signer's name ("Reported by: Becker MD"), not a
    # copy's ("cc: Becker MD." is Becker muscular dystrophy as often)
    kept = _kept(match)
    if kept is None or not _signature_name(
            kept, bool(match.group("degree")) and not match.group("copy")
            and kept == match.group("name")):
        return match.group(), match.end()
    head = match.group()[:match.start("name") - match.start()]
    others, end = _others(match.string, _name_end(match, kept, found), found)
    return f"{head}[name]{others}", end


def _name_end(match: re.Match[str], kept: str, found: list[str]) -> int:
    """Where a signer's name `match` found ends: after the given names or initials after its
    comma where they are its own (`_surname_first`: "Volkov, Dmitri"), else after its words
    `kept` ("Smith, Jones": a list; "Volkov Images": "Volkov"). Its surname is added to
    `found`."""
    name, forename = match.group("name"), match.group("forename")
    if kept == name and forename and _surname_first(name, forename):
        found.append(known.surname(name, surname_first=True) or "")
        return match.end("forename")
    found.append(known.surname(kept) or "")
    return match.start("name") + len(kept)


def _others(text: str, pos: int, found: list[str]) -> tuple[str, int]:
    """The names a list of signers goes on with after `pos` as [name], each weighed as the
    first is ("and Jones", ", Volkov", "& Dmitri", "and\nAnna Petrova"), to the list's end or
    the first that is no one's ("and Fontan.", "and Midazolam"); and where the list ends. One
    name at a time, however long the list: each is read once."""
    out = []
    while (one := forms.SIGN_OTHER.match(text, pos)) and (kept := _kept(one)) is not None and (
            _signature_name(kept, bool(one.group("degree")) and kept == one.group("name"))):
        out.append(f"{one.group('joint')}[name]")
        pos = _name_end(one, kept, found)
    return "".join(out), pos


def _block_signer(name: str) -> bool:
    """Whether words above a role or after a prose cue are a person's, as after a label
    (`_signature_name`; `prose`)."""
    return not _eponym(name) and _signature_name(name, degree=False)


def scrub_signed(text: str) -> str:
    """`text` with the person a signature's or a copy's word names at its line's or list's end
    as [name] (`forms.SIGNATURE`, then `forms.SIGNED`), where the given-name rules want a
    given name that is no word ("Reported by: Mark Brown" was left) or a known family name
    ("Reported by: Dmitri Volkov" was left); and each surname a label showed to be a name
    wherever else the text writes it (`known.spread`)."""
    found: list[str] = []  # the surnames scrubbed

    def then(after: str, pos: int) -> tuple[str, int]:  # a list's next, as the first's
        return _others(after, pos, found)

    text = labelled.scrub_initialled(labelled.scrub_other_scripts(text, then), then)
    text = prose.scrub_above_roles(prose.scrub_cued_eponyms(text, then), _block_signer)
    text = prose.scrub_prose_named(text, _block_signer, then)
    out: list[str] = []
    pos = 0
    while match := forms.SIGNATURE.search(text, pos):
        scrubbed, end = _signature(match, found)
        out.append(text[pos:match.start()] + scrubbed)
        pos = end
    out.append(text[pos:])
    text = forms.SIGNED.sub(lambda m: m.group()[:m.start("name") - m.start()] + "[name]"
                            if _signed_name(m.group("name")) else m.group(), "".join(out))
    # a name's own writing in another script after it ("Wang Wei 王伟")
    return labelled.scrub_after_names(known.spread(text, found))
