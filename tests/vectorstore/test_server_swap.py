"""A whole index built beside the live one and swapped in under its name (an alias);
qdrant-client's local mode stands in for the server."""

from __future__ import annotations

from fakes.points import SCHEMA, sample_points
from fakes.server import memory_server


def test_a_collection_made_before_aliases_is_replaced_by_the_build() -> None:
    live = memory_server("studies")
    live.ensure(SCHEMA, {"index_version": 1})
    live.upsert(sample_points()[:2])
    built = live.fresh()
    assert built.collection.startswith("studies-") and built.collection != live.collection
    built.ensure(SCHEMA, {"index_version": 2})
    built.upsert(sample_points())
    assert live.count() == 2  # the live name is untouched while the build fills
    live.swap_in(built)
    assert live.alias_target() == built.collection
    assert live.count() == 5 and live.metadata() == {"index_version": 2}
    again = live.fresh()
    again.ensure(SCHEMA, {"index_version": 3})
    live.swap_in(again)  # from alias to alias: the old build is deleted
    names = {c.name for c in live.client.get_collections().collections}
    assert names == {again.collection} and live.count() == 0


def test_only_this_names_unfinished_builds_are_leftovers() -> None:
    live = memory_server("studies")
    for name in ("studies-20260101T000000123456", "studies-old", "other-20260101T000000123456",
                 "studies-20260101T000000123456x"):
        live.client.create_collection(name, vectors_config={})
    assert live.drop_leftovers() == ["studies-20260101T000000123456"]
    assert len(live.client.get_collections().collections) == 3


def test_a_swap_whose_old_collection_cannot_be_deleted_keeps_the_new_one_live(
        monkeypatch: object) -> None:
    """A failure after the alias moved dropped the new build, the live one by then: the name
    pointed at nothing."""
    import pytest

    from vectorstore import StoreError

    live = memory_server("studies")
    first = live.fresh()
    first.ensure(SCHEMA, {"index_version": 1})
    live.swap_in(first)
    second = live.fresh()
    second.ensure(SCHEMA, {"index_version": 2})
    second.upsert(sample_points())
    real = live.client.delete_collection

    def refuse(name: str) -> None:
        raise StoreError("Qdrant at :memory:: no answer in time")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(live.client, "delete_collection", refuse)
        live.swap_in(second)  # logged, not raised: the swap is done
    assert live.alias_target() == second.collection and live.count() == 5
    real(first.collection)
