"""The shapes a person's name takes in report text, as regular expressions: after a title ("Dr
J. Smith", "DR SMITH", "Drs Smith and Patel"), after a word that names a person ("reviewed
by", "cc", a role, a relative, "GP:"), at a line's start, a bullet or a colon, and written given
name first, initials first, surname first ("Smith, John") or surname then initials ("Smith J").

This module knows no name: `indexer.names.given` decides with faker's lists which candidate is
one, `indexer.deidentify` applies the title rules. Every repetition here is bounded or cannot
overlap the next, so that a 20 kB line of initials or commas is read in linear time.
"""

from __future__ import annotations

import re
import unicodedata

ACCENTS = r"\u0300-\u036f"  # combining: a decomposed (NFD) accent follows its letter


def _letters(*categories: str) -> str:
    """The Latin, Greek and Cyrillic letters of Unicode `categories` as a character class
    body: the stdlib `re` has no \\p{Lu}, and [A-Z] missed "Zoë" and "Müller"."""
    blocks = ((0x41, 0x250), (0x370, 0x530), (0x1E00, 0x2000))
    return "".join(chr(c) for start, end in blocks for c in range(start, end)
                   if unicodedata.category(chr(c)) in categories)


UPPER = _letters("Lu", "Lt")
LOWER = _letters("Ll") + ACCENTS  # a decomposed accent is part of its word

REPORT_WORD = ("Known|With|Has|Had|Have|Suspected|Presented|Presents|Presenting|Referred|"
               "Underwent|Is|Was|Were|History|Admitted|Reports|Denies|Complains|Returns|Re|"
               "Remains|Shows|Showed|Developed|Describes|Received|Not|No|Of|In|On|For|And|"
               "The|Who|Whose|Prior|Previous|Post|Status")
ABBREVIATION = ("DCM|HCM|ARVC|LBBB|RBBB|LGE|CMR|MRI|CT|ECG|LV|RV|MI|CAD|AF|HF|HFREF|HFPEF|"
                "STEMI|NSTEMI|PCI|CABG|ICD|CRT|TAVI|AS|MR|TR|AR|VT|VF|PE|PH|LVNC|LVH|EF|"
                "LVEF|RVEF|TTE|TOE|ECV|SCD")
NOT_CLINICAL = rf"(?!(?:{ABBREVIATION})\b)"  # "Sig. LGE", "Dr Smith LBBB"
KIN = ("mother|father|son|daughter|wife|husband|brother|sister|partner|sibling|cousin|aunt|"
       "uncle|niece|nephew|grandmother|grandfather|guardian")

# a whole word: "DR ADDR01" (a pacemaker's model) holds no name "ADDR"
_NAME = rf"[{UPPER}][{UPPER}{LOWER}'’-]+(?![\w'’-])"
# forms of address (English, German, French, Spanish, Italian, Dutch); the short ones only
# with their full stop and never after a number ("6 Fr. sheath", "24 Hr. Holter"), "M." not
# before a word that starts a sentence ("grade M. The LV"); in capitals "DR" (not of "DR
# Congo") and "PROF" only: "MR" and "MS" are mitral regurgitation and stenosis, "MRS"
# spectroscopy
_TITLE = ("(?:Dr|Dra|Prof|Mr|Mrs|Ms|Miss|Herr|Frau|Mme|Mlle|Sr|Sra|Srta|Sig|Sig\\.ra|Sig\\.na"
          "|Dott|Dott\\.ssa|Dhr|Mevr|DR(?!\\.?[^\\S\\n]+(?i:congo)\\b)|PROF)\\.?"
          "|(?<!\\d)(?<!\\d )(?:Hr|Fr|dhr|mevr)\\."
          f"|(?<!\\d)(?<!\\d )M\\.(?!\\s+(?:{REPORT_WORD})\\b)")
# "Prof. Dr. med. Hans Meier": titles and degrees in a row, then the name, on the title's line
_TITLES = rf"\b(?:{_TITLE})(?:[^\S\n]+(?:{_TITLE}|med\.?|dent\.))*[^\S\n]+"
_TITLE_INITIALS = rf"(?:[{UPPER}](?:\.[^\S\n]*|[^\S\n]+(?=[{UPPER}])))*"  # "J. ", "A B "
# "de Vries", "van der Berg", "Van den Berg", "VAN DEN BERG", "DE LA CRUZ": three at most, a
# capitalised one may be the name itself ("Dr Le")
_PARTICLES = (r"(?:(?i:van|von|de|der|den|du|di|da|del|della|le|la|ten|ter|zu)[^\S\n]+)"
              r"{0,3}")
