"""``ag.autograd``: functional gradients, custom functions and gradient checks."""

from arraygrad.autograd.function import Function, FunctionCtx
from arraygrad.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from arraygrad.engine import backward, grad

__all__ = ["backward", "grad", "Function", "FunctionCtx", "gradcheck", "gradgradcheck",
           "GradcheckError"]
