"""``ag.autograd``: functional gradients, custom functions and gradient checks
(``ag.autograd.functional``: Jacobians, Hessians and vector products)."""

from arraygrad.anomaly_mode import (
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_detect_anomaly,
)
from arraygrad.autograd import functional
from arraygrad.autograd.function import Function, FunctionCtx
from arraygrad.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from arraygrad.engine import backward, grad
from arraygrad.grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled

__all__ = ["backward", "grad", "Function", "FunctionCtx", "gradcheck", "gradgradcheck",
           "GradcheckError", "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled", "functional", "no_grad", "enable_grad",
           "set_grad_enabled", "inference_mode"]
