"""The released CMR-CLIP (full size, random weights) in the product: load, compose, encode.

    .venv/bin/python bench/published_model.py [--threads 1 2] [--studies 2] [--no-load]

Builds `cmrclip-published` at full size (223 M parameters) with random weights: the cost of a
forward pass does not depend on the weights, and the real ones are not here. Prints one table:
loading a 893 MB release folder (SHA-256, safe unpickling, key check), composing a study into
its 64-frame video, the video tower per study at each CPU thread count, a report through the
text tower, and peak memory; on a machine with a GPU, the same study on the GPU in float32 and
bfloat16 (batch 8). Rows are measured side by side in one run.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch

from cmrclip.published import PublishedCMRClip, build_published
from cmrclip.registry import ModelConfig, get_config
from cmrclip.release import load_release

REPORT = ("Severely dilated left ventricle with global hypokinesis and an ejection fraction "
          "of 25%. Mid-wall late gadolinium enhancement of the basal septum. Mild mitral "
          "regurgitation. No pericardial effusion. ") * 3
QUERY = "dilated left ventricle with mid-wall late gadolinium enhancement"


def forward_gflop(config: ModelConfig) -> float:
    """Multiply-adds x 2 of one study through the video tower (linear layers and attention)."""
    d, frames = config.video.width, config.video.frames
    patches = (config.clip_spec.size // config.video.patch) ** 2
    tokens = 1 + frames * patches
    linear = 2 * tokens * 16 * d * d  # qkv and proj twice (time, space), MLP 4x up and down
    attention = 4 * d * (frames * (patches + 1) ** 2 + patches * (frames + 1) ** 2 + 2 * tokens)
    embed = 2 * frames * patches * 3 * config.video.patch**2 * d
    return (config.video.depth * (linear + attention) + embed) / 1e9


def _clips(n: int, config: ModelConfig) -> tuple[torch.Tensor, ...]:
    spec = config.clip_spec
    g = torch.Generator().manual_seed(0)
    return (torch.rand(n, 7, spec.frames, spec.size, spec.size, generator=g).half(),
            torch.ones(n, 7, dtype=torch.bool),
            torch.rand(n, 2, spec.stills, spec.size, spec.size, generator=g).half(),
            torch.ones(n, 2, dtype=torch.bool))


def _seconds(fn: Callable[[], object], repeats: int) -> float:
    """Mean wall seconds of `repeats` calls after one warm-up call."""
    return _wall_and_cpu(fn, repeats)[0]


def _wall_and_cpu(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Mean wall and process CPU seconds of `repeats` calls after one warm-up call. On a
    shared machine the CPU seconds of one thread are what the study costs without contention."""
    fn()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(repeats):
        fn()
    return ((time.perf_counter() - wall) / repeats, (time.process_time() - cpu) / repeats)


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _write_vocab(folder: Path) -> None:
    """A WordPiece vocabulary of the report's words (the real vocab.txt is not here)."""
    text = f"{REPORT} {QUERY}".lower().replace("-", " - ").replace("%", " % ")
    words = sorted(set(text.replace(".", " . ").replace(",", " ").split()))
    (folder / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
                                                 *words]))


def _load_row(model: PublishedCMRClip, rows: list[tuple[str, str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        torch.save(model.state_dict(), folder / "pytorch_model.bin")
        (folder / "config.json").write_text('{"video_params": {"num_frames": 64}}')
        _write_vocab(folder)
        size = (folder / "pytorch_model.bin").stat().st_size / 1e6
        started = time.perf_counter()
        loaded, _ = load_release(folder)
        rows.append(("load release folder (SHA-256, safe load, key check)",
                     f"{time.perf_counter() - started:.1f} s", f"{size:.0f} MB file"))
        del loaded


def _cpu_rows(model: PublishedCMRClip, threads: list[int], studies: int,
              rows: list[tuple[str, str, str]]) -> None:
    config, gflop = model.config, forward_gflop(model.config)
    one = _clips(1, config)
    compose = _seconds(lambda: model.preprocess.compose(*one), 3)
    rows.append(("compose clips into the 64-frame video", f"{compose * 1000:.0f} ms",
                 "per study"))
    video = model.preprocess.compose(*one)
    for n in threads:
        torch.set_num_threads(n)
        with torch.no_grad():
            seconds, cpu = _wall_and_cpu(lambda: model.video_embedding(video), studies)
        rows.append((f"video tower, CPU, {n} thread{'s' if n > 1 else ''}",
                     f"{seconds:.1f} s", f"per study (wall); CPU {cpu:.1f} s; "
                     f"{gflop / cpu:.0f} GFLOP per CPU second"))
    for name, text in (("one report", REPORT), ("one search query", QUERY)):
        tokens = len(model.tokenizer()(text)["input_ids"])
        with torch.no_grad():
            seconds = _seconds(lambda text=text: model.text_features([text]), 3)
        rows.append((f"text tower, CPU ({name})", f"{seconds * 1000:.0f} ms",
                     f"{tokens} tokens, {torch.get_num_threads()} threads"))
    rows.append(("peak memory (process)", f"{_peak_gb():.2f} GB", "RSS"))


def _gpu_rows(model: PublishedCMRClip, rows: list[tuple[str, str, str]]) -> None:
    model.to("cuda")
    batch = [t.cuda() for t in _clips(8, model.config)]
    video = model.preprocess.compose(*batch)
    for dtype in (torch.float32, torch.bfloat16):
        torch.cuda.reset_peak_memory_stats()

        def run(dtype: torch.dtype = dtype) -> None:
            with torch.no_grad(), torch.autocast("cuda", dtype, enabled=dtype != torch.float32):
                model.video_embedding(video)
            torch.cuda.synchronize()

        seconds = _seconds(run, 3)
        peak = torch.cuda.max_memory_allocated() / 1024**3
        rows.append((f"video tower, GPU, {str(dtype).removeprefix('torch.')}, batch 8",
                     f"{seconds / 8 * 1000:.0f} ms", f"per study; peak {peak:.1f} GB"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--studies", type=int, default=2, help="timed studies per row")
    parser.add_argument("--no-load", action="store_true", help="skip the 893 MB load row")
    args = parser.parse_args()
    config = get_config("cmrclip-published")
    with tempfile.TemporaryDirectory() as tmp:
        _write_vocab(Path(tmp))
        started = time.perf_counter()
        torch.manual_seed(0)
        model = build_published(config, Path(tmp))
        rows = [("build with random weights", f"{time.perf_counter() - started:.1f} s",
                 f"{sum(p.numel() for p in model.parameters()) / 1e6:.0f} M parameters")]
        if not args.no_load:
            _load_row(model, rows)
        _cpu_rows(model, args.threads, args.studies, rows)
        if torch.cuda.is_available():
            _gpu_rows(model, rows)
    rows.append(("video tower work", f"{forward_gflop(config):.0f} GFLOP", "per study"))
    load = os.getloadavg()[0]
    rows.append(("load average during the run (1 min)", f"{load:.1f}",
                 f"{os.cpu_count()} cores: wall times above include waiting for a core"))
    width = max(len(r[0]) for r in rows)
    print(f"{'cmrclip-published (random weights)':<{width}}  {'time':>9}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>9}  {note}")


if __name__ == "__main__":
    main()
