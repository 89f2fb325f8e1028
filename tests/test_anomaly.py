"""``ag.autograd.detect_anomaly`` / ``set_detect_anomaly`` against PyTorch's."""

from __future__ import annotations

import warnings

import pytest

import arraygrad as ag
from arraygrad import anomaly_mode

torch = pytest.importorskip("torch")


def _nan_program(m):
    x = m.tensor([0.0, 1.0], requires_grad=True)
    return x, (x * m.log(x)).sum()  # log's backward at 0 is 0/0 = nan


def _first_line(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError) as err:
            fn()
    return str(err.value).splitlines()[0]


def test_nan_in_backward_raises_naming_the_node_as_torch():
    def run(m):
        with m.autograd.detect_anomaly():
            _, y = _nan_program(m)
            y.backward()

    ours, theirs = _first_line(lambda: run(ag)), _first_line(lambda: run(torch))
    # PyTorch numbers its backward classes (LogBackward0); the rest of the line is the same.
    assert theirs == "Function 'LogBackward0' returned nan values in its 0th output."
    assert ours.startswith("Function 'LogBackward' returned nan values in its 0th output.")


def test_the_error_shows_where_the_op_was_recorded():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with ag.autograd.detect_anomaly(), pytest.raises(RuntimeError) as err:
            _, y = _nan_program(ag)
            y.backward()
    assert "test_anomaly.py" in str(err.value) and "_nan_program" in str(err.value)
    assert "arraygrad/ops" not in str(err.value)  # only the caller's frames


def test_without_anomaly_mode_nan_flows_as_in_torch():
    for m in (ag, torch):
        x, y = _nan_program(m)
        y.backward()
        assert x.grad.isnan().tolist() == [True, False]


def test_check_nan_false_and_set_detect_anomaly_as_function_and_context():
    with ag.autograd.set_detect_anomaly(True, check_nan=False):
        assert ag.autograd.is_anomaly_enabled() and not ag.is_anomaly_check_nan_enabled()
        x, y = _nan_program(ag)
        y.backward()  # no NaN check: the gradient is computed as without the mode
        assert x.grad.isnan().tolist() == [True, False]
    assert not ag.is_anomaly_enabled() and ag.is_anomaly_check_nan_enabled()
    ag.autograd.set_detect_anomaly(True)
    try:
        assert ag.autograd.is_anomaly_enabled()
    finally:
        ag.autograd.set_detect_anomaly(False)
    assert not ag.autograd.is_anomaly_enabled()


def test_entering_warns_and_decorator_form():
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        with ag.autograd.detect_anomaly():
            pass

    @ag.autograd.detect_anomaly()
    def inside():
        return ag.autograd.is_anomaly_enabled()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert inside() is True
    assert not ag.autograd.is_anomaly_enabled()


def test_any_backward_error_warns_with_the_forward_stack():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with ag.autograd.detect_anomaly():
            y = ag.exp(x)
            y.add_(1.0)  # exp saves its output: backward must refuse
            with pytest.warns(RuntimeWarning, match="Error detected in ExpBackward"), \
                    pytest.raises(RuntimeError, match="modified by an inplace operation"):
                y.sum().backward()


def test_stacks_are_kept_only_while_on_and_die_with_the_graph():
    anomaly_mode.FORWARD_STACKS.clear()
    y = ag.exp(ag.tensor([1.0], requires_grad=True))
    assert len(anomaly_mode.FORWARD_STACKS) == 0
    with ag.autograd.set_detect_anomaly(True):
        y = ag.exp(ag.tensor([1.0], requires_grad=True))
    assert len(anomaly_mode.FORWARD_STACKS) == 1
    del y
    assert len(anomaly_mode.FORWARD_STACKS) == 0
