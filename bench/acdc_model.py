"""The model on real data: the 50 ACDC patients in ../shared/data/acdc (five groups of ten).

Prints few-shot and linear-probe accuracy for the five ACDC groups, study-to-study precision@5
by group, zero-shot group accuracy from text prompts, and text-to-study retrieval with reports
WRITTEN FROM THE ACDC LABELS AND MEASUREMENTS (no real reports exist), marked as such.

With --anatomy-montage PNG and an architecture with an anatomy stem (`tiny-anatomy`), also
draws what the stem hands the video tower for one patient per group: the mid short-axis clip
at the first frame and half a cycle later, beside its LV cavity / LV wall / RV cavity maps
(red / green / blue).

Run: .venv/bin/python bench/acdc_model.py [--checkpoint DIR] [--anatomy-montage PNG]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.table import Table

from cmr_search.vocab import CINE_SLOTS, ClipSlot
from cmrclip.checkpoint import DEMO_CHECKPOINT, load_checkpoint
from cmrclip.model import CMRClip
from cmrclip.preprocess import clips_from_stacks
from reader.nifti import acdc_stacks, find_acdc

ACDC = Path(__file__).resolve().parents[2] / "shared" / "data" / "acdc"
GROUPS = ("NOR", "MINF", "DCM", "HCM", "RV")
GROUP_PROMPTS = {
    "NOR": "Normal cardiac MRI. Normal biventricular size and function.",
    "MINF": "Prior myocardial infarction with regional wall motion abnormality.",
    "DCM": "Dilated cardiomyopathy with severely impaired LV systolic function.",
    "HCM": "Hypertrophic cardiomyopathy with left ventricular hypertrophy.",
    "RV": "Dilated right ventricle with impaired right ventricular function.",
}
_EPISODES = 200


def _written_report(row: dict[str, str]) -> str:
    """An impression written from ACDC's group label and mask-derived measurements."""
    return (f"[written from labels] LVEDV {float(row['lv_edv_ml']):.0f} ml, "
            f"LVEF {float(row['lv_ef_pct']):.0f}%, RVEDV {float(row['rv_edv_ml']):.0f} ml, "
            f"RVEF {float(row['rv_ef_pct']):.0f}%. {GROUP_PROMPTS[row['group']]}")


