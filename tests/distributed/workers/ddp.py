"""DistributedDataParallel against a single-process reference (run under mpiexec).

The reference runs on every rank: one model that, each step, accumulates the gradients of
every rank's shard in rank order and divides by the world size. In deterministic mode the
DDP parameters must equal it bit for bit after 50 steps (SGD with momentum, and Adam); in
the default mode within rounding.
"""

import sys

import numpy as np

import arraygrad as ag
import arraygrad.distributed as dist
from arraygrad.nn.parallel import DistributedDataParallel as DDP

mode = sys.argv[1]
if len(sys.argv) > 2:
    ag.set_backend(sys.argv[2])
dist.init_process_group("mpi", deterministic=(mode == "det"))
rank, world = dist.get_rank(), dist.get_world_size()
STEPS, B = 50, 4
data_rng = np.random.default_rng(123)
X = data_rng.standard_normal((STEPS * world * B, 5))
Y = data_rng.integers(0, 3, STEPS * world * B)


def make_model(seed):
    ag.manual_seed(seed)
    return ag.nn.Sequential(ag.nn.Linear(5, 7), ag.nn.Tanh(), ag.nn.Linear(7, 3)).double()


def shard(step, r):
    lo = (step * world + r) * B
    return ag.tensor(X[lo:lo + B], dtype=ag.float64), ag.tensor(Y[lo:lo + B])


def loss_of(model, x, y):
    return ag.nn.functional.cross_entropy(model(x), y)


def params(model):
    return [p.detach().numpy().copy() for p in model.parameters()]


def compare(a, b, what, exact):
    for i, (p, q) in enumerate(zip(a, b)):
        same = np.array_equal(p, q) if exact else np.allclose(p, q, rtol=1e-10, atol=1e-12)
        if not same:
            raise AssertionError(f"rank {rank}: {what}: parameter {i} differs (max "
                                 f"{np.abs(p - q).max():.3g}, exact={exact})")


for opt_name in ("sgd", "adam"):
    def optimizer(m, opt_name=opt_name):
        if opt_name == "sgd":
            return ag.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
        return ag.optim.Adam(m.parameters(), lr=0.01)

    # Each rank initializes differently: DDP must broadcast rank 0's parameters.
    ddp = DDP(make_model(seed=rank), bucket_cap_mb=30 * 8 / 2**20)  # ~30 floats per bucket
    assert len(ddp.bucket_order) > 1, ddp.bucket_order
    ref = make_model(seed=0)
    compare(params(ddp.module), params(ref), "after broadcast", exact=True)
    opt, ref_opt = optimizer(ddp), optimizer(ref)
    for step in range(STEPS):
        opt.zero_grad()
        loss_of(ddp, *shard(step, rank)).backward()
        opt.step()
        ref_opt.zero_grad()
        for r in range(world):
            loss_of(ref, *shard(step, r)).backward()
        with ag.no_grad():
            for p in ref.parameters():
                p.grad = p.grad / world
        ref_opt.step()
    compare(params(ddp.module), params(ref), f"{opt_name} after {STEPS} steps",
            exact=(mode == "det"))
    everyone = [None] * world
    dist.all_gather_object(everyone, [p.tobytes() for p in params(ddp.module)])
    assert all(e == everyone[0] for e in everyone), "replicas diverged"

# no_sync: two local micro-batches, then a synchronized one; grads are the rank-order
# average of each rank's local sum (ga + gb) + gc.
ddp = DDP(make_model(seed=0))
ref = make_model(seed=0)
for p in ddp.parameters():
    p.grad = None
with ddp.no_sync():
    loss_of(ddp, *shard(0, rank)).backward()
    loss_of(ddp, *shard(1, rank)).backward()
loss_of(ddp, *shard(2, rank)).backward()
local = []
for r in range(world):
    ref.zero_grad()
    for s in range(3):
        loss_of(ref, *shard(s, r)).backward()
    local.append([p.grad.numpy().copy() for p in ref.parameters()])
expected = []
for i in range(len(local[0])):
    acc = local[0][i].copy()
    for r in range(1, world):
        acc += local[r][i]
    expected.append(acc / world)
compare([p.grad.numpy() for p in ddp.parameters()], expected, "no_sync accumulation",
        exact=(mode == "det"))


# find_unused_parameters: rank 0 uses both heads, the others only head a.
class TwoHeads(ag.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = ag.nn.Linear(5, 3)
        self.b = ag.nn.Linear(5, 3)
        self.never = ag.nn.Linear(5, 3)

    def forward(self, x, use_b):
        return self.a(x) + self.b(x) if use_b else self.a(x)


ag.manual_seed(0)
net = TwoHeads().double()
ddp = DDP(net, find_unused_parameters=True)
x = ag.tensor(X[:4] + rank, dtype=ag.float64)
ddp(x, rank == 0).sum().backward()
gb = net.b.weight.grad.numpy()
ag.manual_seed(0)
ref = TwoHeads().double()
ref(ag.tensor(X[:4], dtype=ag.float64), True).sum().backward()
compare([gb], [ref.b.weight.grad.numpy() / world], "partly unused head", exact=False)
assert net.never.weight.grad is None, "a parameter no rank used must keep grad None"

# without find_unused_parameters an unused parameter makes the next forward raise
ddp = DDP(TwoHeads().double())
ddp(x, True).sum().backward()  # self.never gets no gradient
try:
    ddp(x, True)
except RuntimeError as exc:
    assert "find_unused_parameters=True" in str(exc) and "never.weight" in str(exc), exc
else:
    raise AssertionError("an unused parameter without find_unused_parameters must raise")

# a forward whose output gets no backward: the next forward says so; no_grad forwards are free
ddp = DDP(make_model(seed=0))
xb = shard(0, rank)[0]
with ag.no_grad():
    ddp(xb)
    ddp(xb)
ddp(xb)
try:
    ddp(xb)
except RuntimeError as exc:
    assert "got no backward()" in str(exc), exc
else:
    raise AssertionError("a forward without backward must make the next forward raise")
ddp(xb).sum().backward()  # usable again

# state_dict is the wrapped module's (no "module." prefix)
assert list(ddp.state_dict()) == list(ddp.module.state_dict()), list(ddp.state_dict())

# dropout draws differ per rank and are reproducible
masks = []
for _ in range(2):
    dist.manual_seed(7)
    masks.append(ag.nn.functional.dropout(ag.ones(64), 0.5).numpy())
assert np.array_equal(masks[0], masks[1]), "same seed, same rank: same mask"
allm = [None] * world
dist.all_gather_object(allm, masks[0].tobytes())
assert len(set(allm)) == world, "each rank must draw its own dropout mask"

dist.destroy_process_group()
print(f"ddp ok rank {rank}/{world} {mode}")
