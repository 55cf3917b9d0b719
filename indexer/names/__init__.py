"""The report scrubber's names: who is named in free text and how (`indexer.deidentify` applies
them). `gazetteer` knows faker's given and family names and the words and terms that are none,
`wordlists` the words weighed besides them, `forms` the shapes a name takes as regular
expressions (the blocks `deidentify`'s own patterns are built of), `cues` the words that name a
person before one, `given` the untitled names, `titles` the titled ones, `signatures` the
signed ones (a list of signers read to its end), `medicines` what a patient is given, which a
signer's label may head ("Nurse: Midazolam"), `patients` a surname alone after "Pt" or before
"family", `known` a surname any of them showed to be a name wherever else its report writes it,
`prose` a name a cue without a colon or a role on the line below names ("Discussed with J.
Stokes", "Mary Stokes\nRadiographer").

Facilities are kept: a hospital, a clinic or a ward named in free text ("Referred from: Leeds
General Infirmary", "William Harvey Hospital") is a quasi-identifier, not a person, and HIPAA
Safe Harbor (45 CFR 164.514(b)(2)) lists no facility names among its identifiers, so keeping
them is defensible (a site with one patient a year may want its own rule). A name before a
facility's word is the facility's
(`given`: "George Eliot Hospital"), and the study's own InstitutionName is still scrubbed
wherever its report writes it (`indexer.deidentify.scrub`).
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
