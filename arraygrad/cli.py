"""The ``arraygrad`` command.

``arraygrad train`` trains a small CNN (or MLP) on a data source (default: scikit-learn's
bundled digits) on any backend, shows a progress bar, prints the test accuracy, and writes
a checkpoint and a plot of the loss and accuracy curves into ``--out``.
``arraygrad backends`` lists every declared backend, whether it loaded, and its devices.

tqdm, matplotlib, safetensors and scikit-learn (the ``train`` extra) are imported only by
the functions that use them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

__all__ = ["main", "build_parser", "train", "build_model"]

CHECKPOINT = "checkpoint.safetensors"
PLOT = "curves.png"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``arraygrad`` command."""
    parser = argparse.ArgumentParser(prog="arraygrad", description=(
        "arraygrad: define-by-run autograd over any Array-API library"))
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a small model on a dataset and report accuracy",
                       description="Train a small CNN or MLP; writes a checkpoint and a plot.")
    t.add_argument("--backend", default=None,
                   help="array backend (default: $ARRAYGRAD_BACKEND or numpy)")
    t.add_argument("--device", default=None, help="device of that backend (default: its own)")
    t.add_argument("--model", choices=("mlp", "cnn"), default=None,
                   help="model (default: cnn, or the checkpoint's with --resume)")
    t.add_argument("--dataset", default="digits",
                   help="registered data source (see ag.data.available_datasets())")
    t.add_argument("--data-path", default=None,
                   help="file or directory for data sources that read files (mnist, npz, csv)")
    t.add_argument("--epochs", type=int, default=12, help="number of epochs (default 12)")
    t.add_argument("--batch-size", type=int, default=32, help="batch size (default 32)")
    t.add_argument("--lr", type=float, default=3e-3, help="learning rate (default 3e-3)")
    t.add_argument("--optimizer", default="adam",
                   help="registered optimizer name (default adam; see ag.optim.available())")
    t.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    t.add_argument("--workers", type=int, default=1,
                   help="data-loading threads (default 1; 0 loads in the training thread)")
    t.add_argument("--out", default="runs", help="output directory (default runs/)")
    t.add_argument("--resume", default=None, metavar="CHECKPOINT",
                   help="continue from a checkpoint written by a previous run")
    t.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    b = sub.add_parser("backends", help="list backends, whether they load, and their devices")
    b.add_argument("--no-load", action="store_true",
                   help="only list declared backends, without importing their libraries")
    return parser