# what is no second name after a title's first: a grade, a wall, a role, a degree ("Dr Smith
# Severe aortic stenosis", "DR J SMITH MBBS FRCP", "Dr Patel Consultant Cardiologist")
_NOT_SECOND = (rf"(?!(?i:{REPORT_WORD}|mild|moderate|moderately|severe|severely|normal|marked|"
               "significant|trivial|small|large|good|poor|impaired|preserved|reduced|dilated|"
               "anterior|inferior|lateral|septal|posterior|basal|mid|apical|left|right|global|"
               "consultant|cardiologist|radiologist|registrar|fellow|nurse|radiographer|"
               "surgeon|physician|mbbs|mbchb|mb|bs|md|phd|frcr|frcp|frcs|mrcp|fesc|facc|bsc|msc|"
               r"dm|scd|cardiology|radiology|department)\b)")
TITLED = re.compile(
    rf"{_TITLES}(?P<initials>{_TITLE_INITIALS})(?P<particles>{_PARTICLES}){NOT_CLINICAL}"
    rf"(?P<surname>{_NAME})"
    rf"(?:[^\S\n]+{_NOT_SECOND}{NOT_CLINICAL}{_NAME})?")
# "Drs Smith and Patel", "Drs. Smith, Patel and Okafor", "DRS J SMITH AND A PATEL": each name
_DOCTOR = (rf"{_TITLE_INITIALS}{_PARTICLES}{NOT_CLINICAL}(?!(?i:and)\b){_NAME}"
           rf"(?:[^\S\n]+{_NOT_SECOND}{NOT_CLINICAL}{_NAME})?")
DOCTOR_ONE = re.compile(rf"(?<![\w'’-]){_DOCTOR}")  # not "AND"'s "ND"
# after "and", "&" or "/" a list goes on on the next line ("Drs Smith and\nPatel"), with no
# grade, wall or role there (`titles.doctors` weighs the name)
_AND = rf"(?:[^\S\n]+|[^\S\n]*\n[^\S\n]*{_NOT_SECOND})"
DOCTORS = re.compile(
    rf"\b(?:Drs|DRS)\.?[^\S\n]+(?P<names>{_DOCTOR}(?:[^\S\n]*(?:,[^\S\n]*(?:(?i:and){_AND})?"
    rf"|[&/](?:[^\S\n]*|{_AND})|(?i:and){_AND}){_DOCTOR}){{0,23}})")  # "Drs. Smith/Patel"


# what names a person next: "reviewed by", "discussed with", "phoned to", "cc", "[name] and",
# a title ("Dr J Smith": the title's rule wants a word after it), a role ("Consultant: Smith,
# John"), a label with its colon ("GP: Jones, Mark", "Second read: D. Pennell"); and, weakly,
# what heads clinical text as often as a name: a relative ("father Smith, John"; "Mother:
# Long QT"), the study of another patient ("the study of J. Smith"; "Images of Long AX"), a
# label ("Name:", "Present:", "Distribution:"; "Sequence name: Dixon W", "Present: Kerley B"),
# a technique's "with" or "to" ("Acquired with Dixon W")
_BY = ("discussed|reviewed|reported|dictated|verified|authori[sz]ed|supervised|seen|referred|"
       "electronically|"  # "Signed electronically by"
       "signed|agreed|checked|approved|typed|copied|transcribed|examined|sent|spoke|spoken|"
       "informed|scan|scanned|performed|acquired|requested|phoned|telephoned|read|"
       "communicated|given|handed|faxed|e-?mailed|forwarded")
_WITH = ("discussed|reviewed|agreed|checked|spoke|spoken|communicated|seen|supervised|verified|"
         "reported|approved")  # a person after "with"; "acquired with" a technique
_TO = ("phoned|telephoned|sent|handed|faxed|e-?mailed|forwarded|copied|given|referred|spoke|"
       "spoken|reported|communicated|informed")  # a person after "to"
_ROLE = ("consultant|registrar|fellow|radiographer|radiologist|cardiologist|physician|surgeon|"
         "nurse|sonographer|reporter|signed|signature|author|operator|technologist|technician|"
         "referrer|attendees")
