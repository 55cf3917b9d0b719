"""A hit's explanation in numbers: the evidence of each wanted finding, as the index stored it,
its QC flags said as the pages say them (an older index stored them in lower case)."""

from __future__ import annotations

from catalog import StudyPayload
from cmr_search.vocab import Finding
from search.explain import measured_lines
from search.understand import understand


def test_an_older_index_evidence_is_explained_with_the_pages_flag_words() -> None:
    payload = StudyPayload(study_instance_uid="1.2.3", finding_evidence={
        Finding.RV_SYSTOLIC_DYSFUNCTION: "model probability 0.20; RVEF not measurable "
                                         "(rv ed es unclear, ef out of range)"})
    intent = understand("RV systolic dysfunction")
    assert Finding.RV_SYSTOLIC_DYSFUNCTION in intent.wanted
    assert measured_lines(payload, intent) == [
        "rv_systolic_dysfunction: model probability 0.20; RVEF not measurable (RV ED ES "
        "unclear, EF out of range)"]