def build_model(kind: str, in_shape: tuple[int, ...], n_classes: int) -> Any:
    """The default models: a two-block CNN for (C, H, W) images, or a one-hidden-layer MLP."""
    from arraygrad import nn

    n_in = 1
    for s in in_shape:
        n_in *= s
    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(n_in, 128), nn.ReLU(),
                             nn.Linear(128, n_classes))
    if kind != "cnn":
        raise ValueError(f"unknown model {kind!r}; choose 'mlp' or 'cnn'")
    if len(in_shape) != 3:
        raise ValueError(f"the cnn model needs (C, H, W) images; this dataset's samples have "
                         f"shape {in_shape}; use --model mlp")
    c, h, w = in_shape
    return nn.Sequential(
        nn.Conv2d(c, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * (h // 4) * (w // 4), n_classes))


def _datasets(args: argparse.Namespace) -> tuple[Any, Any]:
    import arraygrad as ag

    options: dict[str, Any] = {}
    if args.data_path is not None:
        options["path"] = args.data_path
    if args.dataset in ("digits", "mnist"):
        return (ag.data.load_dataset(args.dataset, split="train", **options),
                ag.data.load_dataset(args.dataset, split="test", **options))
    full = ag.data.load_dataset(args.dataset, **options)
    n_test = max(1, len(full) // 5)
    train_set, test_set = ag.data.random_split(full, [len(full) - n_test, n_test],
                                               seed=args.seed)
    return train_set, test_set


def _evaluate(model: Any, loader: Any) -> tuple[float, float]:
    import arraygrad as ag
    from arraygrad.nn import functional as F

    model.eval()
    total_loss = correct = count = 0.0
    with ag.no_grad():
        for x, y in loader:
            logits = model(x)
            total_loss += float(F.cross_entropy(logits, y, reduction="sum").item())
            correct += float((ag.argmax(logits, axis=1) == y).astype(ag.int64).sum().item())
            count += y.shape[0]
    if not count:
        raise ValueError("arraygrad train: the test split is empty; nothing to evaluate")
    return total_loss / count, correct / count


def _plot(history: dict[str, list[float]], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = range(1, len(history["train_loss"]) + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.plot(epochs, history["train_loss"], label="train")
    left.plot(epochs, history["test_loss"], label="test")
    left.set_xlabel("epoch")
    left.set_ylabel("cross-entropy")
    left.legend()
    right.plot(epochs, history["train_acc"], label="train")
    right.plot(epochs, history["test_acc"], label="test")
    right.set_xlabel("epoch")
    right.set_ylabel("accuracy")
    right.legend()
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, path)


def train(args: argparse.Namespace) -> dict[str, Any]:
    """Run ``arraygrad train``; returns the history and the final test accuracy."""
    from tqdm import tqdm

    import arraygrad as ag
    from arraygrad.nn import functional as F

    if args.epochs < 0 or args.batch_size < 1:
        raise ValueError(f"--epochs must be >= 0 and --batch-size >= 1, got {args.epochs} "
                         f"and {args.batch_size}")
    backend = ag.get_backend(args.backend) if args.backend else ag.current_backend()
    device = backend.check_device(args.device)
    checkpoint = None
    if args.resume:
        checkpoint = ag.load(args.resume, backend=backend, device=device)
    kind = args.model or (checkpoint or {}).get("config", {}).get("model") or "cnn"
    with ag.use_backend(backend):
        ag.manual_seed(args.seed)
        train_set, test_set = _datasets(args)
        sample = train_set[0][0]
        n_classes = 10 if args.dataset in ("digits", "mnist") else 1 + max(
            int(y) for split in (train_set, test_set) for _, y in
            (split[i] for i in range(len(split))))
        model = build_model(kind, tuple(sample.shape), n_classes).to(device=device)
        optimizer = ag.optim.create(args.optimizer, model.parameters(), lr=args.lr)
        # Cosine decay over the run: large steps early, a settled model at the end.
        scheduler = ag.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(args.epochs, 1))
        history: dict[str, list[float]] = {"train_loss": [], "train_acc": [], "test_loss": [],
                                           "test_acc": []}
        start = 0
        if checkpoint is not None:
            model.load_state_dict(checkpoint["model"])
            optimizer.load_state_dict(checkpoint["optimizer"])
            # Keep the step count, but stretch the schedule over the new --epochs.
            scheduler.load_state_dict({**checkpoint["scheduler"], "T_max": max(args.epochs, 1)})
            for group, lr in zip(optimizer.param_groups, scheduler.get_lr()):
                group["lr"] = lr
            history = {k: list(v) for k, v in checkpoint["history"].items()}
            start = int(checkpoint["epoch"])
        loader = ag.data.DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                                    seed=args.seed + start, num_workers=args.workers,
                                    backend=backend, device=device)
        test_loader = ag.data.DataLoader(test_set, batch_size=256, backend=backend,
                                         device=device)
        began = time.perf_counter()
        for epoch in range(start, args.epochs):
            model.train()
            seen = loss_sum = correct = 0.0
            bar = tqdm(loader, desc=f"epoch {epoch + 1}/{args.epochs}", unit="batch",
                       leave=False, disable=args.no_progress, file=sys.stderr)
            for x, y in bar:
                logits = model(x)
                loss = F.cross_entropy(logits, y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                n = y.shape[0]
                seen += n
                loss_sum += float(loss.item()) * n
                correct += float((ag.argmax(logits.detach(), axis=1) == y).astype(
                    ag.int64).sum().item())
                # refresh=False: tqdm redraws on its own schedule, with the batch count
                # up to date (a forced refresh here showed 0/N and redrew every batch).
                bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.3f}",
                                refresh=False)
            bar.close()
            test_loss, test_acc = _evaluate(model, test_loader)
            scheduler.step()
            history["train_loss"].append(loss_sum / max(seen, 1))
            history["train_acc"].append(correct / max(seen, 1))
            history["test_loss"].append(test_loss)
            history["test_acc"].append(test_acc)
            print(f"epoch {epoch + 1}/{args.epochs}: train loss {loss_sum / max(seen, 1):.4f}, "
                  f"train acc {correct / max(seen, 1):.4f}, test loss {test_loss:.4f}, "
                  f"test acc {test_acc:.4f}", flush=True)
        elapsed = time.perf_counter() - began
        if not history["test_acc"]:
            _, acc = _evaluate(model, test_loader)
        else:
            acc = history["test_acc"][-1]
        os.makedirs(args.out, exist_ok=True)
        ckpt_path = os.path.join(args.out, CHECKPOINT)
        config = {"model": kind, "dataset": args.dataset, "backend": backend.name,
                  "optimizer": args.optimizer, "lr": args.lr, "batch_size": args.batch_size,
                  "seed": args.seed}
        ag.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                 "scheduler": scheduler.state_dict(),
                 "epoch": max(args.epochs, start), "history": history, "config": config},
                ckpt_path)
        plot_path = os.path.join(args.out, PLOT)
        if history["test_acc"]:
            _plot(history, plot_path)
    print(f"final test accuracy: {acc:.2%} ({kind} on {args.dataset}, backend "
          f"{backend.name}, device {device}, {elapsed:.1f}s of training)")
    print(f"checkpoint: {ckpt_path}")
    if history["test_acc"]:
        print(f"plot: {plot_path}")
    return {"history": history, "test_acc": acc, "checkpoint": ckpt_path, "seconds": elapsed}


def backends_report(load: bool = True) -> list[str]:
    """One line per declared backend: loaded with its devices, or why not."""
    from arraygrad.backend import available

    lines = []
    for name, status in sorted(available(load=load).items()):
        if status.ok:
            lines.append(f"{name:<18} ok           devices: {', '.join(status.devices)}")
        else:
            lines.append(f"{name:<18} unavailable  {status.error}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``arraygrad`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "backends":
            for line in backends_report(load=not args.no_load):
                print(line)
            return 0
        train(args)
        return 0
    except (ValueError, KeyError, TypeError, FileNotFoundError, ImportError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"arraygrad {args.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