_LABEL = (r"requesting|referring|gp|second[^\S\n]+read(?:er)?|copies|copy[^\S\n]+to")
_WEAK_LABEL = "name|present|distribution"
# the words a report is signed with, by or with a colon ("Verified: du Toit P")
_SIGNS = ("reported|dictated|signed|co-?signed|verified|authori[sz]ed|approved|typed|"
          "transcribed")
# the prose that tells a person what was found, no colon ("Discussed with J. Stokes", "Results
# phoned to Mary Stokes"; `prose`): not a signing word's "by" ("Diagnosis verified by Biopsy")
# ("agreed with" is a finding's as often: "Agreed with Kaplan Meier"; "d/w" is "discussed
# with", "cc" without its colon a copy's, not after a volume: "10 cc Gadovist")
PROSE_CUE = (r"\b(?:discussed|spoke|spoken|communicated|reviewed)[^\S\n]+with|\bd/w"
             r"|\b(?:phoned|telephoned|faxed|e-?mailed|handed(?:[^\S\n]+over)?|forwarded"
             r"|communicated|spoke|spoken|copy|copied)[^\S\n]+to|\bseen[^\S\n]+by"
             r"|(?<![\d.])(?<!\d[^\S\n])\bcc(?=[^\S\n])")
_STRONG = (rf"\b(?:{_BY})[^\S\n]+by|\b(?:{_WITH})[^\S\n]+with|\b(?:{_TO})[^\S\n]+to|\bcc"
           rf"|\[name\][^\S\n]*(?:,|;|and|&|/)|\b(?:{_ROLE})|\b(?:{_LABEL}|{_SIGNS})[^\S\n]*:")
_WEAK = (rf"\b(?:study|scan|cmr|mri|images?|examination)[^\S\n]+of"
         rf"|\b(?:{KIN})(?:[^\S\n]*[,(])?|\b(?:{_WEAK_LABEL})[^\S\n]*:"
         rf"|\b(?:{_BY})[^\S\n]+(?:with|to)")
# a strong cue first: "discussed with" is no technique's "with"
CUE = re.compile(
    rf"(?:(?i:{_STRONG})|(?P<weak>(?i:{_WEAK}))"
    r"|\b(?:Dr|DR|Drs|DRS|Prof|PROF|Mr|Mrs|MRS|Ms|Miss|MISS|Mx)\.?)[^\S\n]*:?[^\S\n]*$")
# a signature's or a copy's words, then two or three capitalised words at the list's or the
# line's end or before a degree: a person's, whatever the given name ("Reported by: Mark
# Brown", "cc: Grace Brown (GP)", "Verified: Zhang Wei", "Signed by Priya Raman on ...";
# `signatures.scrub_signed` weighs the words)
_CAPITALISED = rf"(?:[{UPPER}]['’])?[{UPPER}][{LOWER}]+(?:-[{UPPER}][{LOWER}]+)*"
DEGREES = "MD|MBBS|MBChB|FRCR|FRCP|FRCS|MRCP|FESC|FACC|PhD|BSc|MSc|DO|RN"
# a dose, a size or a route right after a word and a blank ("2 mg", "0.1 mmol/kg", "20G", "14
# Fr", "12.50 mg", "IV", "p.o."): what a medicine or kit is written with (`medicines.dosed`)
UNIT = r"(?:mcg|µg|μg|ug|mg|g|mmol|mls?|mL|l|L|units?|iu|IU|U|G|Fr|gauge|%)"
SIZE = r"(?:G|Fr|gauge)"
ROUTE = r"(?:IV|PO|IM|SC|SL|i\.v\.|p\.o\.|i\.m\.|s\.c\.)"
DOSE = rf"(?:\d+(?:[.,]\d+)?[^\S\n]*+{UNIT}|{ROUTE})(?![\w])"
SIGNED = re.compile(
    rf"(?i:\b(?:{_BY})[^\S\n]+by|\bcc\b|\b(?:{_ROLE}|verified|approved|authori[sz]ed|"
    rf"reported|dictated|typed|transcribed|{_LABEL})[^\S\n]*+:)[^\S\n]*+:?[^\S\n]*+"
    rf"(?P<name>{_CAPITALISED}(?:[^\S\n]+{_CAPITALISED}){{1,2}})(?![\w'’-])"
    rf"(?=[^\S\n]*+(?:[,;()&/]|\.?[^\S\n]*(?:\n|\Z)|(?i:and|or|on|at)\b|(?:{DEGREES})\b))")
