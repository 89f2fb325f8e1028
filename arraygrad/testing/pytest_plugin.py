"""The arraygrad pytest plugin (entry point ``pytest11``).

Gives every test suite a ``backend`` fixture parametrized over every declared backend:
available ones run (inside ``ag.use_backend``), unavailable ones are skipped with the
reason the backend failed to load. ``--arraygrad-backend NAME`` (repeatable, or
comma-separated) restricts the matrix.

For the conformance kit (:mod:`arraygrad.testing.conformance`): ``--arraygrad-quick`` runs
its quick tier (every capability once), and ``--arraygrad-summary FILE`` rewrites a JSON
summary after every check, so even a run that is killed leaves its partial result.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("arraygrad")
    group.addoption("--arraygrad-backend", action="append", default=None, metavar="NAME",
                    help="run backend-parametrized tests only on these arraygrad backends "
                         "(repeatable or comma-separated; default: every declared backend)")
    group.addoption("--arraygrad-quick", action="store_true", default=False,
                    help="conformance kit: run the quick tier only (every capability "
                         "checked once; no conformance verdict)")
    group.addoption("--arraygrad-summary", default=None, metavar="FILE",
                    help="conformance kit: rewrite this JSON summary after every check "
                         "(it survives an interrupted or killed run)")


def selected_backends(config: pytest.Config) -> list[str]:
    """Backend names for this session: the option's, else every declared backend."""
    from arraygrad.backend_registry import names

    chosen = config.getoption("--arraygrad-backend", default=None)
    if not chosen:
        return sorted(names())
    out: list[str] = []
    for item in chosen:
        out.extend(n.strip() for n in item.split(",") if n.strip())
    return out


def _param(name: str):
    from arraygrad.backend_registry import BackendError, get_backend, names

    if name not in names():
        return pytest.param(name, marks=pytest.mark.skip(
            reason=f"backend {name!r} is not declared by any installed plugin "
                   f"(declared: {', '.join(sorted(names()))})"))
    try:
        get_backend(name)
    except BackendError as exc:
        return pytest.param(name, marks=pytest.mark.skip(reason=str(exc)))
    return pytest.param(name)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        chosen = selected_backends(metafunc.config)
        metafunc.parametrize("backend", [_param(n) for n in chosen], ids=chosen,
                             indirect=True, scope="function")


@pytest.fixture
def backend(request: pytest.FixtureRequest):
    """The :class:`arraygrad.backend_registry.Backend` under test; it is the current backend."""
    import arraygrad as ag

    with ag.use_backend(request.param) as be:
        yield be


def pytest_report_header(config: pytest.Config) -> str:
    from arraygrad.backend_registry import available

    lines = [f"  {status}" for _name, status in sorted(available().items())]
    return "arraygrad backends:\n" + "\n".join(lines)
