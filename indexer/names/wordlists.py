"""The words the name scrubber weighs besides faker's names (`indexer.names.given`): given
names that are words, eponyms and terms, the words that make a name a term's or a place's,
and the family names that are no one's in a report. They are part of the gazetteer's version:
a change here makes a de-identified index read its reports again.
"""

from __future__ import annotations

# given names of two letters that are no word (faker's lists hold them with one-letter initials)
SHORT_GIVEN = frozenset({"Al", "Ed", "Jo", "Bo"})
# family names of two letters faker's lists lack, common among patients and staff in Europe
# and America (Cantonese "Ng", "Ip", "Lo", "Au"; Korean "Ko"; Vietnamese "Ly"): a name only where
# a label or a cue expects one, as faker's own ("Nurse: Ng"; `gazetteer.short_family_names`)
SHORT_FAMILY_NAMES = frozenset({"ng", "ip", "lo", "au", "ko", "ly"})
# given names that are English or report words faker's English word lists lack: alone, at the
# head of a sentence or a heading, they are no name ("Ross procedure", "Glenn shunt", "Kent
# bundle", "Todd paresis", "Per protocol", "Del Nido")
WORDS = """
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
VERBS = ("is", "are", "was", "were", "has", "had", "have", "been", "being", "shall")
# a report's headings and a letter's labels faker's English words lack: no surname after a
# given name or initials, even after a word that names a person ("Present:\nB. Findings",
# "Name: John Ref: 12")
HEADINGS = ("findings", "finding", "recommendations", "recommendation", "addendum", "impression",
            "conclusion", "conclusions", "indication", "indications", "technique", "comments",
            "ref", "refs", "re", "hosp", "dob", "nhs", "mrn", "tel", "fax")
# words in faker's family names that are no one's surname in a report ("Anna Were Seen"; "R
# Kidney", "S Colon", "C Cannon waves": a side, a segment, a sign before an organ's word;
# "LAD": an artery; "N Engl J Med": a journal's word, after a cue too)
NO_SURNAMES = frozenset({*VERBS, "the", "too", "each", "more", "put", "die", "lie", "said",
                         "seven", "case", "date", "comment", "doctor", "list", "way", "room",
                         "clear", "real", "read", "mad", "nail", "carry", "marry", "fee",
                         "mate", "parent", "story", "plaza", "street", "company",
                         "kidney", "colon", "walls", "cannon", "gut", "stack", "lad",
                         "engl"})
# eponyms: never a given name nor a surname, but after a signer's label a name faker knows that
# is one of them is a person's (`labelled`: "Reported by: Sarah Simpson", "Radiographer: Stokes")
EPONYM_TERMS = """
fabry anderson-fabry takotsubo tako-tsubo brugada ebstein marfan noonan danon pompe barth
holter doppler simpson bruce wolff parkinson fallot fontan senning rastelli norwood konno
kawasaki chagas lyme loeys dietz ehlers danlos duchenne friedreich dreifuss kussmaul
eisenmenger dressler löffler loeffler libman sacks prinzmetal lutembacher uhl kommerell
carpentier killip lown stokes cheyne flint steell coombs osler janeway quincke duroziez
corrigan framingham agatston bazett fridericia sokolow einthoven goldberger valsalva
trendelenburg seldinger judkins amplatz bernoulli gorlin teichholz nido jervell lenegre stansel
damus mobitz wenckebach mustard bentall blalock taussig
"""
# contrast agents, makers, scanners, valves and the words no one bears: never a name
PRODUCT_TERMS = """
gadovist dotarem magnevist multihance prohance clariscan siemens philips toshiba canon hitachi
magnetom signa aera avanto skyra vida achieva ingenia optima sapien evolut heart tesla
prisma altea lumina verio espree sempra intera elition echelon aperto orian cima
"""
TERMS = EPONYM_TERMS + PRODUCT_TERMS
# the eponyms clinical text writes alone for what was found or done, a diagnosis, an operation
# or a technique ("Post Rastelli", "Glenn.", "Becker.", "?Noonan", "Holter"), not only before
# their noun ("Simpson's method", "Stokes-Adams", "Parkinson's disease"): after a signer's
# label too they are clinical, whoever bears the name (`labelled.named_by_label`)
BARE_EPONYMS = frozenset({
    "fontan", "mustard", "senning", "rastelli", "norwood", "ross", "glenn", "bentall", "konno",
    "damus", "blalock", "fallot", "nikaidoh", "jatene", "sano", "kawashima", "waterston",
    "fabry", "takotsubo", "brugada", "ebstein", "marfan", "noonan", "danon", "pompe", "barth",
    "kawasaki", "chagas", "lyme", "duchenne", "friedreich", "eisenmenger", "dressler",
    "prinzmetal", "holter", "doppler", "valsalva", "mobitz", "wenckebach", "amplatz"})
# what a name before it makes a term's: a kind of thing, a procedure's or a place's word
# ("Glenn Anastomosis", "Per Petersen Criteria", "William Harvey Hospital"); never a name
NOUNS = """
disease syndrome anomaly protocol method procedure operation shunt criteria score
classification phenomenon sign murmur test index circulation repair valve device catheter
monitor medical hospital clinic centre center infirmary institute university foundation trust
type class grade stage effect law equation formula rule technique sequence sequences complex
aneurysm ataxia dystrophy cardiomyopathy endocarditis angina arteritis expression mutation
variant positive negative network node bundle fibres fibers ring triangle autograft homograft
anastomosis cardioplegia pathway paralysis paresis channelopathy baffle conduit fenestration
septostomy myectomy stitch manoeuvre maneuver crunch triad hernia calculator unit dental
cardiac research memorial children wing lodge laboratory hospice artefact artifact fibre fiber
principle lesions nodes spots units physiology
building suite theatre krankenhaus klinikum klinik hôpital hopital ospedale
policlinico clinica clínica clinique ziekenhuis sjukhus sygehus sykehus szpital nemocnice
"""
# a report word that is also a family name: the last word of a name only where it is the
# surname ("Anna Ward"; "Sandra Fox Ward" is a ward)
NAME_NOUNS = ("ward",)
NOUN_WORDS = frozenset({*NOUNS.split(), *NAME_NOUNS})  # read once: each name asks
# the staff a report names by role, one or many: no one's name after a signature's label nor
# on a doctors list's next line ("Drs Smith and\nRadiologists.", "Verified by: Physiologist")
ROLES = frozenset({
    "consultant", "cardiologist", "radiologist", "registrar", "fellow", "nurse", "radiographer",
    "sonographer", "physician", "surgeon", "physiologist", "anaesthetist", "anesthetist",
    "technologist", "technician", "pharmacist", "colleague", "intensivist", "resident",
    "doctor", "trainee", "team"})
# the word before a ward named after a person ("admitted to Victoria Ward", "seen on the
# Florence Ward"): not after a word that names a person ("referred to Florence Ward")
AT = frozenset({"on", "to", "from", "at", "in", "into", "onto", "via", "off", "the"})
# a journal's or a germ's abbreviated words that are family names, and eponyms written with a
# letter or a numeral ("Kerley B", "Dixon W", "Crawford II"): no surname next to an initial
# with no word naming a person before it ("N Engl J Med", "J Mol Cell Cardiol", "B. Quintana")
NO_INITIAL_SURNAMES = frozenset({"engl", "mol", "coll", "vasa", "mayo", "quintana", "kerley",
                                 "dixon", "crawford", "siewert", "fontaine", "rutherford",
                                 "duke",
                                 # and analytes, a letter's words: "[name], Protein C"
                                 "troponin", "protein", "vitamin", "hepatitis", "lipoprotein",
                                 "apolipoprotein", "antithrombin", "immunoglobulin",
                                 "interleukin", "factor", "lamin", "titin", "myosin",
                                 "desmin", "dystrophin", "filamin", "thrombin", "peptide",
                                 "haemoglobin", "hemoglobin", "coxsackie", "influenza",
                                 "sinus", "segment", "lead", "zone", "phase", "flow", "echo",
                                 "bay", "panel", "cohort", "batch", "appendix",
                                 # and a classification's: "[name], Stanford A"
                                 "stanford", "debakey", "forrester", "braunwald",
                                 "mallampati", "gensini", "nyha", "ccs", "timi"})
# the endings of a report's nouns and adjectives, rare in a family name: a capitalised word
# faker lacks with one of them is no surname in a list of names ("Smith J, Anterior T" is none)
WORD_ENDINGS = ("al", "ous", "ive", "ed", "ing", "ion", "ity", "ment", "ness", "osis", "itis",
                "ia", "ory", "ary", "ble", "ase", "ide", "ure", "ism", "ogy", "phy", "ics",
                "ent", "ant", "ate", "ine", "ax", "um", "us")
# family names that are eponyms written before letters ("David V": a valve-sparing root,
# "Wilkins II", "Barlow MVP", "Becker MD", "Strand LGE"): no abbreviation or numeral after
# them is initials, even after a signature's word, and none is a name alone on a list's line
EPONYM_SURNAMES = frozenset({"becker", "barlow", "david", "wilkins", "sellers", "potts", "holt",
                             "kearns", "carney", "strand", "garland"})
# and the letters that are no abbreviation an eponym is written with ("Becker MD": muscular
# dystrophy, not Dr Becker MD): never initials
LETTERED_EPONYMS = frozenset({"becker md", "becker bmd"})
# the word before a name that makes it a place's ("Hôpital Louis Pradel", "Hospital Juan
# Ramón Jiménez")
PLACES = frozenset({"hospital", "hôpital", "hopital", "hospitalet", "ospedale", "policlinico",
                    "klinikum", "krankenhaus", "klinik", "clinic", "clinique", "clínica",
                    "clinica", "centre", "center", "institute", "institut", "instituto",
                    "istituto", "infirmary", "ziekenhuis", "szpital", "nemocnice", "sjukhus",
                    "university", "universität", "universitätsklinikum", "ward", "unit"})
# names of people that are eponyms whole ("Austin Flint murmur", "Romano-Ward syndrome")
EPONYMS = frozenset({"austin flint", "graham steell", "carey coombs", "will rogers",
                     "romano ward", "pierre robin", "cornelia de lange", "tirone david",
                     "louis bar", "holt oram", "hamman rich", "jervell lange nielsen",
                     "bland white garland", "adams stokes", "lev lenegre", "kearns sayre",
                     "tako tsubo", "loeys dietz", "ehlers danlos", "wolff parkinson white",
                     "churg strauss", "osler weber rendu", "emery dreifuss", "kugel stoll",
                     # and statistics' methods, named as a heading or a sentence ends
                     "kaplan meier", "bland altman"})
# pieces joined to an Arabic surname by a hyphen ("Al-Hassan" is known by "hassan")
JOINED = frozenset({"al", "el", "bin", "ben", "abu", "ibn", "abd"})
# cardiac and MR acronyms of five or six capitals that read as a word would, alone after a
# signature's label: a technique, a sequence or a diagnosis ("Technologist: MOLLI"), no surname
ACRONYMS = frozenset({"TAPSE", "MAPSE", "MINOCA", "MOLLI", "SASHA", "FIESTA", "TRUFI",
                      "GRAPPA", "SENSE", "SPAIR", "HASTE", "BLADE", "STEMI", "BIVAD", "MAPCA",
                      "DANTE", "CAIPI", "SEMAC", "ZOOMIT", "CARTO", "SYNTAX", "CHADS", "COAPT",
                      "DANAMI", "CEMRA", "PCMRA", "INOCA", "BIPAP", "ADENO",
                      # and scanners and devices written in capitals
                      "PRISMA", "VERIO", "ESPREE", "ALTEA", "ORIAN", "VUEWAY", "MICRA",
                      "AVEIR", "EVERA", "ASSURA", "QUADRA"})
# report abbreviations that are no one's initials after a surname, whatever comes before it
# ("Segment: Basal LV", "Culprit: Mid LAD", "Mother: Long QT", "Series name: Short AX")
ABBREVIATIONS = frozenset({"LV", "RV", "LA", "RA", "AS", "AR", "MR", "MS", "TR", "PR", "PS", "EF",
                           "MI", "AF", "VT", "VF", "CT", "PE", "PH", "ED", "ES", "LAD", "RCA",
                           "LCX", "OM", "PDA", "SA", "LAX", "SAX", "ECG", "LGE", "CMR", "MRI",
                           "QT", "QTC", "QRS", "RP", "AX", "VSD", "ASD", "PFO", "AV", "LVOT",
                           "RVOT", "IVC", "SVC", "LBBB", "RBBB", "SR", "AT", "XT",  # "Sola XT"
                           "MVR", "AVR", "TVR", "PVR", "MVP", "CHB", "RVH", "LAE",
                           "MV", "TV", "PV"})  # "Prosthetic MV" after a signature's word
# what a patient is given in a scanner and a report names after a role's label ("Nurse:
# Buscopan", "Radiographer: Gadovist", "Physician: Regadenoson", "Nurse: Venflon"): contrast
# agents, stress agents, premedication, the cardiac drugs a stem does not find
# (`MEDICINE_STEMS`), devices and kit; none is a name in faker's lists
MEDICINE_WORDS = """
gadovist gadavist dotarem magnevist multihance prohance clariscan omniscan eovist primovist
vasovist ablavar elucirem vueway feraheme sonovue definity optison lumason omnipaque visipaque
adenosine regadenoson lexiscan rapiscan dobutamine dipyridamole persantin atropine
aminophylline isoprenaline buscopan hyoscine glucagon paracetamol chlorphenamine piriton
adrenaline epinephrine salbutamol ventolin naloxone flumazenil oxygen saline warfarin heparin
eliquis xarelto clopidogrel ticagrelor prasugrel aspirin digoxin frusemide bumetanide
sacubitril entresto ranolazine nicorandil isosorbide diltiazem flecainide sotalol metformin
insulin mavacamten tafamidis patisiran vutrisiran colchicine methotrexate
stemetil prochlorperazine cyclizine metoclopramide maxolon domperidone
cannula cannulae venflon earplugs earplug headphones injector mitraclip triclip watchman
amplatzer occluder linq
gadobutrol gadoterate gadoteric gadopentetate gadobenate gadoxetate gadoxetic gadoteridol
gadodiamide gadopiclenol gadofosveset gadoversetamide gadoquatrane gadolinium
"""
MEDICINES = frozenset(MEDICINE_WORDS.split())  # read once: each word after a label asks
# the endings and starts of international nonproprietary names (the WHO's INN stems) no faker
# name has with three letters before it: "-olol" (bisoprolol), "-xaban" (apixaban), "-azolam"
# (midazolam). Stems names share are left out or lengthened: "-sone" of "Carosone" is
# "-isone"/"-asone", "-sine" of "Gesine" and "Yassine" is "-osine", "-tide" of "Aristide" is
# "-glutide"/"-enatide", "-afil" of "Israfil" is "-nafil"/"-lafil", "-olone" of "Bartolone" is
# "-nisolone"/"-cinolone"; the gadolinium agents are listed whole (`MEDICINE_WORDS`), as "gado-"
# starts Polish, Italian and French surnames ("Gadomski", "Gadotti", "Gadoury")
MEDICINE_STEMS = (
    "olol", "pril", "sartan", "statin", "parin", "xaban", "gatran", "azepam", "azolam", "isone",
    "asone", "nisolone", "cinolone", "mycin", "cillin", "dipine", "nafil", "lafil", "glutide",
    "enatide", "mab", "nib", "osine", "farin", "tropine", "darone", "oxin", "semide",
    "thiazide", "prazole",
    "ocaine", "bradine", "tiazem", "pamil", "floxacin", "cycline", "gliflozin", "formin",
    "setron", "profen", "fenac", "butamine", "pamine", "phrine", "phylline", "grel", "grelor",
    "lactone", "renone", "ecainide", "tidine", "lukast", "platin", "rubicin")
# the access a size or a route before it is written for ("20G cannula", "IV access", "14 Fr
# sheath"): a size is kit's, never a medicine's, and the route there the line's; the word
# before them is no medicine by them (`medicines.dosed`: "Nurse: Adeyemi 20G cannula")
ACCESS = frozenset({"cannula", "cannulae", "cannulas", "cannulation", "cannulated", "venflon",
                    "access", "line", "lines", "sheath", "catheter", "needle", "port"})