# the labels a report is signed with, then one to four words shaped as a name's, whether
# faker knows them or not ("Reported by: Dmitri Volkov", "Signed electronically by ZHANG WEI",
# "Reported by: Sean Ó Briain", "Radiographer: Kate"), at the list's, the sentence's or the
# line's end or before a degree ("Reported by: Becker MD"), and given names or initials after
# them and a comma ("Volkov, Dmitri", "GARCÍA LÓPEZ, José", "Okafor, C. A."): the weighing is
# `signatures.scrub_signed`'s. A particle in any case ("du Toit", "Ó Briain", "al-Hassan"),
# three before a word at most
# (plural, or after a qualifier: "Radiographers:", "Consultant cardiologist:", "Reporting
# radiologist:", "Signature:")
_SIGNERS = (r"(?:(?:reporting|consultant|specialist|senior|supervising|attending|verifying|"
            r"interpreting|cardiac|clinical|research|chief|lead|first|second)[^\S\n]+){0,2}"
            r"(?:radiographer|technologist|technician|sonographer|radiologist|cardiologist|"
            r"reporter|consultant|physician|doctor|registrar|signature|nurse|physiologist|"
            r"reader|fellow)s?")
# a clinical abbreviation of three letters or more, no one's initials ("LVEF", "LGE"; "Smith
# MR" is Dr M. R. Smith's)
_CLINICAL = "|".join(a for a in ABBREVIATION.split("|") if len(a) >= 3)
# two capitals a report writes for what was done or planned, never a surname in capitals nor
# initials after a signer's label ("Nurse: OP", "Radiographer: Li FU 6 months"; "LI" is a
# name, and "Fu" in title case): outpatient, inpatient, follow-up, nasogastric, general
# anaesthetic, the vital signs, routes and dosing
SHORT_CLINICAL = "OP|IP|FU|NG|GA|BP|HR|RR|IV|IM|SC|PO|SL|OD|BD|NB|DC|PT|OT|HO"
CLINICAL = f"{_CLINICAL}|{SHORT_CLINICAL}"  # either (`labelled`: "Nurse:\n心肌梗死 LVEF 45%")
_SIGN_WORD = (rf"(?!(?:{DEGREES}|{_CLINICAL})\b)(?:(?i:al|el)-)?"
              rf"(?:(?:[{UPPER}]['’])?[{UPPER}][{LOWER}]+"
              rf"(?:[{UPPER}][{LOWER}]+)?(?:-[{UPPER}{LOWER}][{LOWER}]+)*"
              rf"|(?:[{UPPER}]['’])?[{UPPER}]{{2,}}(?:-[{UPPER}]{{2,}})*)(?![\w'’-])")
SIGN_PARTICLES = frozenset({"van", "von", "de", "der", "den", "du", "di", "da", "del", "della",
                            "dos", "das", "le", "la", "ten", "ter", "zu", "ó", "ní", "nic", "mac",
                            "ua", "uí", "bin", "ibn", "abu"})
# a role after the name is no part of it ("Dmitri Volkov Consultant Cardiologist")
_STAFF = ("consultant|registrar|fellow|specialist|radiologist|cardiologist|radiographer|"
          "sonographer|physician|surgeon|physiologist|technologist|nurse")
# ("and" in capitals joins a list of names: "SMITH AND JONES")
_SIGN_PART = (rf"(?!(?i:{_STAFF}|and|or)\b)"
              rf"(?:(?i:{'|'.join(sorted(SIGN_PARTICLES))})[^\S\n]++){{0,3}}"
              rf"{_SIGN_WORD}")
