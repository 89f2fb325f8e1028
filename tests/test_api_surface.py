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
    missing = _undocumented()
    assert not missing, (
        f"{len(missing)} public names have no docstring (add a numpydoc docstring; one line "
        f"is fine for simple functions):\n  " + "\n  ".join(missing))


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
    # The built-in plugins are packages like any other; walking their own paths as well
    # keeps the walk right even for an install that maps them elsewhere.
    names = ["arraygrad", "arraygrad.backends", "arraygrad.plugins"]
    for package in (ag, importlib.import_module("arraygrad.backends"),
                    importlib.import_module("arraygrad.plugins")):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            leaf = info.name.rpartition(".")[2]
            if not (leaf.startswith("test_") or leaf == "conftest"):
                names.append(info.name)
    return sorted(set(names))


OPTIONAL_LIBRARIES = {"jax", "jaxlib", "cupy", "cupyx", "torch"}


def _doctests(module_name: str) -> list[doctest.DocTest]:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:  # a backend's private module needs its library
        if exc.name in OPTIONAL_LIBRARIES:
            return []
        raise
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
    monkeypatch.setattr(ag.backend_registry._registry, "default_name", "numpy")
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


def test_tensor_stub_is_up_to_date():
    """Type checkers read arraygrad/tensor.pyi; it must declare every installed method."""
    from arraygrad import _tensor_stub

    current = _tensor_stub.STUB_PATH.read_text(encoding="utf-8")
    assert current == _tensor_stub.render(), (
        "arraygrad/tensor.pyi is stale: run `python -m arraygrad._tensor_stub`")


def test_tensor_stub_declares_every_public_member():
    from arraygrad import _tensor_stub

    stub = _tensor_stub.STUB_PATH.read_text(encoding="utf-8")
    missing = [name for name in dir(ag.Tensor) if not name.startswith("_")
               and f" {name}(" not in stub and f" {name}:" not in stub]
    assert not missing, f"members absent from tensor.pyi: {missing}"


# Subpackages that are part of the public namespace (the others are the core's modules,
# reachable as attributes only because importing a submodule sets one).
PUBLIC_SUBMODULES = {"amp", "autograd", "backends", "cuda", "data", "distributed",
                     "distributions", "extend", "fft", "func", "jit", "linalg", "nn", "optim",
                     "random", "serialization", "sparse", "special", "utils"}


def test_namespace_all_lists_every_public_name():
    """``arraygrad.__all__`` (what type checkers treat as exported) is exactly the public
    names: a function added to the namespace without it would be invisible to mypy's
    strict mode and pyright."""
    import types
    public = {n for n, v in vars(ag).items()
              if not n.startswith("_") and not isinstance(v, types.ModuleType)}
    dunder = {"__version__", "__array_namespace_info__", "__array_api_version__"} & set(vars(ag))
    expected = public | PUBLIC_SUBMODULES | dunder
    listed = set(ag.__all__)
    assert not expected - listed, f"public but missing from __all__: {sorted(expected - listed)}"
    assert not listed - expected, f"in __all__ but not public: {sorted(listed - expected)}"
    assert len(ag.__all__) == len(listed), "a name is listed twice"
