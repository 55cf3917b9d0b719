"""The ways a query writes a number besides digits: English number words ("thirty-five",
"forty", "one hundred"), dashes and full-width signs. `search.numbers` reads them where it
reads digits; "LVEF under thirty-five" was left to the words, and matched no range."""

from __future__ import annotations

import re

_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
         "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen")
# "fourty": a common misspelling, meant as forty
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
         "seventy": 70, "eighty": 80, "ninety": 90}
_VALUES = {word: float(n) for n, word in enumerate(_ONES)} | {
    word: float(n) for word, n in _TENS.items()} | {"hundred": 100.0}
_END = r"(?![a-z])"


def _either(words: list[str] | tuple[str, ...]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_ANY_WORD = rf"(?:{_either(list(_VALUES))}){_END}"
# words that make a number these do not read ("two hundred", "thirty point five", "one fifty",
# "twenty and a half"): the number is then no number, never its first word alone
_LARGER = (rf"(?!\s++{_ANY_WORD}|[\s-]*+(?:hundred|thousand|million|point|dot|half"
           rf"|and\s++a\s++half){_END})")
# zero to one hundred: "thirty-five", "thirty five", "forty", "one hundred"; atomic, so that
# "thirty-five" is never read as the range "thirty" to "five"
NUMBER_WORDS = (rf"(?>(?:one[\s-]++)?hundred{_END}|(?:{_either(list(_TENS))}){_END}"
                rf"(?:[\s-]++(?:{_either(_ONES[1:10])}){_END})?+"
                rf"|(?:{_either(_ONES)}){_END}){_LARGER}")
# a run of number words, read or not ("two hundred and fifty"): what a note quotes
NUMBER_WORD_RUN = (rf"{_ANY_WORD}(?:[\s-]++(?:{_ANY_WORD}|(?:thousand|million|point|dot|half"
                   rf"|and\s++a\s++half|and(?=\s++{_ANY_WORD})){_END}))*+")
_ONE_NUMBER = re.compile(rf"{NUMBER_WORDS}|-?\d+(?:[.,]\d+)?|-?[.,]\d+", re.IGNORECASE)


def number_value(text: str) -> float:
    """The value of a number in digits ("35", "30,5": a decimal comma) or in words
    ("thirty-five"), as `NUMBER_WORDS` matched it; ValueError for anything else."""
    if not _ONE_NUMBER.fullmatch(text.strip()):
        raise ValueError(f"{text[:40]!r} is no number")
    words = re.split(r"[\s-]+", text.strip().lower())
    if words[0] in _VALUES:
        return 100.0 if words[-1] == "hundred" else sum(_VALUES[w] for w in words)
    return float(text.replace(",", "."))


# one character for another of the same meaning (the text keeps its length): dashes, full-width
# and slanted comparison signs
_SAME_SIGN = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-",
                            "\u2011": "-", "\uff1c": "<", "\uff1e": ">", "\uff1d": "=",
                            "\u2a7d": "\u2264", "\u2a7e": "\u2265", "\uff05": "%"})


def plain_signs(text: str) -> str:
    """"LVEF 30–40 %" (an en dash), "LVEF ＜ 30", "LVEF =< 30" as their plain spellings."""
    return text.translate(_SAME_SIGN).replace("=<", "<=").replace("=>", ">=")