_SIGN_NAME = rf"{_SIGN_PART}(?:[^\S\n]++{_SIGN_PART}){{0,3}}"
SIGN_NAME, SIGNERS = _SIGN_NAME, _SIGNERS  # a signature's block (`prose`: a role below a name)
# the label heads a field, a capital first: at a line's start or its bullet, after a field's
# end (".", ";", "|", a tab, two blanks) or "Report": "Allergies verified: Penicillin",
# "Diagnosis verified by Biopsy" and a wrapped sentence's "reported by Zio" are clinical text
# and the report, the study or its images its subject ("Images reviewed and reported by:",
# "This study was verified by"), the other's work before the signer's ("Reviewed and reported by")
_SUBJECT = (r"(?:(?:the|this)[^\S\n]+)?(?:(?:final|cmr|mri)[^\S\n]+)?(?:report|study|scan|"
            r"images?|examination|exam)(?:[^\S\n]+(?:was|were|has[^\S\n]+been|have[^\S\n]+been))?"
            r"[^\S\n]+")
_BEFORE_SIGNING = (r"(?:acquired|performed|reviewed|read|supervised|checked|scanned|interpreted)"
                   r"[^\S\n]+(?:and|&)[^\S\n]+")
_FIELD_START = (r"(?:(?m:^)[^\S\n]*+(?:(?:[-–•*·▪‣◦]|\d{1,2}[.)])[^\S\n]*+)?"
                r"|(?<=[.;|])[^\S\n]++|(?<=[^\S\n]{2})|(?<=\t))")
_FIELD = rf"{_FIELD_START}(?=[{UPPER}])(?i:{_SUBJECT})?(?i:{_BEFORE_SIGNING})?"
# the staff's work a form names with "by" and its colon ("Scanned by:", "Performed by:",
# "Supervised by:"), and a discussion's "with" ("Reviewed with:"): without the colon prose's
# ("Images acquired by Dixon", "Reviewed with Cardiology")
_WORKS = r"(?:scanned|performed|acquired|supervised)[^\S\n]+by|(?:reviewed|discussed)[^\S\n]+with"
# a signing word's "by" and a colon is a form's label wherever it stands on its line ("Images
# reviewed and reported by: Nakamura"); without the colon it is prose's ("Diagnosis verified by
# Biopsy", "Occlusion reported by Angio")
_BY_LABEL = (rf"(?<=[^\S\n])(?i:(?:electronically[^\S\n]+)?(?:{_SIGNS})"
             rf"(?:[^\S\n]+electronically)?[^\S\n]+by[^\S\n]*+:|(?:{_WORKS})[^\S\n]*+:)")
# a letter of a script the name rules do not read: the name's own writing after its Latin one
# or the list's next ("Wang Wei 王伟", "Smith and 王伟": `labelled` scrubs it after [name])
OTHER_LETTER = rf"(?=[^\W\d_])(?![{UPPER}{LOWER}])"
# where a signer's name ends: a list's mark, the line's, the sentence's or a clause's end,
# "and" or "or" before a name or at the line's end (a list wrapped: "Volkov and\nPetrova"),
# "on" a date or a capitalised word (not "Radiographer: Nausea on regadenoson", "Bigeminy on
# ECG"), a time, a [date], a role, a degree, a dose, a size or a route ("Nurse: Adeyemi 20G
# cannula": `signatures` weighs whether the word before it is a medicine), another script
_SIGN_END = (rf"(?=[^\S\n]*+(?:[,;()&/]|\.?[^\S\n]*+(?:\n|\Z)|\.[^\S\n]|[-–—][^\S\n]"
             rf"|(?<=[^\S\n]){OTHER_LETTER}"
             rf"|(?i:and|or|&)(?:[^\S\n]+(?:[{UPPER}\[]|{OTHER_LETTER})|[^\S\n]*+(?:\n|\Z))"
             rf"|(?i:on|at)[^\S\n]+(?:[\d\[]|[{UPPER}][{LOWER}])"
             rf"|\d{{1,2}}[:.]\d\d\b|\[|(?i:{_STAFF})\b|(?P<degree>{DEGREES})\b|{DOSE}))")
# or, where the name has no such end, a capitalised word after a blank: the text the name runs
# into, where `signatures` finds that word no name's ("Smith and Okafor Sinus rhythm", "Volkov
# Images acquired")
_RUNS_ON = rf"(?=[^\S\n]++(?P<next>[{UPPER}][{LOWER}]+)(?![\w'’-]))"
# the given names or initials after a surname and a comma ("Volkov, Dmitri", "Okafor, C. A.";
# `signatures` weighs whether they are the name's or the list's next)
_FORENAME = (rf"(?:[^\S\n]*+,[^\S\n]*+(?P<forename>{_SIGN_WORD}(?:[^\S\n]++{_SIGN_WORD})?"
             rf"(?:[^\S\n]++[{UPPER}]\.?){{0,2}}|[{UPPER}]\.?(?:[^\S\n]?[{UPPER}]\.?){{0,2}}))?")
