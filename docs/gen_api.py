"""Generate ``docs/api.md``, the API reference, from the docstrings.

Run ``python docs/gen_api.py`` after changing a public function, class or docstring;
``python docs/gen_api.py --check`` exits 1 when ``docs/api.md`` is stale. The walk over the
public API defined here (:data:`MODULES`, :func:`public_objects`, :func:`class_members`) is
also what ``tests/test_api_surface.py`` checks for docstrings. Standard library only.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

OUTPUT = Path(__file__).resolve().parent / "api.md"

# The public modules, in the order the reference presents them.
MODULES: tuple[str, ...] = (
    "arraygrad",
    "arraygrad.torch_compat",
    "arraygrad.autograd",
    "arraygrad.autograd.functional",
    "arraygrad.func",
    "arraygrad.compile",
    "arraygrad.nn",
    "arraygrad.nn.functional",
    "arraygrad.nn.init",
    "arraygrad.nn.utils",
    "arraygrad.nn.utils.rnn",
    "arraygrad.nn.modules",
    "arraygrad.nn.parallel",
    "arraygrad.optim",
    "arraygrad.optim.lr_scheduler",
    "arraygrad.optim.swa_utils",
    "arraygrad.plugins.optim",
    "arraygrad.utils.data",
    "arraygrad.utils.checkpoint",
    "arraygrad.amp",
    "arraygrad.cuda",
    "arraygrad.runtime_flags",
    "arraygrad.jit",
    "arraygrad.serialization",
    "arraygrad.distributed",
    "arraygrad.distributed.nn.functional",
    "arraygrad.distributions",
    "arraygrad.distributions.constraints",
    "arraygrad.sparse",
    "arraygrad.testing",
    "arraygrad.backends",
    "arraygrad.linalg",
    "arraygrad.fft",
    "arraygrad.special",
    "arraygrad.extend",
    "arraygrad.hookspecs",
    "arraygrad.plugin_manager",
)

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|exc|obj):`~?([^`]+)`")


def _defined_in_arraygrad(obj: object) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module == "arraygrad" or module.startswith("arraygrad.")


def public_objects(module: ModuleType) -> list[tuple[str, object]]:
    """The public functions and classes of ``module``, sorted by name.

    The names are ``module.__all__`` when the module declares it, else every name of
    ``dir(module)`` that does not start with ``_``; only functions and classes defined in
    arraygrad count (re-exported ``typing`` or ``collections.abc`` names do not).
    """
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name in dir(module) if not name.startswith("_")]
    found = []
    for name in sorted(names, key=str.lower):
        obj = getattr(module, name)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and _defined_in_arraygrad(obj):
            found.append((name, obj))
    return found


def _member_kind(raw: object) -> str | None:
    if isinstance(raw, property) or inspect.ismemberdescriptor(raw):
        return "property"
    if isinstance(raw, (staticmethod, classmethod)):
        return "method"
    if inspect.isfunction(raw):
        return "method"
    return None


def _own_classes(cls: type) -> list[type]:
    """``cls`` and its private bases (recursively, up to the first public ones)."""
    found = [cls]
    for base in cls.__bases__:
        if base is not object and base.__name__.startswith("_"):
            found += [c for c in _own_classes(base) if c not in found]
    return found


def class_members(cls: type) -> list[tuple[str, str, object]]:
    """The public methods and properties that ``cls`` itself defines, sorted by name.

    Returns ``(name, kind, member)`` triples, ``kind`` being ``"method"`` or
    ``"property"`` (``__slots__`` attributes count as properties); inherited members are
    listed on the base class that defines them, except that what a private base defines
    counts as the subclass's own.
    """
    own: dict[str, object] = {}
    for owner in reversed(_own_classes(cls)):  # a subclass's definition wins
        own.update(vars(owner))
    members = []
    for name, raw in sorted(own.items(), key=lambda item: item[0].lower()):
        if name.startswith("_"):
            continue
        kind = _member_kind(raw)
        if kind is not None:
            members.append((name, kind, getattr(cls, name)))
    return members


def docstring(obj: object, *, inherit: bool = True) -> str:
    """The cleaned docstring of ``obj`` (empty when it has none).

    A class counts only its own docstring; a method or property may inherit the docstring
    of the member it overrides when ``inherit`` is true.
    """
    if inspect.isclass(obj):
        doc = obj.__dict__.get("__doc__")
        return inspect.cleandoc(doc) if isinstance(doc, str) else ""
    if inspect.ismemberdescriptor(obj):  # a __slots__ attribute: its doc is in the dict
        doc = inspect.getdoc(obj)
        return doc if isinstance(doc, str) else ""
    doc = inspect.getdoc(obj) if inherit else obj.__doc__
    return inspect.cleandoc(doc) if isinstance(doc, str) else ""


def summary(obj: object) -> str:
    """The first paragraph of ``obj``'s docstring, on one line (Sphinx roles such as
    ``:func:`name``` become plain code spans)."""
    paragraph = docstring(obj).split("\n\n", 1)[0]
    return _ROLE.sub(r"`\1`", " ".join(paragraph.split()))


def _default(value: object) -> str:
    text = repr(value)
    return "..." if _ADDRESS.search(text) else text


def signature(obj: object, *, drop_first: bool = False) -> str:
    """``obj``'s parameters as ``(a, b=1, *, c=None)``, without annotations.

    Functions without an introspectable signature render as ``(...)``, such classes (most
    exceptions) as an empty string; ``drop_first`` drops ``self`` (for methods looked up
    on the class).
    """
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return "" if inspect.isclass(obj) else "(...)"
    params = list(sig.parameters.values())
    if drop_first and params and params[0].kind in (
        inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD
    ):
        params = params[1:]
    parts: list[str] = []
    star_done = False
    for i, param in enumerate(params):
        if param.kind is inspect.Parameter.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            parts.append(f"*{param.name}")
            star_done = True
        elif param.kind is inspect.Parameter.VAR_KEYWORD:
            parts.append(f"**{param.name}")
        elif param.default is inspect.Parameter.empty:
            parts.append(param.name)
        else:
            parts.append(f"{param.name}={_default(param.default)}")
        is_last_positional_only = param.kind is inspect.Parameter.POSITIONAL_ONLY and (
            i + 1 == len(params) or params[i + 1].kind is not inspect.Parameter.POSITIONAL_ONLY
        )
        if is_last_positional_only:
            parts.append("/")
    return "(" + ", ".join(parts) + ")"


def _entry(name: str, obj: object, namespace: object, *, drop_first: bool = False) -> str:
    real = getattr(obj, "__name__", name)
    if real != name and getattr(namespace, real, None) is obj:
        return f"`{name}` — alias of `{real}`."
    text = summary(obj)
    return f"`{name}{signature(obj, drop_first=drop_first)}`" + (f" — {text}" if text else "")


def _public_bases(cls: type) -> Iterator[str]:
    """The names of ``cls``'s bases; a private base stands for its own public bases."""
    for base in cls.__bases__:
        if base is object:
            continue
        if base.__name__.startswith("_"):
            yield from _public_bases(base)
        else:
            yield base.__name__


