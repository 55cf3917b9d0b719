"""Less data out: what each role may see of a study.

Nobody gets archive paths or index bookkeeping; accession numbers and archive paths only a
clinician (or above) sees, and only when `expose_identifiers` is set. A viewer sees no report
text and dates as a year.
"""

from __future__ import annotations

from typing import Any

from accounts import Principal, Role
from catalog import PayloadField, without_paths
from cmr_search.settings import Settings
from search import Result, SearchResponse, StudyDetail

INTERNAL = ("fingerprint", "point_version", "report_version")
IDENTIFIERS = ("accession_number", "archive_path")
REPORT_TEXT = ("impression", "report", "report_sentences")


def _year(date: str | None) -> str | None:
    return date[:4] if date else None


def _clinical(principal: Principal) -> bool:
    return principal.allows(Role.CLINICIAN)


def payload_for(payload: dict[str, Any], principal: Principal,
                settings: Settings) -> dict[str, Any]:
    out = {k: v for k, v in payload.items() if k not in INTERNAL}
    if out.get(PayloadField.MEASUREMENT_ERROR):  # written before the indexer left paths out
        out[PayloadField.MEASUREMENT_ERROR] = without_paths(
            str(out[PayloadField.MEASUREMENT_ERROR]))
    if not (_clinical(principal) and settings.expose_identifiers):
        for key in IDENTIFIERS:
            out.pop(key, None)
    if not _clinical(principal):
        for key in REPORT_TEXT:
            out.pop(key, None)
        out["study_date"] = _year(out.get("study_date"))
    return out


def result_for(result: Result, principal: Principal) -> Result:
    if _clinical(principal):
        return result
    explanation = result.explanation.model_copy(update={"sentences": []})
    others = [o.model_copy(update={"study_date": _year(o.study_date)})
              for o in result.other_studies]
    return result.model_copy(update={"impression": "", "study_date": _year(result.study_date),
                                     "other_studies": others, "explanation": explanation})


def response_for(response: SearchResponse, principal: Principal) -> SearchResponse:
    if _clinical(principal):
        return response
    return response.model_copy(update={"results": [result_for(r, principal)
                                                   for r in response.results]})


def detail_for(detail: StudyDetail, principal: Principal, settings: Settings) -> StudyDetail:
    others = detail.same_patient if _clinical(principal) else [
        o.model_copy(update={"study_date": _year(o.study_date)}) for o in detail.same_patient]
    return detail.model_copy(update={"payload": payload_for(detail.payload, principal, settings),
                                     "same_patient": others})
