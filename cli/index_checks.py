"""`cmr-search index`: the settings a run needs (the model, the device, the segmentation
checkpoint, the Ray engine), checked before the data folder's run lock. Each was found after
it, so a second run's typo was answered "another index run is in progress", and its own
error met only once the first run had ended (each time with a failed run's report)."""

from __future__ import annotations

import importlib.util

from cli.common import checkpoint_line, fail
from cmr_search.settings import Settings

_PREFIX = str(Settings.model_config.get("env_prefix", ""))


def check_settings(settings: Settings, engine: str, ray_address: str | None,
                   measure: bool | None) -> None:
    """Every setting an index run loads or connects with, as far as it can be checked here
    without loading a model or reaching the network; one line for the first mistake."""
    _model(settings)
    _device(settings.device)
    if settings.measure if measure is None else measure:
        _segmentation(settings)
    if engine == "ray":
        _ray(ray_address or settings.ray_address)


def _model(settings: Settings) -> None:
    """A checkpoint folder that is there and holds a model (its card, or a released model's
    config.json); its weights are read once the lock is held."""
    from cmrclip.checkpoint import CheckpointError, checkpoint_folder, read_card
    from cmrclip.release import is_release

    try:
        folder = checkpoint_folder(settings.checkpoint)
        if not is_release(folder):
            read_card(folder)  # "no model card ...: neither a checkpoint nor a released model"
    except CheckpointError as error:
        fail(checkpoint_line(error, settings.checkpoint))


def _device(device: str) -> None:
    """A GPU the device names is one torch sees (the setting's form is checked already:
    auto, cpu, cuda or cuda:N)."""
    if not device.startswith("cuda"):
        return
    import torch

    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    number = int(device.partition(":")[2] or 0)
    if number < count:
        return
    if count == 0:
        fail(f"{_PREFIX}DEVICE={device}: torch sees no GPU here (use auto or cpu)")
    fail(f"{_PREFIX}DEVICE={device}: torch sees {count} GPU(s) here, cuda:0 to "
         f"cuda:{count - 1} (or use auto)")


def _segmentation(settings: Settings) -> None:
    """The segmentation checkpoint folder the settings name is there (the model itself is
    loaded and checked once the lock is held, `cli.index.segmentation_of`)."""
    folder = settings.segmentation_checkpoint
    if folder is not None and not folder.is_dir():  # worded as `checked_segmentation` does
        fail(f"{folder}: not a segmentation checkpoint (no such folder); set "
             f"{_PREFIX}SEGMENTATION_CHECKPOINT or {_PREFIX}MEASURE=0")


def _ray(address: str | None) -> None:
    """The cluster extra is installed, and the address has the form Ray takes; whether the
    head answers is asked once the lock is held (`indexer.ray_engine.check_address`)."""
    if importlib.util.find_spec("ray") is None:
        fail("the Ray engine needs the cluster extra: pip install 'cmr-search[cluster]'")
    if address is None or address == "auto":
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        fail(f"Ray address {address!r}: expected HOST:PORT, ray://HOST:PORT or auto")
