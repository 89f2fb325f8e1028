"""The one registry rule (arraygrad.plugin_manager.PluginRegistry) for backends, optimizers
and data sources: built-ins can't be replaced silently, broken plugins break only
themselves, blocking the built-in optim plugin really removes its optimizers."""

from __future__ import annotations

import subprocess
import sys

import pytest

import arraygrad as ag
from arraygrad.backend_registry import BackendSpec
from arraygrad.hookspecs import hookimpl
from arraygrad.plugin_manager import prefer


class MySGD(ag.optim.Optimizer):
    """An impostor 'sgd' (steps by the sign of the gradient)."""

    name = "sgd"

    def __init__(self, params, lr=0.1):
        super().__init__(params, {"lr": lr})

    def update(self, xp, param, grad, state, group):
        return param - group["lr"] * xp.sign(grad), state


class ClashingOptimizers:
    @hookimpl
    def arraygrad_optimizers(self):
        return {"SGD": MySGD, "mysgd": MySGD}


def test_optimizer_name_clash_is_reported_and_the_builtin_kept(registered):
    builtin = ag.optim.SGD
    registered(ClashingOptimizers(), "clasher")
    report = ag.optim.available()
    assert report["sgd"] == "optim" and report["mysgd"] == "clasher"
    message = report["<clasher>:sgd"]
    assert "built-in plugin 'optim'" in message and "prefer('sgd', 'clasher')" in message
    assert ag.optim.SGD is builtin and ag.optim.get("sgd") is builtin
    prefer("sgd", "clasher")  # the explicit opt-in
    assert ag.optim.get("SGD") is MySGD and ag.optim.available()["sgd"] == "clasher"
    assert not any(k.startswith("<") for k in ag.optim.available())
    prefer("sgd", None)
    assert ag.optim.get("sgd") is builtin


class BadHook:
    def __init__(self, how):
        self.how = how

    @hookimpl
    def arraygrad_optimizers(self):
        if self.how == "raise":
            raise RuntimeError("optimizer plugin misconfigured")
        if self.how == "exit":
            sys.exit(3)
        if self.how == "type":
            return ["sgd"]
        return {"broken": 42, "fine": MySGD}


