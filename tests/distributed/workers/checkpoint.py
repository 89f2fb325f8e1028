"""Rank 0 writes a checkpoint, two ranks resume from it and match an uninterrupted run."""

import os
import sys

import numpy as np

import arraygrad as ag
import arraygrad.distributed as dist
from arraygrad import serialization
from arraygrad.nn.parallel import DistributedDataParallel as DDP

path = sys.argv[1]
dist.init_process_group("mpi", deterministic=True)
rank, world = dist.get_rank(), dist.get_world_size()
rng = np.random.default_rng(5)
X, Y = rng.standard_normal((12 * world * 4, 3)), rng.standard_normal((12 * world * 4, 1))

writes = []
_real_save = serialization.save
serialization.save = lambda obj, p: (writes.append(p), _real_save(obj, p))[1]


def fresh():
    ag.manual_seed(1)
    model = DDP(ag.nn.Sequential(ag.nn.Linear(3, 4), ag.nn.Tanh(), ag.nn.Linear(4, 1)).double())
    return model, ag.optim.Adam(model.parameters(), lr=0.05)


def train(model, opt, steps):
    for s in steps:
        lo = (s * world + rank) * 4
        x, y = ag.tensor(X[lo:lo + 4], dtype=ag.float64), ag.tensor(Y[lo:lo + 4], dtype=ag.float64)
        opt.zero_grad()
        ag.nn.functional.mse_loss(model(x), y).backward()
        opt.step()


model, opt = fresh()
train(model, opt, range(12))
straight = [p.detach().numpy().copy() for p in model.parameters()]

model, opt = fresh()
train(model, opt, range(6))
dist.save({"model": model.state_dict(), "optim": opt.state_dict(), "step": 6}, path)
assert (len(writes) == 1) == (rank == 0), f"rank {rank} wrote {len(writes)} files"
assert os.path.exists(path)

# a failed save (an unsavable object) raises on every rank and keeps the old file
before = open(path, "rb").read()
try:
    dist.save({"model": model.state_dict(), "bad": object()}, path)
except (TypeError, RuntimeError) as exc:
    assert rank == 0 or "rank 0 failed" in str(exc), exc
else:
    raise AssertionError("saving an object() must fail on every rank")
assert open(path, "rb").read() == before, "the previous checkpoint must stay intact"
dist.barrier()

model, opt = fresh()   # new processes would start here
ckpt = ag.load(path)
model.load_state_dict(ckpt["model"])
opt.load_state_dict(ckpt["optim"])
train(model, opt, range(ckpt["step"], 12))
resumed = [p.detach().numpy() for p in model.parameters()]
for a, b in zip(straight, resumed):
    assert np.array_equal(a, b), f"rank {rank}: resumed run differs by {np.abs(a - b).max()}"
dist.destroy_process_group()
print(f"checkpoint ok rank {rank}")
