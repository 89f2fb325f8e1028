"""The public API is documented: every public function, class, method and property has a
docstring, the main ones carry a runnable example, every docstring example passes, and
``docs/api.md`` matches what ``docs/gen_api.py`` generates from the docstrings."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import inspect
import io
import pkgutil
from pathlib import Path

import pytest

import arraygrad as ag

ROOT = Path(__file__).resolve().parent.parent

# Public names whose docstrings live in files being restructured right now (tensor.py,
# ops/_methods.py), each with the docstring to add; the lead adds them and empties this
# dict. Entries that gain a docstring must leave it (test_pending_docstrings_are_still_missing).
# Names sharing one function in ops/_methods.py share one docstring (clip/clamp,
# reshape/view, permute/permute_dims, broadcast_to/expand); argmax/argmin only need _arg()
# to copy ``fn.__doc__`` as _reduction() does; grad/requires_grad are __slots__ entries
# (Tensor.__slots__ can become a dict of docstrings, as DType's is).
_INPLACE = "In-place ``self {op}= other`` (bumps the version counter); returns ``self``."
PENDING_DOCSTRINGS: dict[str, str] = {
    "arraygrad.Tensor.add_": _INPLACE.format(op="+"),
    "arraygrad.Tensor.sub_": _INPLACE.format(op="-"),
    "arraygrad.Tensor.mul_": _INPLACE.format(op="*"),
    "arraygrad.Tensor.div_": _INPLACE.format(op="/"),
    "arraygrad.Tensor.pow_": _INPLACE.format(op="**"),
    "arraygrad.Tensor.floor_divide_": _INPLACE.format(op="//"),
    "arraygrad.Tensor.remainder_": _INPLACE.format(op="%"),
    "arraygrad.Tensor.argmax": "Index of the largest element along ``axis``/``dim`` "
                               "(of the flattened tensor when None).",
    "arraygrad.Tensor.argmin": "Index of the smallest element along ``axis``/``dim`` "
                               "(of the flattened tensor when None).",
    "arraygrad.Tensor.clip": "Clamp every element into ``[min, max]`` (either bound may be "
                             "None).",
    "arraygrad.Tensor.clamp": "Clamp every element into ``[min, max]`` (either bound may be "
                              "None).",
    "arraygrad.Tensor.where": "``ag.where(condition, self, other)``: this tensor's elements "
                              "where ``condition`` holds, ``other``'s elsewhere.",
    "arraygrad.Tensor.cumsum": "Cumulative sum along ``axis``/``dim`` "
                               "(``ag.cumulative_sum``).",
    "arraygrad.Tensor.softmax": "Softmax along ``axis``/``dim`` (default the last axis).",
    "arraygrad.Tensor.log_softmax": "Log-softmax along ``axis``/``dim`` (default the last "
                                    "axis).",
    "arraygrad.Tensor.reshape": "The same elements in a new shape: ``t.reshape(2, 3)`` or "
                                "``t.reshape((2, 3))``.",
    "arraygrad.Tensor.view": "The same elements in a new shape: ``t.reshape(2, 3)`` or "
                             "``t.reshape((2, 3))``.",
    "arraygrad.Tensor.permute": "Reorder the axes: ``t.permute(1, 0)`` or "
                                "``t.permute((1, 0))``.",
    "arraygrad.Tensor.permute_dims": "Reorder the axes: ``t.permute(1, 0)`` or "
                                     "``t.permute((1, 0))``.",
    "arraygrad.Tensor.transpose": "Swap axes ``dim0`` and ``dim1`` (default the last two).",
    "arraygrad.Tensor.unsqueeze": "Insert a size-1 axis at ``dim`` (PyTorch's name for "
                                  "``expand_dims``).",
    "arraygrad.Tensor.expand_dims": "Insert a size-1 axis at ``axis``.",
    "arraygrad.Tensor.squeeze": "Remove size-1 axes (only ``dim``/``axis`` when given).",
    "arraygrad.Tensor.flatten": "Merge axes ``start_dim`` to ``end_dim`` into one (a 0-d "
                                "tensor becomes shape ``(1,)``).",
    "arraygrad.Tensor.broadcast_to": "Broadcast to ``shape``, given as a tuple or as "
                                     "separate ints.",
    "arraygrad.Tensor.expand": "Broadcast to ``shape``, given as a tuple or as separate "
                               "ints.",
    "arraygrad.Tensor.flip": "Reverse the elements along ``axis``/``dims`` (every axis when "
                             "None).",
    "arraygrad.Tensor.roll": "Shift the elements by ``shift`` along ``axis``/``dims``, "
                             "wrapping around (the flattened tensor when None).",
    "arraygrad.Tensor.tril": "The lower triangle of the last two axes: elements above the "
                             "``k``-th diagonal become zero.",
    "arraygrad.Tensor.triu": "The upper triangle of the last two axes: elements below the "
                             "``k``-th diagonal become zero.",
    "arraygrad.Tensor.take": "The elements at integer ``indices`` along ``axis`` "
                             "(``ag.take``).",
    "arraygrad.Tensor.cpu": "This tensor on the backend's ``cpu`` device (differentiable).",
    "arraygrad.Tensor.cuda": "This tensor on ``cuda:<device>`` (an index or a device "
                             "string); differentiable.",
    "arraygrad.Tensor.float": "Cast to ``float32`` (no copy when already float32).",
    "arraygrad.Tensor.double": "Cast to ``float64`` (no copy when already float64).",
    "arraygrad.Tensor.half": "Cast to ``float16`` (no copy when already float16).",
    "arraygrad.Tensor.long": "Cast to ``int64`` (no copy when already int64).",
    "arraygrad.Tensor.int": "Cast to ``int32`` (no copy when already int32).",
    "arraygrad.Tensor.bool": "Cast to ``bool`` (no copy when already bool).",
    "arraygrad.Tensor.type": "Cast to ``dtype`` (a dtype or its name, e.g. ``\"float64\"``).",
    "arraygrad.Tensor.grad": "The gradient accumulated by ``backward`` (a Tensor), or None.",
    "arraygrad.Tensor.requires_grad": "Whether operations on this tensor are recorded for "
                                      "``backward``.",
}

# The main entry points each show a small runnable example (an ``Examples`` section).
EXAMPLE_REQUIRED = (
    "arraygrad.tensor",
    "arraygrad.asarray",
    "arraygrad.no_grad",
    "arraygrad.use_backend",
    "arraygrad.save",
    "arraygrad.autograd.grad",
    "arraygrad.autograd.Function",
    "arraygrad.func.grad",
    "arraygrad.func.value_and_grad",
    "arraygrad.func.vjp",
    "arraygrad.nn.Module",
    "arraygrad.nn.Linear",
    "arraygrad.nn.Sequential",
    "arraygrad.nn.functional.cross_entropy",
    "arraygrad.optim.SGD",
    "arraygrad.optim.Adam",
    "arraygrad.optim.create",
    "arraygrad.data.DataLoader",
    "arraygrad.testing.gradcheck",
)


def _load_generator():
    spec = importlib.util.spec_from_file_location("_arraygrad_gen_api",
                                                  ROOT / "docs" / "gen_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen_api = _load_generator()


def _public_api():
    """Yield ``(qualified name, object, is_member)`` for everything the API promises."""
    seen_classes: set[type] = set()
    for module_name in gen_api.MODULES:
        module = importlib.import_module(module_name)
        for name, obj in gen_api.public_objects(module):
            yield f"{module_name}.{name}", obj, False
            if inspect.isclass(obj) and obj not in seen_classes:
                seen_classes.add(obj)
                for member_name, _kind, member in gen_api.class_members(obj):
                    yield f"{module_name}.{name}.{member_name}", member, True


def _undocumented() -> list[str]:
    return sorted({qualname for qualname, obj, _ in _public_api()
                   if not gen_api.docstring(obj).strip()})


def test_public_api_has_docstrings():
    missing = [name for name in _undocumented() if name not in PENDING_DOCSTRINGS]
    assert not missing, (
        f"{len(missing)} public names have no docstring (add a numpydoc docstring; one line "
        f"is fine for simple functions):\n  " + "\n  ".join(missing))


def test_pending_docstrings_are_still_missing():
    undocumented = set(_undocumented())
    done = sorted(set(PENDING_DOCSTRINGS) - undocumented)
    assert not done, (f"these names now have docstrings; remove them from PENDING_DOCSTRINGS in "
                      f"{Path(__file__).name}: {done}")


def test_api_walk_covers_tensor_module_and_optimizers():
    """The walk reaches the methods of Tensor, nn.Module and the optimizers (it cannot
    silently check nothing)."""
    names = {qualname for qualname, _, _ in _public_api()}
    for expected in ("arraygrad.Tensor.backward", "arraygrad.Tensor.shape",
                     "arraygrad.nn.Module.parameters", "arraygrad.nn.Module.state_dict",
                     "arraygrad.optim.Optimizer.zero_grad", "arraygrad.optim.Optimizer.step",
                     "arraygrad.nn.functional.linear", "arraygrad.sin"):
        assert expected in names, f"{expected} missing from the public API walk"


def _resolve(qualname: str) -> object:
    module_name, _, attr = qualname.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


@pytest.mark.parametrize("qualname", EXAMPLE_REQUIRED)
def test_main_entry_points_have_an_example(qualname):
    doc = gen_api.docstring(_resolve(qualname))
    assert "Examples\n--------" in doc and ">>> " in doc, (
        f"{qualname}: its docstring needs an 'Examples' section with a runnable >>> example")


def _arraygrad_modules() -> list[str]:
    """Every importable module of the arraygrad package (backends and plugins included),
    without the conformance kit's pytest files."""
    # backends/ and plugins/ install inside the namespace from their own folders, so the
    # walk over arraygrad/ does not reach them: walk each package's own path.
    names = ["arraygrad", "arraygrad.backends", "arraygrad.plugins"]
    for package in (ag, importlib.import_module("arraygrad.backends"),
                    importlib.import_module("arraygrad.plugins")):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            leaf = info.name.rpartition(".")[2]
            if not (leaf.startswith("test_") or leaf == "conftest"):
                names.append(info.name)
    return sorted(set(names))


