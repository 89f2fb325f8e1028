"""The jax engine: collectives and DDP across 2 JAX processes (started by the launcher)."""

import time

import numpy as np

import arraygrad.distributed as dist

dist.init_process_group("jax", deterministic=True)   # before JAX computes anything
import arraygrad as ag  # noqa: E402
from arraygrad.nn.parallel import DistributedDataParallel as DDP  # noqa: E402

ag.set_backend("jax")
rank, world = dist.get_rank(), dist.get_world_size()
t = ag.tensor([1.0, 2.0]) * (rank + 1)
dist.all_reduce(t)
assert t.tolist() == [3.0, 6.0], t
outs = [ag.zeros(2) for _ in range(world)]
dist.all_gather(outs, ag.tensor([float(rank)] * 2))
assert [o.tolist() for o in outs] == [[0.0, 0.0], [1.0, 1.0]]
b = ag.tensor([float(rank)])
dist.broadcast(b, src=1)
assert b.tolist() == [1.0]
o = ag.zeros(2)
dist.reduce_scatter_tensor(o, ag.tensor([1.0, 2.0, 3.0, 4.0]) * (rank + 1))
assert o.tolist() == ([3.0, 6.0] if rank == 0 else [9.0, 12.0]), o
# Asynchronous collectives: dispatched at once (rank 1 joins a second later), completed by
# wait(); several in flight complete in dispatch order, each with its own result. XLA:CPU
# runs programs of under 1000 flops inline, so the timed one reduces 4096 floats.
pg = dist.group.WORLD
big = np.full(4096, float(rank + 1), np.float32)
pg.allreduce(big, dist.ReduceOp.SUM)  # compiled here, before the timed dispatch
if rank == 1:
    time.sleep(1.0)
start = time.perf_counter()
work = pg.allreduce(big, dist.ReduceOp.SUM, async_op=True)
took = time.perf_counter() - start
if rank == 0:
    assert took < 0.5 and not work.is_completed(), (took, "async all_reduce waited")
work.wait()
assert work.is_completed() and np.array_equal(np.asarray(work.value), np.full(4096, 3.0))
ts = [ag.tensor([1.0, 2.0]) * (rank + k) for k in range(3)]
works = [dist.all_reduce(x, async_op=True) for x in ts]
for w in reversed(works):
    w.wait()
assert [x.tolist() for x in ts] == [[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]], ts
b = ag.tensor([float(rank)])
w = dist.broadcast(b, src=1, async_op=True)
assert w.wait() and b.tolist() == [1.0], b
g = [ag.zeros(2) for _ in range(world)] if rank == 1 else None
w = dist.gather(ag.tensor([float(rank)] * 2), g, dst=1, async_op=True)
w.wait()
assert g is None or [o.tolist() for o in g] == [[0.0, 0.0], [1.0, 1.0]], g
try:
    dist.all_reduce(ag.ones(2 + rank))
except dist.CollectiveMismatchError:
    pass
else:
    raise AssertionError("mismatched shapes must raise")

rng = np.random.default_rng(0)
X = rng.standard_normal((world * 8, 4)).astype(np.float32)
Y = rng.standard_normal((world * 8, 1)).astype(np.float32)
ag.manual_seed(rank)
model = DDP(ag.nn.Sequential(ag.nn.Linear(4, 8), ag.nn.Tanh(), ag.nn.Linear(8, 1)))
ag.manual_seed(0)
ref = ag.nn.Sequential(ag.nn.Linear(4, 8), ag.nn.Tanh(), ag.nn.Linear(8, 1))
ref.load_state_dict(model.state_dict())
opt, ref_opt = ag.optim.SGD(model.parameters(), lr=0.1), ag.optim.SGD(ref.parameters(), lr=0.1)


def batch(r):
    return ag.tensor(X[r::world], backend="jax"), ag.tensor(Y[r::world], backend="jax")


for _ in range(5):
    opt.zero_grad()
    xs, ys = batch(rank)
    ag.nn.functional.mse_loss(model(xs), ys).backward()
    opt.step()
    ref_opt.zero_grad()
    for r in range(world):
        xr, yr = batch(r)
        ag.nn.functional.mse_loss(ref(xr), yr).backward()
    with ag.no_grad():
        for p in ref.parameters():
            p.grad = p.grad / world
    ref_opt.step()
for p, q in zip(model.parameters(), ref.parameters()):
    assert np.array_equal(p.detach().numpy(), q.detach().numpy()), (p, q)
dist.destroy_process_group()
print(f"jax ok rank {rank}")