# the label a report is signed with, whatever the script of the name after it (`labelled`)
SIGN_LABEL = (rf"(?:{_FIELD}(?i:(?:electronically[^\S\n]+)?(?:{_SIGNS})(?:[^\S\n]+electronically)?"
              rf"[^\S\n]+by\b[^\S\n]*+:?|(?:{_SIGNS}|{_SIGNERS})[^\S\n]*+:)|{_BY_LABEL}"
              rf"|{_FIELD_START}(?i:(?P<copy>cc)|{_WORKS})[^\S\n]*+:)")  # "cc:", "performed by:"
# a clinical abbreviation after the name ends it too ("Radiographer: Volkov LVEF 55 %"): the
# words before it are weighed as the name (`signatures`), and a clinical word among them keeps
# them all ("Reported by: Strand LGE")
# Two capitals end it only where more of the line follows that no list goes on with ("Nurse:
# Okafor OP clinic", "Radiographer: Li FU 6 months"): at a list's mark, "and" or the line's end
# they are the signer's initials ("Reported by: Okafor HO, Jones AR", "Smith DC and Jones S")
_BEFORE_CLINICAL = (rf"(?=[^\S\n]++(?:(?:{_CLINICAL})(?![\w'’-])|(?:{SHORT_CLINICAL})[^\S\n]++"
                    rf"(?![,;&/]|(?i:and|or)(?![\w'’-]))\S))")
BEFORE_CLINICAL = _BEFORE_CLINICAL  # (`labelled`: "Radiographer: J. Stokes LVEF 55 %")
SIGNATURE = re.compile(
    rf"{SIGN_LABEL}[^\S\n]*+(?:\n[^\S\n]*+)?"
    rf"(?P<name>{_SIGN_NAME})(?:{_FORENAME}(?:{_SIGN_END}|{_BEFORE_CLINICAL})|{_RUNS_ON})")
# the names a list of signers goes on with, read one at a time to the list's end, however long
# ("Radiographers: Smith, Jones and Volkov", "A / B / C / D / E"): a mark or "and", ", and",
# then a name, on the next line where the list is wrapped after its mark ("Volkov and\nPetrova")
_SIGN_JOINT = (r"[^\S\n]*+(?:[,;&/]|(?i:and|or)(?![\w'’-]))"
               r"(?:[^\S\n]*+(?:&|(?i:and)(?![\w'’-])))?[^\S\n]*+(?:\n[^\S\n]*+)?")
# and a list's next name also where a clinical abbreviation follows it ("Radiographers: Smith
# and Jones LVEF 55 %" kept "Jones"), as the first's
SIGN_OTHER = re.compile(rf"(?P<joint>{_SIGN_JOINT})(?P<name>{_SIGN_NAME})(?:{_FORENAME}"
                        rf"(?:{_SIGN_END}|{_BEFORE_CLINICAL})|{_RUNS_ON})")
# the last word each of those ends with: most candidates follow none, and the pattern's
# search through 40 characters is the scrubber's costliest step
CUE_ENDS = frozenset({"with", "by", "to", "of", "cc", "and", "[name]", "read", "reader",
                      "dr", "drs", "prof", "mr", "mrs", "ms", "miss", "mx",
                      *_ROLE.split("|"), *KIN.split("|"), *_WEAK_LABEL.split("|"),
                      *(w for w in _LABEL.split("|") if w.isalpha()),
                      *_SIGNS.replace("authori[sz]ed", "authorised|authorized").replace(
                          "co-?signed", "cosigned").split("|")})
