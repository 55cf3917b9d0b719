"""The negation cues both readers know: a report's (`reader.labeler`) and a query's
(`search.phrasing`) read from this one list, so that a cue added for one is a cue for the other
("LGE: none" was added by hand to each in turn, the other left reading LGE present).

A cue before what it denies ("no LGE", "without effusion") or after it ("LGE absent", "LV
dysfunction ruled out"); "not" stands either way ("not dilated", "LV dysfunction unlikely",
worded "... not" by `reader.phrasing`).
"""

from __future__ import annotations

import re

# a cue before what it denies ("no evidence of" is "no" too; "w/o" is written out before it
# is read, `reader.labeler`)
BEFORE = ("no", "not", "without", "absence of", "negative for", "free of", "nor",
          "no evidence of", "w/o", "rather than")
# a cue after what it denies, ending its clause: "LGE absent", "LGE: none", "LGE negative"
AFTER = ("not", "absent", "excluded", "ruled out", "negative", "none")
CUES = tuple(dict.fromkeys((*BEFORE, *AFTER)))
# what a cue after a finding may be followed by and still end its clause ("LGE not seen")
_SEEN = ("seen", "present", "identified", "detected", "demonstrated", "evident", "shown",
         "found", "likely")


def _words(cues: tuple[str, ...]) -> str:
    # longest first; a space is any run of them
    ordered = sorted(cues, key=len, reverse=True)
    return "|".join(re.escape(c).replace(r"\ ", r"\s++") for c in ordered)


# any cue, a whole word: where a clause's denial starts
NEGATION = re.compile(rf"\b(?:{_words(CUES)})\b", re.IGNORECASE)
# a cue after what it denies, ending its clause (matched from the cue to the clause's end)
DENIED_AFTER = re.compile(rf"(?:{_words(AFTER)})(?:\s++(?:{_words(_SEEN)}))?\W*+",
                          re.IGNORECASE)
