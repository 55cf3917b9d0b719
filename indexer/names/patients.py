"""A surname alone where the words beside it show it is a person's: after "Patient" or "Pt"
at a note's head ("Pt Okafor, MRN 123", "Patient: Volkov."), and before "family" ("Okafor
family, HCM", "the Volkov kindred"). The rules for two words or more ("Patient John SMITH",
"Patient: Volkov, Dmitri") are `indexer.deidentify`'s; a word, a term or an eponym ("Pt
Anxious", "Patient Still", "Fabry family", "Strong family history") is none.
"""

from __future__ import annotations

import re

from indexer.names import forms, known

_WORD = rf"[{forms.UPPER}][{forms.LOWER}'’-]+|[{forms.UPPER}]{{3,}}"
# "Patient", "Pt", "Pt." with or without a colon, then one word, then what ends a name: a
# mark, the line's end, a number, an [id], a record's label, or a word in lower case ("Pt
# Okafor tolerated"); a comma then a capitalised word is the surname-first rule's ("Patient:
# Volkov, Dmitri")
_PATIENT = re.compile(
    rf"(?<![\w'’-])(?P<lead>(?:[Pp]atient|PATIENT|[Pp]t|PT)\.?[^\S\n]*:?[^\S\n]*)"
    rf"(?P<surname>{_WORD})(?![\w'’-])"
    rf"(?=[^\S\n]*(?:,[^\S\n]*)?(?:(?i:mrn|nhs|dob|d\.o\.b|id|hosp\w*|aged?|sex|born)\b|[\d\[(]"
    rf"|\Z|\n)|[^\S\n]*[.;:)!?]|[^\S\n]+[{forms.LOWER}])")
# a surname before the word for its family ("Okafor family", "the VOLKOV FAMILY")
_FAMILY = re.compile(rf"(?<![\w'’-])(?P<lead>)(?P<surname>{_WORD})(?=[^\S\n]+(?i:family|"
                     r"families|kindred|pedigree)\b)")


def scrub_patients(text: str) -> tuple[str, list[str]]:
    """`text` with a surname `_PATIENT` or `_FAMILY` finds as [name] where it reads as one
    (`known.is_surname`) and is no term's here ("Pt Turner syndrome"), and the surnames
    scrubbed, which are then looked for wherever else the report writes them."""
    found: list[str] = []

    def one(match: re.Match[str]) -> str:
        name = match.group("surname")
        if not known.is_surname(name) or known.in_a_term(
                match.string, match.start("surname"), match.end("surname")):
            return match.group()
        found.append(name)
        return f"{match.group('lead')}[name]"

    text = _FAMILY.sub(one, _PATIENT.sub(one, text))
    return text, found
