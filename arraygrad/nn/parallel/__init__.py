"""``arraygrad.nn.parallel``: data parallelism across processes (PyTorch's
``torch.nn.parallel``). See docs/distributed.md.

Examples
--------
>>> import arraygrad as ag
>>> ag.nn.parallel.DistributedDataParallel.__name__
'DistributedDataParallel'
"""

from arraygrad.nn.parallel.distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