# a list's bullet or number at a line's start ("- Smith, John", "• J. Smith", "1. Smith, John")
_BULLET = r"(?:[-–•*·▪‣◦]|\d{1,2}[.)])[^\S\n]*"
# where an initial with no such word before it begins a name: a line's start or its bullet, a
# colon, a comma, a semicolon, a bracket ("J. Smith, consultant", "Reporter: J Smith")
OPEN = re.compile(rf"(?m:^)[^\S\n]*(?:{_BULLET})?$|[,;:(][^\S\n]*$")
# and where a name written surname first does: a line's start or its bullet, a colon, a bracket
HEAD = re.compile(rf"(?m:^)[^\S\n]*(?:{_BULLET})?$|[:(][^\S\n]*$")
# a reference's marks after its authors on their line ("Kramer CM, Barkhausen J, et al.",
# "Source: Petersen, S.E. et al.", "J Cardiovasc Magn Reson 2020;22:17", "doi")
CITED = re.compile(r"(?i:\bet\.?[^\S\n]+al\b|\b(?:19|20)\d\d[;:(][^\S\n]*\d|\bdoi\b)")
# and on a line with an "et al.", what makes it a family's ("Okafor, Chukwuemeka, et al.
# (sibling study)"), and what keeps it a reference (a year, a doi: "Sibling screening. 2020")
RELATIVES_STUDY = re.compile(rf"(?i:\b(?:{KIN}|siblings?|relatives?|family|twin)(?:['’]s)?"
                             r"[^\S\n]+(?:study|studies|scan|scans|cmr|mri|images|report)\b)")
JOURNAL = re.compile(r"(?i:\b(?:19|20)\d\d\b|\bdoi\b)")
# and a reference's label before its authors on their line ("Ref: Hundley WG", "Mother: See:
# Petersen SE", "Refs: (Turner, Louise)"): not a letter's, a qualified "ref" or one before a
# number or a code ("Our ref: AB/12", "Hosp ref:", "Ref: 4471   Okafor, Chukwuemeka")
CITING = re.compile(rf"(?i:\b(?:(?<![{UPPER}{LOWER}][^\S\n])refs?|references?|source|citation"
                    rf"|cited|see|per)\b[^\S\n]*:)[^\S\n]*\(?(?:[{UPPER}](?:[{LOWER}.]|[^\S\n])"
                    r"|\[name\])")  # "Ref: [name], Kramer CM": so on a second scrub
# what joins a name just found to the next, as `CUE` reads it after "[name]" on a second pass
# ("[name] /:", "[name],\n"): the two passes find the same names
AFTER_NAME = re.compile(r"[^\S\n]*+(?:,|;|and|&|/)[^\S\n]*+:?[^\S\n]*+\n?", re.I)
# a name's initials at its end ("Neubauer S", "Smith J.R."), and where a list of names ends or
# goes on after one: a comma, a semicolon, a bracket, "and", the line's end ("(Neubauer S,
# Myerson S)"; not "Troponin T 45", "Protein C deficiency")
INITIALS_END = re.compile(rf"[^\S\n][{UPPER}](?:\.?[^\S\n]?[{UPPER}]){{0,2}}\.?$")
# (possessive: a run of blanks before a digit was read back one blank at a time, n² in all)
LIST_END = re.compile(r"[^\S\n]*+(?:[,;)&/]|(?i:and|or)\b|\.?[^\S\n]*+(?:\n|\Z))")
GIVEN = rf"[{UPPER}][{LOWER}]+(?:-[{UPPER}][{LOWER}]+)?|[{UPPER}]{{2,}}(?:-[{UPPER}]{{2,}})?"
_INITIALS = rf"[{UPPER}]\.(?:[^\S\n]*[{UPPER}]\.){{0,2}}"  # "Smith, J.", "Smith, J. R."
# "Smith", "O'Brien", "McDonald", "DiCaprio", "Smith-Jones", "SMITH", "O'BRIEN"
_PIECE = (rf"(?:[{UPPER}]['’]|[{UPPER}][{LOWER}]{{1,2}}(?=[{UPPER}]))?[{UPPER}][{LOWER}]+"
          rf"|(?:[{UPPER}]['’])?[{UPPER}]{{2,}}")
_PARTICLE = (r"(?:(?:van|von|de|der|den|du|di|da|del|della|dos|das|le|la|ten|ter|zu)"
             r"[^\S\n]+){0,3}")  # "Anna van der Berg", "Maria da Silva"; three, at most
# a capitalised particle begins a surname written first ("Van den Berg, Pieter", "DE VRIES,
# JAN", "Mc Donald, Ewan"); before a given name it would be read as one
_FIRST_PARTICLE = (r"(?:(?:Van|Von|De|Der|Den|Du|Di|Da|Del|Della|Dos|Das|Le|La|Mc|Mac|VAN|VON|"
                   r"DE|DER|DEN|DU|DI|DA|DEL|DOS|DAS|LA|LE|MC|MAC)[^\S\n]+){0,2}")
