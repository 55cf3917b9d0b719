"""What `cmr-search eval` measures against: pairs from the archive, and their labels.

A synthetic archive carries its ground truth, and the retrieval queries are a second report
written by the generator from the same facts; any other archive is labelled by the report
labeler and queried by its own impressions. This is the one place that joins the generator
and the model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from cmr_search.vocab import CMR_CLIP_FINDINGS, Diagnosis, Finding, Severity
from cmrclip.data import PairSet
from cmrclip.evaluate import EvalData
from reader.labeler import Mention, label_findings


def _paraphrase(record: dict[str, Any], seed: int) -> str:
    from phantom.measure import Measurements
    from phantom.reports import ReportFacts, write_report

    findings = {Finding(k): Severity(v) for k, v in record["findings"].items()}
    facts = ReportFacts(Diagnosis(record["diagnosis"]), findings,
                        Measurements(**record["measurements"]),
                        tuple(dict.fromkeys(record.get("lge_patterns", []))),
                        record.get("territory"), bool(record.get("contrast_given", True)), "")
    return write_report(np.random.default_rng([seed, 99]), facts).impression


def _from_truth(truth_file: Path, pairs: PairSet, seed: int) -> EvalData:
    records = {}
    for line in truth_file.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        records[record["study_instance_uid"]] = record
    rows = [records[uid] for uid in pairs.study_uids]
    labels = {f: np.array([r["findings"][f.value] != "none" for r in rows])
              for f in CMR_CLIP_FINDINGS}
    signature = [r["diagnosis"] + "|" + ",".join(r["findings"][f.value][0]
                                                 for f in CMR_CLIP_FINDINGS) for r in rows]
    queries = [_paraphrase(r, seed + i) for i, r in enumerate(rows)]
    return EvalData(pairs, labels, signature, queries, "ground truth")


def _from_reports(pairs: PairSet) -> EvalData:
    found = [label_findings(text) for text in pairs.texts]
    labels = {f: np.array([x[f].mention in (Mention.POSITIVE, Mention.UNCERTAIN) for x in found])
              for f in CMR_CLIP_FINDINGS}
    signature = ["".join("1" if labels[f][i] else "0" for f in CMR_CLIP_FINDINGS)
                 for i in range(len(pairs))]
    return EvalData(pairs, labels, signature, list(pairs.texts), "report labeler")


def eval_data(archive: Path, pairs: PairSet, seed: int = 0) -> EvalData:
    """Labels from the archive's ground truth when it has one, else from its reports."""
    from phantom.archive import GROUND_TRUTH

    truth_file = archive / GROUND_TRUTH
    return _from_truth(truth_file, pairs, seed) if truth_file.exists() else _from_reports(pairs)