@pytest.mark.parametrize("how,expected", [
    ("raise", "RuntimeError: optimizer plugin misconfigured"),
    ("exit", "SystemExit: 3"),
    ("type", "returned a list, not a dict"),
])
def test_broken_optimizer_hook_breaks_only_itself(registered, how, expected):
    registered(BadHook(how), f"bad-{how}")
    report = ag.optim.available()
    assert expected in report[f"<bad-{how}>"] and f"bad-{how}" in report[f"<bad-{how}>"]
    w = ag.nn.Parameter(ag.tensor([1.0]))
    opt = ag.optim.create("adam", [w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    assert ag.optim.SGD.__name__ == "SGD"


def test_malformed_entry_is_reported_and_the_plugins_other_entries_count(registered):
    registered(BadHook("entry"), "half-bad")
    report = ag.optim.available()
    assert "not an optimizer class" in report["<half-bad>:broken"]
    assert report["fine"] == "half-bad" and "broken" not in report


class ClashingBackend:
    @hookimpl
    def arraygrad_backends(self):
        return [BackendSpec("numpy", lambda: ag.get_backend("array_api_strict"), "impostor"),
                "not a spec"]


def test_backend_name_clash_is_reported_and_the_builtin_kept(registered):
    registered(ClashingBackend(), "backend-clasher")
    report = ag.backends.available(load=False)
    clash = report["<backend-clasher>:numpy"]
    assert not clash.ok and "built-in plugin 'numpy'" in clash.error
    assert "prefer('numpy', 'backend-clasher')" in clash.error
    assert any("not an arraygrad.backend_registry.BackendSpec" in s.error for k, s in report.items()
               if k.startswith("<backend-clasher>"))
    assert report["numpy"].plugin == "numpy"
    assert ag.ones(1, backend="numpy").backend.name == "numpy"
    from arraygrad import cli

    assert any("<backend-clasher>:numpy" in line and "prefer(" in line
               for line in cli.backends_report(load=False))


def _raising_plugin(hook):
    """A plugin whose implementation of ``hook`` raises."""
    def implementation(self):
        raise ValueError("misconfigured plugin")

    return type("RaisingPlugin", (), {hook: hookimpl(implementation)})()


@pytest.mark.parametrize("hook,report,error_of,builtin_ok", [
    ("arraygrad_backends", lambda: ag.backends.available(load=False),
     lambda entry: "" if entry.ok else entry.error, lambda r: r["numpy"].ok),
    ("arraygrad_datasets", lambda: ag.data.available_datasets(), lambda entry: entry,
     lambda r: r["digits"] == "data"),
], ids=["backends", "data sources"])
def test_hook_that_raises_is_reported_and_breaks_only_itself(registered, hook, report,
                                                             error_of, builtin_ok):
    registered(_raising_plugin(hook), "raising-plugin")
    assert ag.ones(1, backend="numpy").item() == 1.0
    out = report()
    assert "misconfigured plugin" in error_of(out["<raising-plugin>"])
    assert builtin_ok(out)


BLOCKED_OPTIM = (  # blocking the built-in optim plugin really removes its optimizers
    "assert ag.optim.available() == {}, ag.optim.available()\n"
    "try:\n"
    "    ag.optim.SGD\n"
    "except AttributeError as err:\n"
    "    assert \"'optim' plugin, which is blocked\" in str(err), err\n"
    "else:\n"
    "    raise AssertionError('ag.optim.SGD survived blocking the optim plugin')\n"
    "try:\n"
    "    ag.optim.create('adam', [ag.nn.Parameter(ag.zeros(1))])\n"
    "except KeyError as err:\n"
    "    assert 'blocked' in str(err), err\n"
    "else:\n"
    "    raise AssertionError('create found a blocked optimizer')\n"
    "assert ag.optim.Optimizer and ag.optim.lr_scheduler.StepLR\n"
)
BLOCKED_BACKEND = (  # a blocked entry point never loads
    "assert 'array_api_strict' not in ag.backends.available(), ag.backends.available()\n"
    "assert get_plugin_manager().is_blocked('array_api_strict')\n"
    "assert ag.ones(2).backend.name == 'numpy'\n"
    "try:\n"
    "    ag.get_backend('array_api_strict')\n"
    "except ValueError as err:\n"
    "    assert 'unknown backend' in str(err)\n"
    "else:\n"
    "    raise AssertionError('a blocked backend loaded')\n"
)


@pytest.mark.parametrize("plugin,checks", [("optim", BLOCKED_OPTIM),
                                           ("array_api_strict", BLOCKED_BACKEND)])
def test_blocking_a_plugin_before_import_removes_what_it_provides(plugin, checks):
    # JAX and torch are made unimportable: ag.backends.available() still tries to load
    # every declared backend, but the jax and torch ones fail at once instead of importing
    # their libraries (45 s -> 7 s for this subprocess on the loaded 2-core machine).
    code = ("import sys\nsys.modules['jax'] = sys.modules['torch'] = None\n"
            "from arraygrad.plugin_manager import block_plugin, get_plugin_manager\n"
            f"block_plugin({plugin!r})\n"
            "import arraygrad as ag\n" + checks)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr


class ReentrantHook:
    @hookimpl
    def arraygrad_optimizers(self):
        return {"again": ag.optim.SGD}  # looks up the registry being built


def test_hook_that_uses_the_registry_it_declares_into_is_reported(registered):
    registered(ReentrantHook(), "reentrant")
    report = ag.optim.available()  # returns (no deadlock)
    assert "look names up outside the hook" in report["<reentrant>"]
    assert report["sgd"] == "optim"