def _doctests(module_name: str) -> list[doctest.DocTest]:
    module = importlib.import_module(module_name)
    return [test for test in doctest.DocTestFinder().find(module) if test.examples]


MODULE_NAMES = _arraygrad_modules()
DOCTEST_MODULES = [name for name in MODULE_NAMES if _doctests(name)]


def test_module_walk_includes_backends_and_plugins():
    for expected in ("arraygrad.tensor", "arraygrad.backends.numpy", "arraygrad.plugins.optim",
                     "arraygrad.nn.module", "arraygrad.testing.conformance"):
        assert expected in MODULE_NAMES


def test_main_modules_carry_examples():
    for expected in ("arraygrad", "arraygrad.engine", "arraygrad.nn.module",
                     "arraygrad.plugins.optim", "arraygrad.optim"):
        assert expected in DOCTEST_MODULES, f"{expected} has no docstring examples"


@pytest.mark.parametrize("module_name", DOCTEST_MODULES)
def test_docstring_examples_pass(module_name, monkeypatch):
    """``doctest`` over one module (what ``pytest --doctest-modules arraygrad`` runs, plus
    the backends and plugins that install inside the arraygrad namespace)."""
    tests = _doctests(module_name)
    # Examples may switch the backend or seed the RNG: restore the process default after.
    monkeypatch.setattr(ag.backend._registry, "default_name", "numpy")
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    out = io.StringIO()
    with ag.use_backend("numpy"):
        failed = sum(runner.run(test, out=out.write).failed for test in tests)
    assert failed == 0, f"{module_name}: {failed} doctest failures\n{out.getvalue()}"


def test_api_reference_is_up_to_date():
    page = ROOT / "docs" / "api.md"
    expected = gen_api.render()
    current = page.read_text(encoding="utf-8") if page.exists() else ""
    assert current == expected, "docs/api.md is stale: run `python docs/gen_api.py`"
