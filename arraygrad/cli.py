"""The ``arraygrad`` command (also ``python -m arraygrad``).

``arraygrad train`` trains a small CNN (or MLP) on a data source (default: the 8x8 digits
that scikit-learn ships) on any backend. It prints a header (versions, backend, device,
threads, run directory), one line per epoch, and the final test accuracy; each run writes
its own directory (default ``runs/<date>-<time>``, or ``runs/<--name>``, or ``--out``)
with ``config.json`` (every flag and the versions), ``metrics.csv`` (per epoch),
``checkpoint.safetensors`` (after every epoch, atomically) and ``curves.png``.
``--resume RUN`` continues a run from the epoch it stopped at; Ctrl-C stops cleanly with
the last finished epoch saved. ``arraygrad backends`` lists every declared backend and
whether it loads here.

Every argument is checked before training starts; an error names the flag and the fix.
tqdm, matplotlib, safetensors and threadpoolctl (the ``train`` extra) are imported only
by the functions that use them; a missing one is named with the command that installs it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["main", "build_parser", "train", "build_model", "backends_report", "CLIError"]

CHECKPOINT = "checkpoint.safetensors"
PLOT = "curves.png"
METRICS = "metrics.csv"
CONFIG = "config.json"
MODELS = {"cnn": "two conv blocks and a linear layer, for (C, H, W) images",
          "mlp": "one hidden layer of 128 units, for any sample shape"}
INSTALL_TRAIN = 'pip install "arraygrad[train]"'

# Defaults of the flags a resumed run takes from its config.json when not given again.
DEFAULTS: dict[str, Any] = {
    "backend": None, "device": None, "model": "cnn", "dataset": "digits", "data_path": None,
    "epochs": 12, "batch_size": 32, "lr": 3e-3, "optimizer": "adam", "seed": 0,
    "workers": 0, "threads": None,
}
_RESUMABLE = ("backend", "device", "model", "dataset", "data_path", "batch_size", "lr",
              "optimizer", "seed", "workers", "threads")
_METRIC_FIELDS = ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "lr",
                  "seconds")


class CLIError(Exception):
    """A usage error of the ``arraygrad`` command: the message names the flag and the fix."""


def _require(module: str, purpose: str, hint: str = "") -> Any:
    """Import ``module`` or raise CLIError naming it and the install command."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise CLIError(f"{purpose} needs {module.split('.')[0]}, which is not installed "
                       f"({exc}): {INSTALL_TRAIN}{hint}") from None


# ---------------------------------------------------------------------------- the parser
def _describe_choices() -> str:
    """The epilog of ``arraygrad train --help``: every model, data source, optimizer and
    backend by name (backends: whether they are loaded; ``arraygrad backends`` loads each)."""
    import arraygrad as ag
    from arraygrad.backend_registry import available

    lines = ["models:"]
    lines += [f"  {name:<18} {text}" for name, text in MODELS.items()]
    lines.append("datasets (--dataset; from the arraygrad_datasets hook):")
    for name, doc in ag.data.describe_datasets().items():
        lines.append(f"  {name:<18} {doc}")
    lines.append("optimizers (--optimizer; from the arraygrad_optimizers hook):")
    lines.append("  " + ", ".join(sorted(ag.optim.available())))
    lines.append("backends (--backend; run 'arraygrad backends' to load each and see why "
                 "one does not):")
    for name, status in sorted(available(load=False).items()):
        state = ("loaded, devices " + ", ".join(status.devices) if status.ok else
                 "declared, not loaded yet" if status.error == "not loaded yet" else
                 f"does not load here: {status.error}")
        lines.append(f"  {name:<18} {state}")
    return "\n".join(lines)


def _version() -> str:
    """The installed arraygrad's version (from its metadata, else the package's)."""
    from importlib import metadata

    try:
        return metadata.version("arraygrad")
    except metadata.PackageNotFoundError:
        import arraygrad

        return arraygrad.__version__


