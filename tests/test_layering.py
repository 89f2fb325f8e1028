"""The core imports only downwards (docs/concepts.md, "Layers"): checked on the source.

A module may import, at its top, modules of its own layer or of a lower one; the core
modules import nothing inside functions (an import there usually hides a circle).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "arraygrad"

# Layer of each core module (lower numbers first); arraygrad/__init__ and the features built
# on the namespace sit above them all.
LAYERS: dict[str, int] = {
    "arraygrad._dtypes": 0, "arraygrad.device": 0, "arraygrad.grad_mode": 0,
    "arraygrad.node": 0, "arraygrad._vmap_state": 0, "arraygrad.hookspecs": 0,
    "arraygrad._host": 0, "arraygrad.anomaly_mode": 0, "arraygrad.deferred_checks": 0,
    "arraygrad.plugin_manager": 1, "arraygrad.backend_registry": 2,
    "arraygrad.tensor": 3, "arraygrad.engine": 4, "arraygrad.creation": 5,
    "arraygrad.ops.registry": 6, "arraygrad.ops._axes": 6, "arraygrad.ops._arrays": 6,
    "arraygrad.ops._complex": 7, "arraygrad.ops.elementwise": 7, "arraygrad.ops.conv": 7,
    "arraygrad.ops.fused": 7, "arraygrad.ops.special": 7, "arraygrad.ops.indexing": 7,
    "arraygrad.ops.shape": 8, "arraygrad.ops.reductions": 8,
    "arraygrad.ops.linalg": 9, "arraygrad.ops.linalg_ext": 10, "arraygrad.ops.fft": 11,
    "arraygrad.ops.nn": 11, "arraygrad.ops.transfer": 11, "arraygrad.ops.torch_functions": 12,
    "arraygrad.ops.inplace": 12, "arraygrad.random": 13, "arraygrad.tensor_types": 13,
    "arraygrad.ops.torch_namespace": 13,
    "arraygrad.ops._methods": 14,
}
# Imports inside functions that are deliberate (docs/concepts.md says why).
ALLOWED_LOCAL = {("arraygrad.ops._methods", "arraygrad.sparse")}


def _path(module: str) -> Path:
    rel = module.removeprefix("arraygrad").lstrip(".").replace(".", "/")
    return ROOT / f"{rel}.py"


def _imported(node: ast.AST, module: str) -> list[str]:
    """Modules an import statement names (``from arraygrad.ops import shape`` names the
    submodule ``arraygrad.ops.shape`` where one exists)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    assert isinstance(node, ast.ImportFrom)
    if node.level:  # relative imports are not used in the package
        return [module]
    names = []
    for alias in node.names:
        sub = f"{node.module}.{alias.name}"
        names.append(sub if sub in LAYERS or _path(sub).exists() else node.module)
    return names


def _top_level_imports(tree: ast.Module) -> list[ast.AST]:
    found = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If):  # ``if TYPE_CHECKING:`` imports are for types only
            continue
    return found


@pytest.mark.parametrize("module", sorted(LAYERS))
def test_core_module_imports_only_downwards(module):
    tree = ast.parse(_path(module).read_text())
    upward = []
    for node in _top_level_imports(tree):
        for name in _imported(node, module):
            if name.startswith("arraygrad") and name != module:
                layer = LAYERS.get(name)
                if name == "arraygrad" or layer is None or layer > LAYERS[module]:
                    upward.append(name)
    assert not upward, f"{module} (layer {LAYERS[module]}) imports upwards: {upward}"


@pytest.mark.parametrize("module", sorted(LAYERS))
def test_core_module_has_no_function_level_imports(module):
    tree = ast.parse(_path(module).read_text())
    local = []
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    for name in _imported(node, module):
                        if name.startswith("arraygrad") and (module, name) not in ALLOWED_LOCAL:
                            local.append(f"{name} (line {node.lineno})")
    assert not local, f"{module} imports inside functions: {local}"
