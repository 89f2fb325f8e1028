"""The Array-API ``fft`` extension over Tensors: ``ag.fft.fft(x)``, ``ag.fft.rfftn(x)``...

Every transform is differentiable; gradients follow PyTorch's complex convention and
agree with ``torch.fft``. See docs/ops.md.

Examples
--------
>>> import arraygrad as ag
>>> x = ag.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
>>> ag.fft.rfft(x).tolist()[0]
(10+0j)
>>> ag.fft.irfft(ag.fft.rfft(x), n=4).sum().backward()
>>> x.grad.tolist()
[1.0, 1.0, 1.0, 1.0]
"""

from __future__ import annotations

from arraygrad.ops.fft import (
    fft,
    fftfreq,
    fftn,
    fftshift,
    hfft,
    ifft,
    ifftn,
    ifftshift,
    ihfft,
    irfft,
    irfftn,
    rfft,
    rfftfreq,
    rfftn,
)

__all__ = ["fft", "ifft", "fftn", "ifftn", "rfft", "irfft", "rfftn", "irfftn", "hfft",
           "ihfft", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]