def _anatomy_montage(model: CMRClip, out: Path) -> None:
    """Image and stem maps of the mid slot, frames 0 and T/2, the first patient of each group."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if model.video.stem is None:
        raise SystemExit(f"architecture {model.config.name!r} has no anatomy stem")
    studies = find_acdc(ACDC / "training")
    chosen = [next(s for s in studies if s.group == g) for g in GROUPS]
    fig, axes = plt.subplots(len(chosen), 4, figsize=(8, 2 * len(chosen)))
    mid = CINE_SLOTS.index(ClipSlot.SAX_MID)
    for row, study in zip(axes, chosen, strict=True):
        clips = clips_from_stacks(acdc_stacks(study), model.config.clip_spec)
        cine = torch.from_numpy(clips.cine[None]).float()
        maps = model.video.anatomy(cine)[0, mid].numpy()  # (T, 3, H, W)
        half = maps.shape[0] // 2
        for k, frame in enumerate((0, half)):
            row[2 * k].imshow(clips.cine[mid, frame].astype(np.float32), cmap="gray")
            row[2 * k + 1].imshow(np.clip(maps[frame].transpose(1, 2, 0), 0, 1))
            row[2 * k].set_title(f"{study.patient_id} {study.group} t={frame}", fontsize=7)
            row[2 * k + 1].set_title("LV cavity / wall / RV", fontsize=7)
        for ax in row:
            ax.axis("off")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def _embed(checkpoint: Path) -> tuple[np.ndarray, np.ndarray, list[str], object]:
    model, _ = load_checkpoint(checkpoint)
    studies = find_acdc(ACDC / "training")
    rows = {r["patient"]: r for r in csv.DictReader(
        (ACDC / "derived" / "acdc_volumes_ef_from_gt_50.csv").open())}
    vectors = []
    for study in studies:
        clips = clips_from_stacks(acdc_stacks(study), model.config.clip_spec)
        with torch.no_grad():
            video = model(torch.from_numpy(clips.cine[None]).float(),
                          torch.from_numpy(clips.cine_present[None]),
                          torch.from_numpy(clips.stills[None]).float(),
                          torch.from_numpy(clips.stills_present[None]))
        vectors.append(video[0].numpy())
    groups = np.array([s.group for s in studies])
    texts = [_written_report(rows[s.patient_id]) for s in studies]
    return np.stack(vectors), groups, texts, model


def _few_shot(x: np.ndarray, y: np.ndarray, k: int, rng: np.random.Generator) -> float:
    accuracies = []
    for _ in range(_EPISODES):
        support = np.concatenate([rng.choice(np.flatnonzero(y == g), k, replace=False)
                                  for g in GROUPS])
        query = np.setdiff1d(np.arange(len(y)), support)
        prototypes = np.stack([x[support][y[support] == g].mean(0) for g in GROUPS])
        predicted = np.array(GROUPS)[np.argmax(x[query] @ prototypes.T, axis=1)]
        accuracies.append(np.mean(predicted == y[query]))
    return float(np.mean(accuracies))


def _linear_probe(x: np.ndarray, y: np.ndarray) -> float:
    """Leave-one-out multinomial logistic regression accuracy."""
    labels = np.array([GROUPS.index(g) for g in y])
    right = 0
    for i in range(len(y)):
        train = np.arange(len(y)) != i
        xt, yt = torch.as_tensor(x[train]), torch.as_tensor(labels[train])
        w = torch.zeros(x.shape[1], len(GROUPS), requires_grad=True)
        optimizer = torch.optim.LBFGS([w], max_iter=100)

        def closure(xt: torch.Tensor = xt, yt: torch.Tensor = yt,
                    w: torch.Tensor = w, optimizer: torch.optim.LBFGS = optimizer) -> torch.Tensor:
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(xt @ w, yt) + 1e-3 * (w * w).sum()
            loss.backward()  # type: ignore[no-untyped-call]
            return loss

        optimizer.step(closure)  # type: ignore[no-untyped-call]
        right += int(torch.argmax(torch.as_tensor(x[i]) @ w.detach()) == labels[i])
    return right / len(y)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkpoint", type=Path, default=DEMO_CHECKPOINT)
    parser.add_argument("--anatomy-montage", type=Path, default=None)
    args = parser.parse_args()
    if not (ACDC / "training").is_dir():
        raise SystemExit(f"{ACDC}: ACDC data not present")
    x, y, texts, model = _embed(args.checkpoint)
    if args.anatomy_montage is not None:
        assert isinstance(model, CMRClip)
        _anatomy_montage(model, args.anatomy_montage)
    rng = np.random.default_rng(0)
    table = Table(title="ACDC, 50 patients, 5 groups (chance accuracy 0.20)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for k in (1, 2, 4, 8):
        table.add_row(f"{k}-shot prototype accuracy ({_EPISODES} episodes)",
                      f"{_few_shot(x, y, k, rng):.3f}")
    table.add_row("linear probe accuracy (leave-one-out)", f"{_linear_probe(x, y):.3f}")
    similarity = x @ x.T
    np.fill_diagonal(similarity, -np.inf)
    top5 = np.argsort(-similarity, axis=1)[:, :5]
    table.add_row("study-to-study precision@5", f"{np.mean(y[top5] == y[:, None]):.3f}")
    for g in GROUPS:
        members = y == g
        table.add_row(f"  precision@5, {g}", f"{np.mean(y[top5[members]] == g):.3f}")
    with torch.no_grad():
        prompts = model.encode_text([GROUP_PROMPTS[g] for g in GROUPS]).numpy()  # type: ignore[attr-defined]
        reports = model.encode_text(texts).numpy()  # type: ignore[attr-defined]
    zero = np.array(GROUPS)[np.argmax(x @ prompts.T, axis=1)]
    table.add_row("zero-shot group accuracy (prompts)", f"{np.mean(zero == y):.3f}")
    ranks = np.argsort(-(reports @ x.T), axis=1)[:, :5]
    table.add_row("text-to-study R@5, same group (reports written from labels)",
                  f"{np.mean([np.any(y[r] == y[i]) for i, r in enumerate(ranks)]):.3f}")
    Console().print(table)


if __name__ == "__main__":
    main()
