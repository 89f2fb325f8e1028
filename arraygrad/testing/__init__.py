"""Testing tools: ``gradcheck``, the pytest plugin (``backend`` fixture) and the backend
conformance kit (``pytest --pyargs arraygrad.testing.conformance --arraygrad-backend NAME``).
"""

from arraygrad.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError", "assert_close"]


def assert_close(actual, expected, *, rtol: float = 1e-5, atol: float = 1e-8,
                 msg: str = "") -> None:
    """Assert two tensors/arrays are elementwise close, naming shapes on failure."""
    import numpy as np

    from arraygrad.tensor import Tensor

    def host(x):
        if isinstance(x, Tensor):
            return np.asarray(x.detach().numpy())
        if hasattr(x, "detach"):  # a torch tensor
            return x.detach().cpu().numpy()
        return np.asarray(x)

    a, e = host(actual), host(expected)
    if a.shape != e.shape:
        raise AssertionError(f"{msg}shape mismatch: actual {a.shape}, expected {e.shape}")
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, err_msg=msg, equal_nan=True)
