"""Bad input across ranks: every rank raises a clear error; a hung rank times out."""

import sys
import time

import arraygrad as ag
import arraygrad.distributed as dist

scenario = sys.argv[1]

if scenario == "mismatch":
    dist.init_process_group("mpi")
    rank = dist.get_rank()
    try:
        dist.init_process_group("mpi")
    except RuntimeError as exc:
        assert "already initialized" in str(exc), exc
    else:
        raise AssertionError("init_process_group twice must raise")
    cases = [
        ("shape", lambda: dist.all_reduce(ag.ones(3 + rank))),
        ("dtype", lambda: dist.all_reduce(ag.ones(3, dtype=ag.float32 if rank else ag.float64))),
        ("collective", lambda: dist.all_reduce(ag.ones(3)) if rank else
         dist.broadcast(ag.ones(3))),
        ("gather shape", lambda: dist.all_gather([ag.ones(2 + rank)] * dist.get_world_size(),
                                                 ag.ones(2 + rank))),
    ]
    for what, call in cases:
        try:
            call()
        except dist.CollectiveMismatchError as exc:
            msg = str(exc)
            assert "rank 0" in msg and "rank 1" in msg, msg
            assert isinstance(exc, ValueError)
            print(f"rank {rank} {what}: {msg}")
        else:
            raise AssertionError(f"{what} mismatch must raise on rank {rank}")
    # a bad argument on one rank only (rank 0, the destination, passes no gather_list):
    # that rank raises its ValueError, the others a mismatch naming it; nobody hangs
    try:
        dist.gather(ag.ones(2), None, dst=0)
    except dist.CollectiveMismatchError as exc:
        assert rank != 0 and "rank 0: gather (error: gather: rank 0 is the destination " \
            "and needs gather_list" in str(exc), exc
        print(f"rank {rank} bad list: {exc}")
    except ValueError as exc:
        assert rank == 0 and "needs gather_list" in str(exc), exc
        print(f"rank {rank} bad list: {exc}")
    else:
        raise AssertionError("a missing gather_list must raise on every rank")
    # a failed check left the tensor unchanged and the group usable
    t = ag.ones(2)
    dist.all_reduce(t)
    assert t.tolist() == [2.0, 2.0], t
    # local argument errors
    try:
        dist.all_gather([ag.ones(2)], ag.ones(2))
    except ValueError as exc:
        assert "world size is 2" in str(exc), exc
    else:
        raise AssertionError("all_gather with a short list must raise")
    # Shards of unequal length (a world size that does not divide the data, sharded by
    # hand instead of by DistributedSampler): rank 0 has one more batch. Its extra DDP
    # forward meets rank 1's next collective (a loss all_reduce): both ranks raise, naming
    # both calls, and the group stays usable.
    from arraygrad.nn.parallel import DistributedDataParallel as DDP

    ag.manual_seed(0)
    ddp = DDP(ag.nn.Linear(3, 1).double())
    data = ag.randn(5, 3, dtype=ag.float64)
    mine = data[rank::2]  # rank 0: rows 0, 2, 4; rank 1: rows 1, 3
    total = ag.zeros(1, dtype=ag.float64)
    try:
        for row in mine:
            loss = ddp(row[None]).sum()
            loss.backward()
            total += loss.detach()
        dist.all_reduce(total)
    except dist.CollectiveMismatchError as exc:
        msg = str(exc)
        assert "DistributedDataParallel.forward" in msg and "all_reduce" in msg, msg
        assert "DistributedSampler pads" in msg, msg
        print(f"rank {rank} uneven: {msg}")
    else:
        raise AssertionError("uneven shards must raise on every rank")
    dist.barrier()
    dist.destroy_process_group()
    assert not dist.is_initialized()
    print(f"mismatch ok rank {rank}")

elif scenario == "timeout":
    # rank 1 never joins the collective; rank 0's watchdog aborts the whole job.
    dist.init_process_group("mpi", timeout=1.5)
    if dist.get_rank() == 1:
        time.sleep(60)
    dist.all_reduce(ag.ones(3))
    print("unreachable: the all_reduce cannot complete")

elif scenario == "async-timeout":
    import datetime

    dist.init_process_group("mpi", timeout=datetime.timedelta(seconds=1), checks=False)
    if dist.get_rank() == 1:
        time.sleep(60)
    work = dist.all_reduce(ag.ones(3), async_op=True)
    try:
        work.wait()
    except dist.DistributedTimeoutError as exc:
        print(f"rank 0 caught: {exc}", flush=True)
        raise SystemExit(0) from None  # exiting aborts the job: rank 1 must not hang

elif scenario == "killed":
    # rank 1 is killed (no Python exception, no excepthook): the MPI launcher ends the job.
    import os
    import signal

    dist.init_process_group("mpi", timeout=20)
    if dist.get_rank() == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    dist.all_reduce(ag.ones(3))
    print("unreachable")

elif scenario == "dies":
    dist.init_process_group("mpi")
    if dist.get_rank() == 1:
        raise ValueError("rank 1 fails in its training step")
    dist.all_reduce(ag.ones(3))
    print("unreachable")
