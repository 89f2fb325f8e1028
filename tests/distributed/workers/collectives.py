"""Every collective against values each rank can compute itself (run under mpiexec)."""

import sys

import numpy as np

import arraygrad as ag
import arraygrad.distributed as dist

backend_name = sys.argv[1] if len(sys.argv) > 1 else "numpy"
deterministic = len(sys.argv) > 2 and sys.argv[2] == "det"
ag.set_backend(backend_name)
dist.init_process_group("mpi", deterministic=deterministic, progress_thread=True)
rank, world = dist.get_rank(), dist.get_world_size()
R = np.arange(world, dtype=np.float64)


def val(r):
    return np.arange(6, dtype=np.float64).reshape(2, 3) * (r + 1) + r


def check(t, expected, what):
    got = np.asarray(t.detach().numpy() if isinstance(t, ag.Tensor) else t)
    if not np.array_equal(got, np.asarray(expected)):
        raise AssertionError(f"rank {rank}: {what}: got {got}, expected {expected}")


everyone = np.stack([val(r) for r in range(world)])
for op, ref in [(dist.ReduceOp.SUM, everyone.sum(0)), (dist.ReduceOp.MAX, everyone.max(0)),
                (dist.ReduceOp.MIN, everyone.min(0)), (dist.ReduceOp.PRODUCT, everyone.prod(0)),
                (dist.ReduceOp.AVG, everyone.sum(0) / world)]:
    t = ag.tensor(val(rank), dtype=ag.float64)
    v0 = t._version_number
    assert dist.all_reduce(t, op=op) is None
    check(t, ref, f"all_reduce {op}")
    assert t._version_number > v0, "all_reduce must bump the version counter"

# async all_reduce: the result lands at wait()
t = ag.tensor(val(rank), dtype=ag.float64)
work = dist.all_reduce(t, async_op=True)
work.wait()
assert work.is_completed()
check(t, everyone.sum(0), "async all_reduce")

# all_reduce on a view writes through to the base
base = ag.tensor(np.zeros((3, 4)) + rank, dtype=ag.float64)
view = base[1]
dist.all_reduce(view)
expected = np.zeros((3, 4)) + rank
expected[1] = R.sum()
if ag.get_backend(backend_name).mutable:
    check(base, expected, "all_reduce through a view")

t = ag.tensor(val(rank), dtype=ag.float64)
dist.broadcast(t, src=world - 1)
check(t, val(world - 1), "broadcast")

outs = [ag.zeros(2, 3, dtype=ag.float64) for _ in range(world)]
dist.all_gather(outs, ag.tensor(val(rank), dtype=ag.float64))
for r in range(world):
    check(outs[r], val(r), f"all_gather[{r}]")

cat = ag.zeros(2 * world, 3, dtype=ag.float64)
dist.all_gather_into_tensor(cat, ag.tensor(val(rank), dtype=ag.float64))
check(cat, np.concatenate([val(r) for r in range(world)]), "all_gather_into_tensor")
stk = ag.zeros(world, 2, 3, dtype=ag.float64)
w = dist.all_gather_into_tensor(stk, ag.tensor(val(rank), dtype=ag.float64), async_op=True)
w.wait()
check(stk, everyone, "all_gather_into_tensor stacked")

# reduce_scatter: rank r's input_list[k] = val(r) + k; rank k gets sum_r (val(r) + k)
out = ag.zeros(2, 3, dtype=ag.float64)
dist.reduce_scatter(out, [ag.tensor(val(rank) + k, dtype=ag.float64) for k in range(world)])
check(out, everyone.sum(0) + world * rank, "reduce_scatter")
big = ag.tensor(np.concatenate([val(rank) + k for k in range(world)]), dtype=ag.float64)
out = ag.zeros(2, 3, dtype=ag.float64)
dist.reduce_scatter_tensor(out, big, op=dist.ReduceOp.AVG)
check(out, everyone.sum(0) / world + rank, "reduce_scatter_tensor AVG")

t = ag.tensor(val(rank), dtype=ag.float64)
dist.reduce(t, dst=1 % world)
check(t, everyone.sum(0) if rank == 1 % world else val(rank), "reduce")

