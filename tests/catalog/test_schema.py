"""The point layout: deterministic ids, the vectors and the payload indexes."""

from __future__ import annotations

from catalog import (
    KEYWORDS,
    PAYLOAD_INDEXES,
    REPORT,
    STUDY,
    VIEW_VECTORS,
    StudyPayload,
    dense_sizes,
    point_id,
    store_schema,
)
from cmr_search.vocab import ClipSlot


def test_point_ids_are_deterministic_uuids() -> None:
    assert point_id("1.2.3") == point_id("1.2.3") != point_id("1.2.4")
    assert len(point_id("1.2.3")) == 36


def test_every_view_slot_has_a_vector_scanned_exactly() -> None:
    sizes = dense_sizes(512, 384)
    assert sizes[STUDY] == 512 and sizes[REPORT] == 384
    assert set(VIEW_VECTORS) == set(ClipSlot)
    schema = store_schema(sizes)
    assert set(schema.exact) == set(VIEW_VECTORS.values()) and schema.sparse == (KEYWORDS,)
    assert schema.cached == (STUDY,)  # the vector most searches rescore: its originals in memory


def test_every_payload_index_is_a_payload_field() -> None:
    fields = set(StudyPayload.model_fields)
    assert all(key.split(".")[0] in fields for key in PAYLOAD_INDEXES)