def build_parser(describe: bool = False) -> argparse.ArgumentParser:
    """The argument parser of the ``arraygrad`` command.

    With ``describe`` the ``train`` help ends with every model, data source, optimizer and
    backend by name (``--help`` asks for it; building it loads the plugins' declarations).
    """
    parser = argparse.ArgumentParser(prog="arraygrad", description=(
        "arraygrad: define-by-run autograd over any Array-API library"))
    parser.add_argument("--version", action="version", version=f"arraygrad {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{train,backends}")
    t = sub.add_parser(
        "train", help="train a small model on a dataset and report accuracy",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Train a small CNN or MLP. Each run writes its own directory (default "
                    "runs/<date>-<time>) with config.json, metrics.csv, "
                    "checkpoint.safetensors (after every epoch) and curves.png.",
        epilog=_describe_choices() if describe else None)
    t.add_argument("--backend", default=None,
                   help="array backend (default: $ARRAYGRAD_BACKEND or numpy)")
    t.add_argument("--device", default=None, help="device of that backend (default: its own)")
    t.add_argument("--model", choices=tuple(MODELS), default=None,
                   help="model (default: cnn, or the resumed run's)")
    t.add_argument("--dataset", default=None,
                   help="registered data source (default digits; listed below)")
    t.add_argument("--data-path", default=None, metavar="PATH",
                   help="file or directory for the sources that read files (mnist: a "
                        "directory of IDX files; npz, csv: a file)")
    t.add_argument("--epochs", type=int, default=None,
                   help="total number of epochs (default 12; with --resume, the new total)")
    t.add_argument("--batch-size", type=int, default=None, help="batch size (default 32)")
    t.add_argument("--lr", type=float, default=None, help="learning rate (default 3e-3)")
    t.add_argument("--optimizer", default=None,
                   help="registered optimizer (default adam; listed below)")
    t.add_argument("--seed", type=int, default=None, help="random seed (default 0)")
    t.add_argument("--workers", type=int, default=None,
                   help="DataLoader workers (default 0: in-memory batches cost less than "
                        "a hand-off to a worker; see docs/training.md)")
    t.add_argument("--threads", type=int, default=None,
                   help="BLAS/OpenMP threads (default: 1 for these small models, which "
                        "train several times faster on one thread on a busy machine; 0 "
                        "leaves the libraries' own choice)")
    t.add_argument("--out", default=None, metavar="DIR",
                   help="run directory (default runs/<--name> or runs/<date>-<time>; with "
                        "--resume, the resumed run's directory)")
    t.add_argument("--name", default=None, help="run name: the run directory is runs/NAME")
    t.add_argument("--resume", default=None, metavar="RUN",
                   help="continue a run (its directory or its checkpoint) from the epoch it "
                        "stopped at; flags not given again keep the run's values")
    t.add_argument("--no-progress", action="store_true",
                   help="hide the progress bar (it shows only on a terminal anyway)")
    t.add_argument("--no-plot", action="store_true", help="do not draw curves.png")
    t.add_argument("--no-compile", action="store_true",
                   help="run the training step eagerly (by default it is compiled with "
                        "ag.compile on the backends that replay it: same results, faster)")
    noise = t.add_mutually_exclusive_group()
    noise.add_argument("-q", "--quiet", action="store_true",
                       help="print only the final result (and errors)")
    noise.add_argument("-v", "--verbose", action="store_true",
                       help="also print the learning rate and time of each epoch and the "
                            "files written")
    sub.add_parser("run", add_help=False,
                   help="start N ranks of a training script: arraygrad run -n 2 train.py "
                        "(docs/distributed.md)")
    b = sub.add_parser("backends", help="list declared backends and whether they load here")
    b.add_argument("--no-load", action="store_true",
                   help="only list declared backends, without importing their libraries")
    return parser


# ---------------------------------------------------------------------------- models
def build_model(kind: str, in_shape: tuple[int, ...], n_classes: int) -> Any:
    """The default models: a two-block CNN for (C, H, W) images, or a one-hidden-layer MLP.

    Examples
    --------
    >>> from arraygrad.cli import build_model
    >>> type(build_model("mlp", (64,), 10)).__name__
    'Sequential'
    """
    from arraygrad import nn

    n_in = 1
    for s in in_shape:
        n_in *= s
    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(n_in, 128), nn.ReLU(),
                             nn.Linear(128, n_classes))
    if kind != "cnn":
        raise ValueError(f"unknown model {kind!r}; choose one of {', '.join(MODELS)}")
    if len(in_shape) != 3:
        raise CLIError(f"--model cnn needs (C, H, W) images; this dataset's samples have "
                       f"shape {in_shape}; use --model mlp")
    c, h, w = in_shape
    return nn.Sequential(
        nn.Conv2d(c, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * (h // 4) * (w // 4), n_classes))


# ---------------------------------------------------------------------------- the plan
@dataclass
class _Plan:
    """Everything ``train`` needs, checked before the first epoch."""

    config: dict[str, Any]
    run_dir: str
    checkpoint: dict[str, Any] | None = None
    explicit: set[str] = field(default_factory=set)


def _checkpoint_path(resume: str) -> str:
    path = os.path.expanduser(resume)
    if os.path.isdir(path):
        path = os.path.join(path, CHECKPOINT)
        if not os.path.isfile(path):
            raise CLIError(f"--resume {resume}: the directory has no {CHECKPOINT}; pass a run "
                           f"directory written by arraygrad train, or its checkpoint file")
    elif not os.path.isfile(path):
        raise CLIError(f"--resume {resume}: no such file or directory; pass a run directory "
                       f"(e.g. runs/<run>) or its {CHECKPOINT}")
    return path


def _read_checkpoint(resume: str) -> tuple[str, dict[str, Any]]:
    import arraygrad as ag

    path = _checkpoint_path(resume)
    try:
        checkpoint = ag.load(path)
    except ImportError as exc:
        raise CLIError(f"--resume needs safetensors ({exc}): {INSTALL_TRAIN}") from None
    except Exception as exc:
        raise CLIError(f"--resume {resume}: cannot read {path}: {exc}") from None
    needed = ("model", "optimizer", "scheduler", "epoch", "history", "config")
    missing = [k for k in needed if not isinstance(checkpoint, dict) or k not in checkpoint]
    if missing:
        raise CLIError(f"--resume {resume}: {path} is not a checkpoint written by arraygrad "
                       f"train (it lacks {', '.join(map(repr, missing))})")
    return path, checkpoint


def _check_writable(directory: str, flag: str) -> None:
    """Create ``directory`` and prove a file can be written there (before any epoch)."""
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise CLIError(f"{flag} {directory}: exists and is not a directory; choose another "
                       f"path")
    try:
        os.makedirs(directory, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=directory)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise CLIError(f"{flag} {directory}: cannot write there ({exc.strerror or exc}); "
                       f"choose a writable directory") from None


def _new_run_dir(name: str | None) -> str:
    if name is not None:
        if not name or os.sep in name or name in (".", ".."):
            raise CLIError(f"--name {name!r}: a run name is one path component (no "
                           f"'{os.sep}'); use --out for a full path")
        return os.path.join("runs", name)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate, k = os.path.join("runs", stamp), 1
    while os.path.exists(candidate):
        k += 1
        candidate = os.path.join("runs", f"{stamp}-{k}")
    return candidate


def _plan(args: argparse.Namespace) -> _Plan:
    """Resolve and check every flag; raise CLIError (naming the flag) before training."""
    import arraygrad as ag

    explicit = {k for k in DEFAULTS if getattr(args, k, None) is not None}
    checkpoint = None
    config = dict(DEFAULTS)
    if args.resume is not None:
        ckpt_path, checkpoint = _read_checkpoint(args.resume)
        saved = dict(checkpoint["config"])
        for key in _RESUMABLE:
            if key in saved:
                config[key] = saved[key]
        run_dir = args.out or os.path.dirname(os.path.abspath(ckpt_path))
        if "epochs" not in explicit:
            config["epochs"] = int(saved.get("epochs", checkpoint["epoch"]))
        for key in ("model", "dataset", "data_path"):
            if key in explicit and getattr(args, key) != saved.get(key):
                raise CLIError(f"--{key.replace('_', '-')} {getattr(args, key)}: the resumed "
                               f"run used {saved.get(key)!r}; a checkpoint continues with "
                               f"its own {key.replace('_', ' ')} (start a new run instead)")
    else:
        if args.out is not None and args.name is not None:
            raise CLIError("--out and --name both choose the run directory; pass one")
        run_dir = args.out or _new_run_dir(args.name)
        if os.path.isfile(os.path.join(run_dir, CHECKPOINT)):
            raise CLIError(f"--out {run_dir}: already holds a run ({CHECKPOINT}); continue "
                           f"it with --resume {run_dir}, or choose another --out/--name")
    for key in explicit:
        config[key] = getattr(args, key)
    if config["epochs"] < 0:
        raise CLIError(f"--epochs must be >= 0, got {config['epochs']}")
    if config["batch_size"] < 1:
        raise CLIError(f"--batch-size must be >= 1, got {config['batch_size']}")
    if not config["lr"] > 0:
        raise CLIError(f"--lr must be > 0, got {config['lr']}")
    if config["workers"] < 0:
        raise CLIError(f"--workers must be >= 0, got {config['workers']}")
    if config["threads"] is not None and config["threads"] < 0:
        raise CLIError(f"--threads must be >= 1 (or 0: the libraries' own choice), got "
                       f"{config['threads']}")
    # Names: backend, device, dataset, optimizer.
    try:
        backend = ag.get_backend(config["backend"]) if config["backend"] else \
            ag.current_backend()
    except ag.BackendError as exc:
        raise CLIError(f"--backend {config['backend']}: {exc}") from None
    config["backend"] = backend.name
    try:
        config["device"] = backend.check_device(config["device"])
    except Exception as exc:
        raise CLIError(f"--device {config['device']}: {exc}") from None
    sources = ag.data.available_datasets()
    if config["dataset"] not in sources:
        raise CLIError(f"--dataset {config['dataset']}: not a registered data source; choose "
                       f"one of {', '.join(sorted(sources))} (see arraygrad train --help)")
    if config["dataset"] in ("mnist", "npz", "csv") and config["data_path"] is None:
        kind = "a directory of IDX files" if config["dataset"] == "mnist" else "a file"
        raise CLIError(f"--dataset {config['dataset']} reads {kind}: pass --data-path PATH")
    if config["data_path"] is not None:
        config["data_path"] = os.path.expanduser(config["data_path"])
        if not os.path.exists(config["data_path"]):
            raise CLIError(f"--data-path {config['data_path']}: no such file or directory")
    try:
        ag.optim.get(config["optimizer"])
    except KeyError as exc:
        raise CLIError(f"--optimizer {config['optimizer']}: {exc.args[0]}") from None
    # Optional libraries, before any work.
    _require("safetensors", "arraygrad train (checkpoints)")
    if not args.no_plot:
        _require("matplotlib", "arraygrad train (the plot)", " (or pass --no-plot)")
    if _show_progress(args):
        _require("tqdm", "arraygrad train (the progress bar)", " (or pass --no-progress)")
    if config["threads"] != 0:
        _require("threadpoolctl", "arraygrad train (--threads)",
                 " (or pass --threads 0 to leave the libraries' own choice)")
    _check_writable(run_dir, "--out" if (args.out or args.resume is None) else "--resume")
    return _Plan(config, run_dir, checkpoint, explicit)


def _show_progress(args: argparse.Namespace) -> bool:
    return not (args.no_progress or args.quiet) and sys.stderr.isatty()


# ---------------------------------------------------------------------------- helpers
def _datasets(config: dict[str, Any]) -> tuple[Any, Any]:
    import arraygrad as ag

    options: dict[str, Any] = {}
    if config["data_path"] is not None:
        options["path"] = config["data_path"]
    name = config["dataset"]
    where = f"--dataset {name}" + (f" ({config['data_path']})" if config["data_path"] else "")
    try:
        if name in ("digits", "mnist"):
            return (ag.data.load_dataset(name, split="train", **options),
                    ag.data.load_dataset(name, split="test", **options))
        full = ag.data.load_dataset(name, **options)
    except (ValueError, KeyError, TypeError, OSError, IndexError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        raise CLIError(f"{where}: {message}") from None
    if len(full) < 2:
        raise CLIError(f"{where}: {len(full)} sample(s); training and testing need at least 2")
    n_test = max(1, len(full) // 5)
    train_set, test_set = ag.data.random_split(full, [len(full) - n_test, n_test],
                                               seed=config["seed"])
    return train_set, test_set


def _labels(split: Any) -> Any:
    import numpy as np

    gather = getattr(split, "gather", None)
    if gather is not None:
        out = gather(np.arange(len(split)))
        if len(out) < 2:
            return None
        return np.asarray(out[1])
    return np.asarray([split[i][1] for i in range(len(split))])


def _class_count(config: dict[str, Any], splits: Sequence[Any]) -> int:
    """The number of classes, after checking every label is an integer in range."""
    import numpy as np

    where = f"--dataset {config['dataset']}" + (
        f" ({config['data_path']})" if config["data_path"] else "")
    labels = [_labels(s) for s in splits]
    if any(y is None for y in labels):
        raise CLIError(f"{where}: samples need a label (features, label); this source gives "
                       f"one array per sample")
    y = np.concatenate([np.ravel(v) for v in labels])
    if y.dtype.kind not in "iub":
        raise CLIError(f"{where}: labels must be integers (class numbers), got {y.dtype} "
                       f"values such as {y[:3].tolist()}; arraygrad train classifies")
    fixed = 10 if config["dataset"] in ("digits", "mnist") else None
    low, high = int(y.min()), int(y.max())
    if low < 0 or (fixed is not None and high >= fixed):
        bound = fixed if fixed is not None else "the number of classes"
        raise CLIError(f"{where}: labels must lie in [0, {bound}), found values from {low} to "
                       f"{high}")
    return fixed if fixed is not None else high + 1


def _set_threads(threads: int | None) -> tuple[str, Any]:
    """Limit the BLAS/OpenMP pools; returns (the header's text, the limiter to keep)."""
    if threads == 0:
        return "library default (--threads 0)", None
    from threadpoolctl import threadpool_info, threadpool_limits

    n = 1 if threads is None else threads
    limiter = threadpool_limits(limits=n)
    pools = sorted({f"{p.get('internal_api')}" for p in threadpool_info()})
    return f"{n} ({', '.join(pools) or 'no BLAS/OpenMP pool found'})", limiter


def _versions(backend: Any) -> dict[str, str]:
    """arraygrad, Python, NumPy and the backend's library, by name and version."""
    import numpy

    out = {"arraygrad": _version(), "python": platform.python_version(),
           "numpy": numpy.__version__}
    library = (getattr(backend.xp, "__name__", "") or "").split(".")[0]
    for name in (library, backend.name):
        version = getattr(sys.modules.get(name), "__version__", None)
        if name and name not in out and version:
            out[name] = str(version)
            break
    return out


def _atomic_write(path: str, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _write_metrics(path: str, history: dict[str, list[float]]) -> None:
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_METRIC_FIELDS)
    for i in range(len(history["train_loss"])):
        writer.writerow([i + 1] + [f"{history[k][i]:.6g}" for k in _METRIC_FIELDS[1:]])
    _atomic_write(path, buffer.getvalue())


def _figure(history: dict[str, list[float]], title: str) -> Any:
    """The loss and accuracy figure: markers (a 1-epoch run shows its point), train solid
    with circles and test dashed with squares, integer epoch ticks, titles and labels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    epochs = list(range(1, len(history["train_loss"]) + 1))
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.8))
    for ax, key, label in ((left, "loss", "cross-entropy loss"), (right, "acc", "accuracy")):
        ax.plot(epochs, history[f"train_{key}"], "o-", color="tab:blue", label="train")
        ax.plot(epochs, history[f"test_{key}"], "s--", color="tab:orange", label="test")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        if len(epochs) <= 15:  # every epoch labelled
            ax.set_xticks(epochs)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if len(epochs) == 1:
            ax.set_xlim(0.5, 1.5)
        ax.grid(alpha=0.3)
        ax.legend()
    left.set_title("loss")
    right.set_title("accuracy")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _plot(history: dict[str, list[float]], path: str, title: str) -> None:
    import matplotlib.pyplot as plt

    fig = _figure(history, title)
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, path)


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
        raise CLIError("the test split is empty; nothing to evaluate (use a larger dataset)")
    return total_loss / count, correct / count


def _train_step(model: Any, optimizer: Any) -> Any:
    """One training step on a batch: returns the loss and the number of correct
    predictions (0-d tensors, read after the step so a compiled step replays)."""
    import arraygrad as ag
    from arraygrad.nn import functional as F

    def train_step(x: Any, y: Any) -> tuple[Any, Any]:
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        hits = (ag.argmax(logits.detach(), axis=1) == y).astype(ag.int64).sum()
        return loss.detach(), hits
    return train_step


def _compiles(backend: Any) -> bool:
    """Whether the main job's step is compiled on ``backend``: numpy (a replayed
    recording) and jax (one ``jax.jit`` computation; cross-entropy's label check is
    deferred to after it); other backends run it eagerly."""
    return backend.name in ("numpy", "jax")


def _epoch_seed(seed: int, epoch: int) -> int:
    """The seed of one epoch (data order and the model's random draws), so a resumed run
    repeats exactly what an uninterrupted one would have done."""
    return (seed * 1_000_003 + epoch * 7_919 + 1) % 2 ** 62


# ---------------------------------------------------------------------------- train
def train(args: argparse.Namespace) -> dict[str, Any]:
    """Run ``arraygrad train``; returns the history, the final test accuracy, the run
    directory, and whether the run was interrupted.

    Raises
    ------
    CLIError
        For a bad flag (checked before training), naming the flag and the fix.
    """
    import numpy as np

    import arraygrad as ag

    plan = _plan(args)
    config, run_dir, checkpoint = plan.config, plan.run_dir, plan.checkpoint
    say = (lambda *a, **k: None) if args.quiet else print
    detail = print if args.verbose else (lambda *a, **k: None)
    backend = ag.get_backend(config["backend"])
    device = config["device"]
    ckpt_path = os.path.join(run_dir, CHECKPOINT)
    start = int(checkpoint["epoch"]) if checkpoint is not None else 0
    if checkpoint is not None and start >= config["epochs"]:
        print(f"run {run_dir} already finished {start}/{config['epochs']} epochs; nothing to "
              f"do (pass --epochs N with N > {start} to train it longer)")
        return {"history": checkpoint["history"], "run_dir": run_dir, "finished": True,
                "interrupted": False,
                "test_acc": (checkpoint["history"].get("test_acc") or [None])[-1]}
    threads_text, limiter = _set_threads(config["threads"])
    history: dict[str, list[float]] | None = None
    title = ""
    compiled = False
    train_step: Any = None
    versions = _versions(backend)
    say(f"arraygrad {versions['arraygrad']} | python {versions['python']} | numpy "
        f"{versions['numpy']}" + "".join(f" | {k} {v}" for k, v in versions.items()
                                        if k not in ("arraygrad", "python", "numpy")))
    say(f"backend {backend.name} on {device} | threads {threads_text} | run {run_dir}"
        + (f" (resuming after epoch {start})" if start else ""))
    try:
        with ag.use_backend(backend):
            ag.manual_seed(config["seed"])
            train_set, test_set = _datasets(config)
            n_classes = _class_count(config, (train_set, test_set))
            sample = train_set[0][0]
            model = build_model(config["model"], tuple(np.shape(sample)), n_classes).to(
                device=device)
            optimizer = ag.optim.create(config["optimizer"], model.parameters(),
                                        lr=config["lr"])
            # Cosine decay over the run: large steps early, a settled model at the end.
            scheduler = ag.optim.lr_scheduler.CosineAnnealingLR(
                optimizer, T_max=max(config["epochs"], 1))
            history = {k: [] for k in _METRIC_FIELDS[1:]}
            if checkpoint is not None:
                model.load_state_dict(checkpoint["model"])
                optimizer.load_state_dict(checkpoint["optimizer"])
                # Keep the step count; stretch the schedule over a new --epochs.
                scheduler.load_state_dict({**checkpoint["scheduler"],
                                           "T_max": max(config["epochs"], 1)})
                scheduler.step(scheduler.last_epoch)  # the closed form at that step
                for key in history:
                    history[key] = [float(v) for v in checkpoint["history"].get(key, [])]
            config_record = {**config, "epochs": config["epochs"], "run_dir": run_dir,
                             "versions": versions, "threads_used": threads_text,
                             "argv": list(getattr(args, "argv", []) or []),
                             "resumed_from_epoch": start,
                             "flags": {k: v for k, v in vars(args).items() if k != "argv"}}
            _atomic_write(os.path.join(run_dir, CONFIG),
                          json.dumps(config_record, indent=2, sort_keys=True) + "\n")
            test_loader = ag.data.DataLoader(test_set, batch_size=256, backend=backend,
                                             device=device)
            title = (f"{config['model']} on {config['dataset']} ({backend.name}, "
                     f"{config['optimizer']}, lr {config['lr']:g})")
            train_step = _train_step(model, optimizer)
            compiled = not getattr(args, "no_compile", False) and _compiles(backend)
            if compiled:
                train_step = ag.compile(train_step)
            detail(f"training step: {'compiled (ag.compile)' if compiled else 'eager'}")
            bar_maker: Any = None
            if _show_progress(args):
                from tqdm import tqdm

                bar_maker = tqdm
            for epoch in range(start, config["epochs"]):
                began = time.perf_counter()
                ag.manual_seed(_epoch_seed(config["seed"], epoch))
                order = ag.data.RandomSampler(
                    train_set, generator=np.random.default_rng(_epoch_seed(config["seed"],
                                                                           epoch)))
                loader = ag.data.DataLoader(train_set, batch_size=config["batch_size"],
                                            sampler=order, num_workers=config["workers"],
                                            backend=backend, device=device)
                lr_now = float(optimizer.param_groups[0]["lr"])
                model.train()
                seen = loss_sum = correct = 0.0
                batches: Any = loader
                if bar_maker is not None:
                    batches = bar_maker(loader, desc=f"epoch {epoch + 1}/{config['epochs']}",
                                   unit="batch", leave=False, disable=None, file=sys.stderr)
                for x, y in batches:
                    loss, hits = train_step(x, y)
                    n = y.shape[0]
                    seen += n
                    loss_sum += float(loss.item()) * n
                    correct += float(hits.item())
                    if bar_maker is not None:
                        # refresh=False: tqdm redraws on its own schedule.
                        batches.set_postfix(loss=f"{loss_sum / seen:.4f}",
                                            acc=f"{correct / seen:.3f}", refresh=False)
                if bar_maker is not None:
                    batches.close()
                test_loss, test_acc = _evaluate(model, test_loader)
                scheduler.step()
                seconds = time.perf_counter() - began
                for key, value in (("train_loss", loss_sum / max(seen, 1)),
                                   ("train_acc", correct / max(seen, 1)),
                                   ("test_loss", test_loss), ("test_acc", test_acc),
                                   ("lr", lr_now), ("seconds", seconds)):
                    history[key].append(value)
                # Saved before the line is printed: a printed epoch is a saved epoch.
                ag.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                         "scheduler": scheduler.state_dict(), "epoch": epoch + 1,
                         "history": history, "config": {**config, "epochs": config["epochs"]}},
                        ckpt_path)
                _write_metrics(os.path.join(run_dir, METRICS), history)
                say(f"epoch {epoch + 1}/{config['epochs']}: train loss "
                    f"{history['train_loss'][-1]:.4f}, train acc "
                    f"{history['train_acc'][-1]:.4f}, test loss {test_loss:.4f}, test acc "
                    f"{test_acc:.4f}" + (f", lr {lr_now:.3g}, {seconds:.1f}s"
                                         if args.verbose else ""), flush=True)
            if not history["test_acc"]:
                _, acc = _evaluate(model, test_loader)
            else:
                acc = history["test_acc"][-1]
    except KeyboardInterrupt:
        # What is on disk is the truth: the checkpoint of the last finished epoch.
        saved = ag.load(ckpt_path) if os.path.isfile(ckpt_path) else None
        done = int(saved["epoch"]) if saved is not None else 0
        if saved is not None:
            _write_metrics(os.path.join(run_dir, METRICS), saved["history"])
            _finish_files(args, run_dir, saved["history"], title)
            print(f"interrupted: {done} finished epoch(s) saved in {ckpt_path}; continue with "
                  f"arraygrad train --resume {run_dir}", file=sys.stderr)
        else:
            print(f"interrupted before the first epoch finished; nothing to resume in "
                  f"{run_dir}", file=sys.stderr)
        return {"history": saved["history"] if saved else None, "run_dir": run_dir,
                "interrupted": True, "finished": False, "test_acc": None}
    finally:
        if limiter is not None:
            limiter.restore_original_limits()
    plot_path = _finish_files(args, run_dir, history, title)
    if compiled and args.verbose:
        detail(train_step.explain())
    total = sum(history["seconds"][start:])
    print(f"final test accuracy: {acc:.2%} ({config['model']} on {config['dataset']}, "
          f"backend {backend.name}, device {device}, {total:.1f}s of training)")
    say(f"run directory: {run_dir} ({', '.join(sorted(os.listdir(run_dir)))})")
    detail(f"checkpoint: {ckpt_path}")
    if plot_path:
        detail(f"plot: {plot_path}")
    return {"history": history, "test_acc": acc, "checkpoint": ckpt_path, "run_dir": run_dir,
            "seconds": total, "interrupted": False, "finished": False}


def _finish_files(args: argparse.Namespace, run_dir: str,
                  history: dict[str, list[float]] | None, title: str) -> str | None:
    """Draw the plot of the finished epochs (if any); returns its path."""
    if args.no_plot or not history or not history["test_acc"]:
        return None
    path = os.path.join(run_dir, PLOT)
    _plot(history, path, title)
    return path


# ---------------------------------------------------------------------------- backends
def backends_report(load: bool = True) -> list[str]:
    """One line per declared backend: who declares it, and whether it loads here.

    Examples
    --------
    >>> from arraygrad.cli import backends_report
    >>> any(line.startswith("numpy") for line in backends_report(load=False))
    True
    """
    from arraygrad.backend_registry import available

    lines = [f"{'backend':<18} {'declared by':<18} loads here"]
    for name, status in sorted(available(load=load).items()):
        if status.ok:
            state = f"yes, devices: {', '.join(status.devices)}"
        elif status.error == "not loaded yet":
            state = "not checked (--no-load)" if not load else "no"
        else:
            state = f"no: {status.error}"
        lines.append(f"{name:<18} {status.plugin or '?':<18} {state}")
    return lines


# ---------------------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``arraygrad`` command; returns the exit status.

    0: done (or a finished run resumed); 2: a usage error, printed as one line naming the
    flag and the fix; 130: interrupted with Ctrl-C (the last finished epoch is saved).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["run"]:  # arraygrad run -n N script.py: the distributed launcher
        from arraygrad.distributed.launch import main as run_main

        return run_main(argv[1:])
    describe = any(a in ("-h", "--help") for a in argv) and "train" in argv
    args = build_parser(describe=describe).parse_args(argv)
    args.argv = argv
    # A second Ctrl-C while saving must not leave a traceback either.
    previous = signal.getsignal(signal.SIGINT)
    try:
        if args.command == "backends":
            for line in backends_report(load=not args.no_load):
                print(line)
            return 0
        result = train(args)
        return 130 if result.get("interrupted") else 0
    except CLIError as exc:
        print(f"arraygrad {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, KeyError, TypeError, OSError, ImportError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"arraygrad {args.command}: error: {type(exc).__name__}: {message}",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"arraygrad {args.command}: interrupted", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGINT, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