glist = [ag.zeros(2, 3, dtype=ag.float64) for _ in range(world)] if rank == 0 else None
dist.gather(ag.tensor(val(rank), dtype=ag.float64), glist, dst=0)
if rank == 0:
    for r in range(world):
        check(glist[r], val(r), f"gather[{r}]")

t = ag.zeros(2, 3, dtype=ag.float64)
slist = [ag.tensor(val(r) * 10, dtype=ag.float64) for r in range(world)] if rank == 0 else None
dist.scatter(t, slist, src=0)
check(t, val(rank) * 10, "scatter")

# integer tensors
t = ag.tensor([rank, 2 * rank], dtype=ag.int64)
dist.all_reduce(t)
check(t, [R.sum(), 2 * R.sum()], "int all_reduce")

objs = [None] * world
dist.all_gather_object(objs, {"rank": rank})
assert objs == [{"rank": r} for r in range(world)], objs
lst = [rank, "x"] if rank == 0 else [None, None]
dist.broadcast_object_list(lst, src=0)
assert lst == [0, "x"], lst

# differentiable functional collectives
from arraygrad.distributed.nn import functional as dfn  # noqa: E402

x = ag.tensor(val(rank), dtype=ag.float64, requires_grad=True)
y = dfn.all_reduce(x)
check(y, everyone.sum(0), "functional all_reduce")
(y * (rank + 1)).sum().backward()   # d/dx_r sum_k (k+1) * sum_j x_j = sum_k (k+1)
check(x.grad, np.full((2, 3), (R + 1).sum()), "functional all_reduce grad")

x = ag.tensor(val(rank), dtype=ag.float64, requires_grad=True)
parts = dfn.all_gather(x)
for r in range(world):
    check(parts[r], val(r), f"functional all_gather[{r}]")
loss = sum(((k + 1) * (rank + 1)) * parts[k].sum() for k in range(world))
loss.backward()  # d/dx_r = sum over ranks q of (r+1)(q+1)
check(x.grad, np.full((2, 3), (rank + 1) * (R + 1).sum()), "functional all_gather grad")

x = ag.tensor(val(rank), dtype=ag.float64, requires_grad=True)
b = dfn.broadcast(x, src=0)
check(b, val(0), "functional broadcast")
(b * (rank + 1)).sum().backward()
check(x.grad, np.full((2, 3), (R + 1).sum() if rank == 0 else 0.0), "functional broadcast grad")

xs = [ag.tensor(val(rank) + k, dtype=ag.float64, requires_grad=True) for k in range(world)]
rs = dfn.reduce_scatter(None, xs)
check(rs, everyone.sum(0) + world * rank, "functional reduce_scatter")
(rs * (rank + 1)).sum().backward()   # d/d xs[k] on rank r = (k+1)
for k in range(world):
    check(xs[k].grad, np.full((2, 3), k + 1.0), f"functional reduce_scatter grad[{k}]")

# second order: y = all_reduce(x**2); dy/dx = 2x summed...; grad of grad flows through
x = ag.tensor([1.0 + rank], dtype=ag.float64, requires_grad=True)
y = dfn.all_reduce(x * x).sum()
(g,) = ag.autograd.grad(y, x, create_graph=True)
check(g, [2.0 * (1 + rank) * world], "create_graph first order")
(h,) = ag.autograd.grad(g.sum(), x)
check(h, [2.0 * world], "create_graph second order")  # g_q depends on x_q only

# an asynchronous all-reduce completes while this thread makes no MPI call (the engine's
# progress thread drives it), so it overlaps with computation
import time  # noqa: E402

pg = dist.group.WORLD
assert pg._progress.threaded, "mpi4py initializes MPI with MPI_THREAD_MULTIPLE"
big = ag.ones(1 << 20, dtype=ag.float64)
work = dist.all_reduce(big, async_op=True)
deadline = time.monotonic() + 20
while pg._progress._pending and time.monotonic() < deadline:
    time.sleep(0.01)
assert not pg._progress._pending, "the progress thread did not complete the all_reduce"
work.wait()
check(big, np.full(1 << 20, float(world)), "async all_reduce driven by the progress thread")

dist.barrier()
dist.destroy_process_group()
print(f"collectives ok rank {rank}/{world} {backend_name} det={deterministic}")
