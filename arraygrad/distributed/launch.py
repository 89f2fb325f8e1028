"""``arraygrad run -n N script.py``: start N ranks of a training script.

Two ways to start the ranks:

* MPI (default): ``mpiexec -n N [-hostfile FILE] python script.py ...``, with the
  ``mpiexec`` of the environment (the MPICH wheel of ``arraygrad[mpi]`` installs one next to
  Python). A hostfile spreads the ranks over machines. Scripts use
  ``init_process_group("mpi")``.
* ``--spawn``: N local processes with torchrun's variables (``RANK``, ``WORLD_SIZE``,
  ``LOCAL_RANK``, ``LOCAL_WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``), for
  ``init_process_group("jax")`` or ``("nccl")`` on one machine.

Either way ``OMP_NUM_THREADS`` defaults to 1 per rank when N > 1 (as torchrun), so N ranks
do not oversubscribe the cores; set it to override. When one spawned rank fails, the others
are terminated and its exit status is returned; ``--timeout`` bounds the whole run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

__all__ = ["main", "build_parser", "mpiexec_command"]


def build_parser(prog: str = "arraygrad run") -> argparse.ArgumentParser:
    """The launcher's argument parser (also used by ``arraygrad run``)."""
    p = argparse.ArgumentParser(prog=prog, description="Start N ranks of a training script "
                                "(data-parallel training, see docs/distributed.md).")
    p.add_argument("-n", "--nproc", type=int, required=True, metavar="N",
                   help="number of ranks (processes)")
    p.add_argument("--hostfile", help="MPI hostfile: spread the ranks over these machines")
    p.add_argument("--mpiexec", help="the mpiexec to use (default: next to Python, then PATH)")
    p.add_argument("--spawn", action="store_true",
                   help="start local processes with RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT "
                        "(for the jax and nccl backends) instead of mpiexec")
    p.add_argument("--master-port", type=int, default=None,
                   help="with --spawn: MASTER_PORT (default: a free port)")
    p.add_argument("--timeout", type=float, default=None,
                   help="stop every rank after this many seconds (exit status 124)")
    p.add_argument("script", help="the Python script to run on every rank")
    p.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the script")
    return p


def _find_mpiexec(explicit: str | None) -> str:
    if explicit:
        return explicit
    here = os.path.dirname(sys.executable)
    found = shutil.which("mpiexec", path=here + os.pathsep + os.environ.get("PATH", ""))
    if found is None:
        raise FileNotFoundError(
            'arraygrad run: no mpiexec found (next to Python or on PATH). Install MPI with '
            'pip install "arraygrad[mpi]" (mpi4py and the MPICH wheel), pass --mpiexec, or '
            'use --spawn for the jax and nccl backends')
    return found


def mpiexec_command(nproc: int, script: str, args: list[str], hostfile: str | None = None,
                    mpiexec: str | None = None) -> list[str]:
    """The command line ``arraygrad run`` executes in MPI mode."""
    cmd = [_find_mpiexec(mpiexec), "-n", str(nproc)]
    if hostfile:
        cmd += ["-hostfile", hostfile]
    return cmd + [sys.executable, script, *args]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(nproc: int) -> dict[str, str]:
    env = dict(os.environ)
    if nproc > 1:
        env.setdefault("OMP_NUM_THREADS", "1")
    return env


def _wait_all(procs: list[subprocess.Popen], deadline: float | None) -> int:
    """Wait for every rank; on the first failure, the deadline, SIGTERM or SIGINT, stop
    the others."""
    stop: list[int] = []

    def on_signal(signum: int, frame: object) -> None:
        stop.append(128 + signum)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        return _supervise(procs, deadline, stop)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _supervise(procs: list[subprocess.Popen], deadline: float | None, stop: list[int]) -> int:
    while True:
        if stop:
            sys.stderr.write("arraygrad run: interrupted; stopping every rank\n")
            code = stop[0]
            break
        codes = [p.poll() for p in procs]
        failed = [c for c in codes if c not in (None, 0)]
        if failed or all(c is not None for c in codes):
            code = failed[0] if failed else 0
            break
        if deadline is not None and time.monotonic() > deadline:
            sys.stderr.write("arraygrad run: --timeout reached; stopping every rank\n")
            code = 124
            break
        time.sleep(0.05)
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    end = time.monotonic() + 5
    for p in procs:
        try:
            p.wait(max(0.0, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return code


def main(argv: list[str] | None = None) -> int:
    """Run the launcher; returns the exit status (0 when every rank succeeded)."""
    ns = build_parser().parse_args(argv)
    if ns.nproc < 1:
        sys.stderr.write(f"arraygrad run: -n must be >= 1, got {ns.nproc}\n")
        return 2
    if not os.path.exists(ns.script):
        sys.stderr.write(f"arraygrad run: no such script {ns.script!r}\n")
        return 2
    deadline = time.monotonic() + ns.timeout if ns.timeout else None
    env = _env(ns.nproc)
    if not ns.spawn:
        try:
            cmd = mpiexec_command(ns.nproc, ns.script, ns.args, ns.hostfile, ns.mpiexec)
        except FileNotFoundError as exc:
            sys.stderr.write(f"{exc}\n")
            return 2
        return _wait_all([subprocess.Popen(cmd, env=env)], deadline)
    if ns.hostfile:
        sys.stderr.write("arraygrad run: --hostfile needs MPI mode (drop --spawn)\n")
        return 2
    port = ns.master_port or _free_port()
    procs = []
    for rank in range(ns.nproc):
        env_r = dict(env, RANK=str(rank), WORLD_SIZE=str(ns.nproc), LOCAL_RANK=str(rank),
                     LOCAL_WORLD_SIZE=str(ns.nproc), MASTER_ADDR="127.0.0.1",
                     MASTER_PORT=str(port))
        procs.append(subprocess.Popen([sys.executable, ns.script, *ns.args], env=env_r))
    return _wait_all(procs, deadline)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
