#!/usr/bin/env bash
# GPU check: on a machine with an NVIDIA GPU, CuPy and JAX with CUDA, run arraygrad's test
# matrix on the `cupy` backend and on JAX's GPU device, and time one MLP training step
# (arraygrad-on-CuPy vs hand-written CuPy and PyTorch CUDA; arraygrad-on-JAX vs
# jax.jit(jax.grad)). Writes under $OUT (default benchmarks/results/):
#   gpu_check.log   the raw log of everything below
#   env.json        what the machine offers (GPUs, CuPy, JAX, torch, arraygrad backends)
#   bench.json      the timings;  tests_<backend>.log/.rc  each matrix run
#   gpu_report.md   the report (rewritten after every stage, so a cut-off run still has one)
# Without a GPU it says "no GPU", writes the report saying so, skips the rest, exits 0.
#
# Knobs (environment): PYTHON (default python3), OUT, TESTS (pytest paths, default
# "tests"), MATRIX_TIMEOUT (seconds per backend run, default 240), BENCH_TIMEOUT (default
# 240), GPU_CHECK_SMOKE=1 (without a GPU: run the benchmark code on the CPU, few steps).
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
OUT="${OUT:-benchmarks/results}"
TESTS="${TESTS:-tests}"
MATRIX_TIMEOUT="${MATRIX_TIMEOUT:-240}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-240}"
mkdir -p "$OUT"
exec > >(tee "$OUT/gpu_check.log") 2>&1

report() { "$PY" benchmarks/gpu_report.py report --out "$OUT" > /dev/null; }

echo "== arraygrad GPU check: $(date -u +%FT%TZ) in $(pwd), output in $OUT"

# arraygrad from this working tree (its backends/ folder installs as arraygrad.backends).
if ! "$PY" -c "import arraygrad.backends.numpy" 2> /dev/null; then
    if compgen -G ".whl/*.whl" > /dev/null; then  # local wheels, e.g. array-api-compat
        "$PY" -m pip install --quiet --no-deps --no-index .whl/*.whl
    fi
    "$PY" -m pip install --quiet --no-deps --no-build-isolation -e . \
        || { echo "cannot install arraygrad from $(pwd)"; exit 1; }
fi

echo "== probe"
"$PY" benchmarks/gpu_report.py probe --out "$OUT"
probe_rc=$?
if [ "$probe_rc" -eq 3 ]; then
    echo "no GPU: skipping the GPU test matrix and the GPU benchmarks"
    if [ "${GPU_CHECK_SMOKE:-0}" = "1" ]; then
        echo "== CPU smoke run of the benchmark code (not a measurement)"
        timeout "$BENCH_TIMEOUT" "$PY" benchmarks/gpu_report.py bench --cpu-smoke --out "$OUT"
    fi
    report
    echo "== report: $OUT/gpu_report.md"
    exit 0
elif [ "$probe_rc" -ne 0 ]; then
    echo "probe failed (exit $probe_rc)"
    exit "$probe_rc"
fi

# Benchmarks first: short, and the numbers survive if a matrix run is cut off.
echo "== MLP step benchmark"
timeout "$BENCH_TIMEOUT" "$PY" benchmarks/gpu_report.py bench --out "$OUT"
report

status=0
for backend in cupy jax; do
    echo "== test matrix on $backend (limit ${MATRIX_TIMEOUT}s)"
    # jax: the backend's default device is the GPU when JAX sees one (env.json says).
    JAX_ENABLE_X64=1 timeout "$MATRIX_TIMEOUT" "$PY" -m pytest $TESTS -q -p no:cacheprovider \
        --arraygrad-backend "$backend" 2>&1 | tee "$OUT/tests_$backend.log"
    rc=${PIPESTATUS[0]}
    echo "$rc" > "$OUT/tests_$backend.rc"
    [ "$rc" -eq 0 ] || status=1
    report
done

echo "== report: $OUT/gpu_report.md"
exit "$status"