def _class_lines(name: str, cls: type, module: ModuleType) -> Iterator[str]:
    real = cls.__name__
    if real != name and getattr(module, real, None) is cls:
        yield f"- class `{name}` — alias of `{real}`."
        return
    bases = list(dict.fromkeys(_public_bases(cls)))
    base_text = f" ({', '.join(bases)})" if bases else ""
    yield f"- class `{name}{signature(cls)}`{base_text} — {summary(cls)}"
    for member_name, kind, member in class_members(cls):
        if kind == "property":
            text = summary(member)
            yield f"  - property `{member_name}`" + (f" — {text}" if text else "")
        else:
            raw = inspect.getattr_static(cls, member_name)
            bound = isinstance(raw, (staticmethod, classmethod))
            yield f"  - {_entry(member_name, member, cls, drop_first=not bound)}"


def _module_lines(module_name: str) -> Iterator[str]:
    module = importlib.import_module(module_name)
    yield f"## `{module_name}`"
    yield ""
    doc = summary(module)
    if doc:
        yield doc
        yield ""
    for name, obj in public_objects(module):
        if inspect.isclass(obj):
            yield from _class_lines(name, obj, module)
        else:
            yield f"- {_entry(name, obj, module)}"
    yield ""


def render() -> str:
    """The full text of ``docs/api.md``."""
    lines = [
        "# API reference",
        "",
        "Generated from the docstrings by `python docs/gen_api.py`; do not edit by hand",
        "(`tests/test_api_surface.py` fails when this page is stale). One line per function:",
        "its signature and the first paragraph of its docstring. A class lists the public",
        "methods and properties it defines; inherited ones sit on the base class.",
        "`help(name)` in Python shows the full docstring with its examples.",
        "",
    ]
    for module_name in MODULES:
        lines.extend(_module_lines(module_name))
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write ``docs/api.md`` (or, with ``--check``, exit 1 when it is stale)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when docs/api.md differs from the generated text")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is stale: run `python docs/gen_api.py`", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
