"""QC flags in words, alike in the pages, the evidence the indexer stores and the explanations;
an older index's lower-case evidence said as a new one's."""

from __future__ import annotations

from cmr_search.qc import evidence_words, qc_words


def test_flags_are_words_with_their_abbreviations_in_capitals() -> None:
    assert qc_words("lv_not_closed") == "LV not closed"
    assert qc_words("rv_ed_es_unclear") == "RV ED ES unclear"


def test_an_older_index_evidence_reads_as_a_new_one_and_a_new_one_is_unchanged() -> None:
    old = "model probability 0.20; RVEF not measurable (rv ed es unclear, ef out of range)"
    new = "model probability 0.20; RVEF not measurable (RV ED ES unclear, EF out of range)"
    assert evidence_words(old) == new and evidence_words(new) == new
    # words outside a flag list are the evidence's own, left as they are
    graded = "measured LVEF 31 %, below 40 (moderate) but QC-flagged: not decided"
    assert evidence_words(graded) == graded
    assert evidence_words("RVEF not measurable (no heart has this value)") == \
        "RVEF not measurable (no heart has this value)"
