"""Project test configuration.

The ``backend`` fixture comes from arraygrad's own pytest plugin (entry point ``pytest11``),
exactly as a user's suite gets it. JAX computes in float32 unless x64 is enabled before it
is imported; float64 gradient checks need it, so the test session enables it.

``python -m pytest`` runs on pytest-xdist workers (``-n auto`` in pyproject.toml's
``addopts``); :func:`pytest_xdist_auto_num_workers` below picks how many.
"""

import os

import pytest

os.environ.setdefault("JAX_ENABLE_X64", "1")
# XLA compiles every new op shape on the CPU, and the tests run thousands of tiny programs
# once each: without LLVM's optimisation passes the JAX op-table tests take 13% less CPU
# time (163 -> 142 s), and what they check (values, gradients, errors) is the same
os.environ.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=0")

# More workers than this buy little: every worker collects the whole suite (importing
# torch, JAX and scikit-learn, about 0.5 GiB each) and the longest tests run alone anyway.
MAX_WORKERS = 8


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _names_files_only(config: pytest.Config) -> bool:
    """Whether every path on the command line is a test file or a test id (no directory)."""
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        return False  # no paths given: the whole suite (testpaths)
    for arg in config.args:
        path = arg.split("::", 1)[0]
        if "::" not in arg and not os.path.isfile(os.path.join(config.invocation_params.dir,
                                                               path)):
            return False
    return True


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """How many workers ``-n auto`` starts.

    ``PYTEST_XDIST_AUTO_NUM_WORKERS`` wins when set (pytest-xdist's own variable). A command
    line that names only test files or test ids (``pytest tests/test_ops.py -k add``) runs
    in this process: starting workers costs more than such a selection takes. Otherwise one
    worker per usable CPU, at most :data:`MAX_WORKERS`. ``-n N`` or ``-n 0`` on the command
    line overrides all of this.
    """
    env = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS")
    if env:
        return int(env)
    if _names_files_only(config):
        return 0
    workers = min(_usable_cpus(), MAX_WORKERS)
    return workers if workers > 1 else 0  # one worker would only add its start-up


@pytest.fixture
def registered():
    """``registered(plugin, name)`` registers a plugin for one test; afterwards every plugin
    it registered is unregistered and the ``sgd``/``numpy`` preferences are reset."""
    from arraygrad.plugin_manager import prefer, register_plugin, unregister_plugin

    names = []

    def register(plugin, name):
        register_plugin(plugin, name=name)
        names.append(name)

    yield register
    for name in names:
        unregister_plugin(name=name)
    prefer("sgd", None)
    prefer("numpy", None)
