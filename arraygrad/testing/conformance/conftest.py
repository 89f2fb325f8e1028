"""Conformance-kit reporting: a readable summary of what the backend lacks or gets wrong."""

from __future__ import annotations

import re
from collections import defaultdict

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


def _category(item: pytest.Item) -> str:
    name = getattr(item, "originalname", item.name)
    if name in _FUNCTION_CATEGORIES:
        return _FUNCTION_CATEGORIES[name]
    module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
    return _MODULE_CATEGORIES.get(module, module)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = getattr(item, "module", None)
        if module is None or not module.__name__.startswith(_PACKAGE + "."):
            continue
        params = getattr(item, "callspec", None)
        params = params.params if params is not None else {}
        case = params.get("case")
        item.user_properties.append((_KEY, {
            "category": _category(item),
            "backend": params.get("backend", "?"),
            "subject": getattr(case, "name", None) or getattr(item, "originalname", item.name),
        }))


def _info(report: pytest.TestReport) -> dict | None:
    for key, value in report.user_properties:
        if key == _KEY:
            return value
    return None


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    stats = terminalreporter.stats
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
    if not per_backend:
        return
    write = terminalreporter.write_line
    terminalreporter.section("arraygrad conformance summary")
    for name, entry in sorted(per_backend.items()):
        failed = sum(len(v) for v in entry["failed"].values())
        write(f"backend {name!r}: {entry['passed']} passed, {failed} failed, "
              f"{entry['skipped']} skipped")
        for reason in sorted(entry["unavailable"]):
            write(f"  unavailable: {reason}")
        if entry["missing"]:
            write(f"  missing: {', '.join(sorted(entry['missing']))}")
        for category, subjects in sorted(entry["failed"].items()):
            unique = sorted(set(subjects))
            shown = ", ".join(unique[:12]) + (f", ... ({len(unique) - 12} more)"
                                              if len(unique) > 12 else "")
            write(f"  failing {category}: {shown}")
        if not failed and not entry["missing"] and not entry["unavailable"]:
            write("  conforms: every check passed")
