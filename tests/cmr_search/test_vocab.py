"""The shared vocabulary: one spelling of views, clip slots and previews."""

from __future__ import annotations

from cmr_search.vocab import (
    CINE_SLOTS,
    LAX_VIEWS,
    SAX_SLOTS,
    STILL_SLOTS,
    ClipSlot,
    PreviewKind,
    Severity,
    View,
)


def test_every_clip_slot_is_a_cine_or_a_still_once() -> None:
    assert set(CINE_SLOTS) | set(STILL_SLOTS) == set(ClipSlot)
    assert not set(CINE_SLOTS) & set(STILL_SLOTS)
    assert SAX_SLOTS == (ClipSlot.SAX_BASAL, ClipSlot.SAX_MID, ClipSlot.SAX_APICAL)


def test_long_axis_views_name_their_slot_and_preview_alike() -> None:
    for view, (slot, preview) in LAX_VIEWS.items():
        assert view.value.endswith("_cine") and slot.value == preview.value
    assert {p.value for p in PreviewKind} - {s.value for s in ClipSlot} == {"sax"}
    assert View.OTHER not in LAX_VIEWS


def test_severity_orders_grades() -> None:
    assert [s.rank for s in Severity] == [0, 1, 2, 3]


def test_lge_views_name_their_still_slot_and_preview_alike() -> None:
    from cmr_search.vocab import LGE_VIEWS

    assert {slot for slot, _ in LGE_VIEWS.values()} == set(STILL_SLOTS)
    assert all(slot.value == preview.value == view.value
               for view, (slot, preview) in LGE_VIEWS.items())