SURNAME = rf"{_PARTICLE}(?:{_PIECE})(?:-(?:{_PIECE}))*"
# a whole word, or a possessive ("John Smith's study", "Sarah Jones' study")
_END = r"(?=['’]s\b|['’](?!\w)|[^\w'’-]|$)"
# a surname then one to three initials, no word after them ("Smith J", "SMITH JR", "Smith
# J.R.", "Smith J R"): a full stop after them is the sentence's ("Okafor K.")
_LETTERED = (rf"(?P<lettered>{_FIRST_PARTICLE}{SURNAME})[^\S\n]+"
             rf"(?P<letters>[{UPPER}](?:(?:\.[^\S\n]?|[^\S\n])?[{UPPER}]){{0,2}})(?![\w'’-])")
LETTERED = re.compile(rf"(?<![\w'’-]){_LETTERED}")
# a surname, a comma, a given name or initials, a middle one maybe ("Smith, John", "Smith, J",
# "MUELLER, Anna Maria", "SMITH, JANE E"); or a capitalised word, an initial maybe, one or two
# more words, on one line: a heading above a sentence is no name; or initials and a surname
# ("J. Smith", "J.R. Smith", "J Smith", "A B Smith", "J.-P. Martin"): "E. coli", "S. Aureus"
# and "Type A. Baker's cyst" are no name; or a surname then initials. Surname first comes
# first: "Van den Berg, Pieter" is no given name "Van"
CANDIDATE = re.compile(
    rf"(?<![\w'’-])(?:(?P<family>{_FIRST_PARTICLE}{SURNAME}),[^\S\n]+"
    rf"(?P<forename>{GIVEN}|{_INITIALS}|[{UPPER}](?![\w'’.-])){_END}"
    rf"(?:[^\S\n]+(?P<middle>{_INITIALS}|[{UPPER}](?:[^\S\n]+[{UPPER}]){{0,2}}(?![\w'’.-])"
    rf"|{GIVEN}){_END})?"
    rf"|(?:(?P<given>{GIVEN})(?:[^\S\n]+[{UPPER}]\.)?"
    rf"|(?P<initial>[{UPPER}](?:\.?-[{UPPER}]\.?|\.(?:[^\S\n]*[{UPPER}]\.){{0,2}}"
    rf"|(?:[^\S\n]+[{UPPER}]){{0,2}}(?=[^\S\n]))))"
    rf"[^\S\n]+(?P<first>{SURNAME}){_END}(?:[^\S\n]+(?P<second>{SURNAME}){_END})?"
    rf"|{_LETTERED})")
# the word after a name ("Hospital", "Children's"), and the one before it
NEXT = re.compile(rf"(?:['’]s?)?[^\S\n]+(?P<word>[{UPPER}{LOWER}][{LOWER}{UPPER}'’-]*)")
POSSESSIVE = re.compile(r"['’]s?$")
BEFORE = re.compile(rf"(?P<word>[{UPPER}{LOWER}]+)[^\S\n]+$")
# a lower-case word next ("Patel, Hope to repeat"), and the rest of a list of capitalised
# words and the word after it ("Alfieri, David and Ross procedures")
LOWER_NEXT = re.compile(rf"[^\S\n]+[{LOWER}]")
# and one that is no "and" or "or" ("Discussed with Smith J and Patel A")
WORD_NEXT = re.compile(rf"[^\S\n]+(?!(?:and|or)\b)[{LOWER}]")
LIST = re.compile(rf"(?:[^\S\n]*(?i:,|/|&|\band\b|\bor\b)[^\S\n]*[{UPPER}][{LOWER}'’-]+"
                  rf"(?:[^\S\n]+[{UPPER}][{LOWER}'’-]+)*)+(?:['’]s?)?(?:[^\S\n]+[{LOWER}]+)?")
# the words before a ward named after a person that move a patient ("admitted to Victoria
# Ward"; "copy to Sarah Ward" is hers)
MOVED = re.compile(r"(?i:\b(?:admitted|admission|transferred|transfer|moved|returned|"
                   r"discharged|back|stepped\s+down)[^\S\n]+(?:back[^\S\n]+)?(?:to|from))"
                   r"[^\S\n]+$")
