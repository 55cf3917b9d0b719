"""The report scrubber's names: who is named in free text and how (`indexer.deidentify` applies
them). `gazetteer` knows faker's given and family names and the words and terms that are none,
`wordlists` the words weighed besides them, `forms` the shapes a name takes as regular
expressions (the blocks `deidentify`'s own patterns are built of), `cues` the words that name a
person before one, `given` the untitled names, `titles` the titled ones, `signatures` the
signed ones (a list of signers read to its end), `medicines` what a patient is given, which a
signer's label may head ("Nurse: Midazolam"), `patients` a surname alone after "Pt" or before
"family", `known` a surname any of them showed to be a name wherever else its report writes it.
"""

from __future__ import annotations

from indexer.names.forms import DOCTORS
from indexer.names.gazetteer import family_names, given_names, terms, words
from indexer.names.given import gazetteer_version, scrub_given_names
from indexer.names.signatures import scrub_signed
from indexer.names.titles import doctors, scrub_titles
from indexer.names.wordlists import ABBREVIATIONS

__all__ = ["ABBREVIATIONS", "DOCTORS", "doctors", "family_names", "gazetteer_version",
           "given_names", "scrub_given_names", "scrub_signed", "scrub_titles", "terms", "words"]
