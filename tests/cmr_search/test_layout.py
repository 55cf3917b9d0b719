"""The data folder's layout is spelled once."""

from __future__ import annotations

from pathlib import Path

from cmr_search.layout import DataLayout
from cmr_search.settings import Settings


def test_every_folder_is_under_the_data_directory(tmp_path: Path) -> None:
    layout = DataLayout(tmp_path)
    folders = [getattr(layout, name) for name in dir(DataLayout)
               if isinstance(getattr(DataLayout, name), property)]
    assert len(folders) >= 10 and len(set(folders)) == len(folders)
    assert all(tmp_path in f.parents for f in folders)
    assert not any(tmp_path.iterdir())  # naming a folder creates nothing


def test_settings_give_the_layout_of_their_data_directory(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).layout.index == tmp_path / "index"
    assert DataLayout(Path("rel")).resolved().root.is_absolute()
