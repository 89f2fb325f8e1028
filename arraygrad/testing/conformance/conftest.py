"""Conformance-kit reporting: a readable summary of what the backend lacks or gets wrong.

The summary counts the kit's checks: collected (M), selected to run, and run (N). Only a
run of every check with no failure and nothing missing says "conforms"; a partial selection
(``-k``, ``--deselect``, ``--arraygrad-quick``) or an interrupted run (Ctrl-C, ``-x``) says
"N of M checks run" instead. ``--arraygrad-summary FILE`` rewrites the same summary as JSON
after every check.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections import defaultdict
from typing import Any

import pytest

# Category of each test: by function name first, else by module.
_FUNCTION_CATEGORIES = {
    "test_op_forward": "op values vs NumPy",
    "test_op_gradcheck": "op gradients (finite differences)",
}
_MODULE_CATEGORIES = {
    "test_rng": "random numbers",
    "test_scatter": "scatter_add",
    "test_interop": "host / DLPack / backend round trips",
    "test_inplace": "in-place operations",
    "test_errors": "error behaviour",
}
_MISSING = re.compile(r"missing feature: ([^;]+?)(?: \(|;|$)")
_KEY = "arraygrad_conformance"
_PACKAGE = "arraygrad.testing.conformance"

# The quick tier: every capability once. Op rows: one of each kind of op (elementwise,
# broadcasting, comparison, reduction, linear algebra, shape, indexing, nn); the other
# checks: one per capability (random numbers, scatter_add with repeats and with a mask,
# every way out of the backend, float64 kept, in-place, a backward that must raise, errors).
QUICK_CASES = ("exp", "multiply", "greater", "sum[axis=1]", "matmul", "reshape", "concat",
               "getitem[int_array]", "where", "softmax", "cross_entropy", "conv2d")
QUICK_TESTS = frozenset({
    "test_rng_uniform_statistics", "test_scatter_add_kernel_accumulates_repeats",
    "test_scatter_add_kernel_boolean_mask", "test_interop_host_round_trip",
    "test_interop_dlpack", "test_interop_arrays_can_leave_the_backend",
    "test_interop_float64_is_kept", "test_interop_to_numpy_backend_and_back_keeps_gradients",
    "test_inplace_arithmetic_values", "test_inplace_on_saved_tensor_makes_backward_raise",
    "test_error_broadcast_mismatch_names_op_and_shapes",
})


def _category(item: pytest.Item) -> str:
    name = getattr(item, "originalname", item.name)
    if name in _FUNCTION_CATEGORIES:
        return _FUNCTION_CATEGORIES[name]
    module_obj = getattr(item, "module", None)  # pytest.Function has one; other items not
    module = module_obj.__name__.rsplit(".", 1)[-1] if module_obj else ""
    return _MODULE_CATEGORIES.get(module, module)


def _is_kit(item: pytest.Item) -> bool:
    module = getattr(item, "module", None)
    return module is not None and module.__name__.startswith(_PACKAGE + ".")


def _params(item: pytest.Item) -> dict[str, Any]:
    spec = getattr(item, "callspec", None)
    return spec.params if spec is not None else {}


def _quick(item: pytest.Item, op_names: set[str]) -> bool:
    name = getattr(item, "originalname", item.name)
    params = _params(item)
    if name in _FUNCTION_CATEGORIES:
        case = params.get("case")
        if getattr(case, "name", None) not in op_names:
            return False
        return name == "test_op_gradcheck" or params.get("dtype") == "float32"
    if name == "test_interop_host_round_trip":
        return params.get("dtype") == "float32"
    return name in QUICK_TESTS


def _counts(config: pytest.Config) -> dict[str, Any]:
    return config.stash.setdefault(_COUNTS, {"collected": 0, "selected": 0, "ran": set(),
                                             "quick": False})


_COUNTS = pytest.StashKey[dict]()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    counts = _counts(config)
    kit = [item for item in items if _is_kit(item)]
    counts["collected"] = len(kit)
    for item in kit:
        params = _params(item)
        case = params.get("case")
        item.user_properties.append((_KEY, {
            "category": _category(item),
            "backend": params.get("backend", "?"),
            "subject": getattr(case, "name", None) or getattr(item, "originalname", item.name),
        }))
    if config.getoption("--arraygrad-quick", default=False):
        counts["quick"] = True
        from arraygrad.testing.op_table import CASES

        known = {c.name for c in CASES}
        op_names = {n for n in QUICK_CASES if n in known}
        # A table without one of the named rows still gets that kind of op: its first row.
        for wanted in set(QUICK_CASES) - known:
            stem = wanted.split("[")[0]
            first = next((c.name for c in CASES if c.op == stem), None)
            if first is not None:
                op_names.add(first)
        keep: list[pytest.Item] = []
        drop: list[pytest.Item] = []
        for item in items:
            (keep if not _is_kit(item) or _quick(item, op_names) else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    _counts(session.config)["selected"] = sum(1 for item in session.items if _is_kit(item))


def _info(report: pytest.TestReport) -> dict | None:
    for key, value in report.user_properties:
        if key == _KEY and isinstance(value, dict):
            return value
    return None


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _info(report) is None:
        return
    config = _CONFIG.get("config")
    if config is None:
        return
    counts = _counts(config)
    if report.when == "call" or (report.when == "setup" and not report.passed):
        counts["ran"].add(report.nodeid)
    path = config.getoption("--arraygrad-summary", default=None)
    if path and report.when == "teardown":  # once per check, after it has fully run
        _write_json(path, _summarize(config.pluginmanager.get_plugin("terminalreporter"),
                                     counts, interrupted=False))


_CONFIG: dict[str, pytest.Config] = {}


def pytest_configure(config: pytest.Config) -> None:
    _CONFIG["config"] = config


def pytest_unconfigure(config: pytest.Config) -> None:
    _CONFIG.pop("config", None)


def _write_json(path: str, summary: dict[str, Any]) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=directory)
    with os.fdopen(fd, "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def _summarize(terminalreporter: Any, counts: dict[str, Any],
               interrupted: bool) -> dict[str, Any]:
    stats = terminalreporter.stats if terminalreporter is not None else {}
    per_backend: dict[str, dict] = defaultdict(lambda: {
        "passed": 0, "failed": defaultdict(list), "skipped": 0, "missing": set(),
        "unavailable": set()})
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in stats.get(outcome, []):
            if not isinstance(report, pytest.TestReport):
                continue
            info = _info(report)
            if info is None or (outcome == "passed" and report.when != "call"):
                continue
            entry = per_backend[info["backend"]]
            if outcome == "passed":
                entry["passed"] += 1
            elif outcome in ("failed", "error"):
                entry["failed"][info["category"]].append(info["subject"])
            else:
                entry["skipped"] += 1
                reason = _skip_reason(report)
                found = _MISSING.findall(reason)
                if found:
                    entry["missing"].update(f.strip() for f in found)
                elif "unavailable" in reason or "not declared" in reason:
                    entry["unavailable"].add(reason.split("Skipped: ", 1)[-1])
    ran = len(counts["ran"])
    complete = (not interrupted and not counts["quick"] and counts["selected"] ==
                counts["collected"] and ran == counts["collected"])
    return {
        "collected": counts["collected"], "selected": counts["selected"], "ran": ran,
        "quick": counts["quick"], "interrupted": interrupted, "complete": complete,
        "backends": {name: {
            "passed": e["passed"], "skipped": e["skipped"],
            "failed": {k: sorted(set(v)) for k, v in sorted(e["failed"].items())},
            "missing": sorted(e["missing"]), "unavailable": sorted(e["unavailable"]),
            "conforms": complete and not e["failed"] and not e["missing"]
            and not e["unavailable"]} for name, e in sorted(per_backend.items())},
    }


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    counts = _counts(config)
    if not counts["collected"]:
        return
    interrupted = exitstatus == pytest.ExitCode.INTERRUPTED or len(counts["ran"]) < counts[
        "selected"]
    summary = _summarize(terminalreporter, counts, interrupted)
    path = config.getoption("--arraygrad-summary", default=None)
    if path:
        _write_json(path, summary)
    write = terminalreporter.write_line
    terminalreporter.section("arraygrad conformance summary")
    ran, total = summary["ran"], summary["collected"]
    if not summary["complete"]:
        why = ("stopped early (interrupted, -x or --maxfail)" if interrupted
               else "quick tier (--arraygrad-quick)" if summary["quick"]
               else "a partial selection (-k, -m or --deselect)")
        write(f"{ran} of {total} checks run: {why}; no conformance verdict (run the whole "
              f"kit for one)")
    for name, entry in summary["backends"].items():
        failed = sum(len(v) for v in entry["failed"].values())
        write(f"backend {name!r}: {entry['passed']} passed, {failed} failed, "
              f"{entry['skipped']} skipped")
        for reason in entry["unavailable"]:
            write(f"  unavailable: {reason}")
        if entry["missing"]:
            write(f"  missing: {', '.join(entry['missing'])}")
        for category, subjects in entry["failed"].items():
            shown = ", ".join(subjects[:12]) + (f", ... ({len(subjects) - 12} more)"
                                                if len(subjects) > 12 else "")
            write(f"  failing {category}: {shown}")
        if entry["conforms"]:
            write("  conforms: every check passed")
