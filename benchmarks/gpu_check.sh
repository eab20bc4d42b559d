#!/usr/bin/env bash
# The GPU checks of issue 14 as one prepared script, for a machine with a GPU, CuPy and PyTorch CUDA
# already installed (no network needed). Run from anywhere:  bash benchmarks/gpu_check.sh
#   1. the GPU test suite: every test with the `cuda` marker (tests/conftest.py's device fixture:
#      kernel strategies, layer parity, gradient checks, optimizer parity on CuPy), at most 180 s;
#   2. benchmarks/gpu_throughput.py: W1-W4 at batch 100 and 1024, TF32 off, at most 220 s;
#   3. its --profile of W3 and W4 at batch 1024: scratchdl's time per layer, at most 50 s.
# Results go to $OUT (or benchmarks/gpu_results/): environment.txt, gpu_tests.txt, gpu_throughput.md,
# gpu_throughput.json, gpu_throughput.log, gpu_profile.txt. Total under about 8 minutes. Exit status: 0 when both passed.
set -u
cd "$(dirname "$0")/.."
RESULTS="${OUT:-benchmarks/gpu_results}"
mkdir -p "$RESULTS"
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
export CUPY_TF32=0
export PYTHONDONTWRITEBYTECODE=1

{
    date -u
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 || true
    python -c "import numpy, cupy, torch, scratchdl; print('numpy', numpy.__version__, '| cupy', cupy.__version__, \
'| torch', torch.__version__, 'cuda', torch.version.cuda, '| scratchdl', scratchdl.__file__)" 2>&1
} > "$RESULTS/environment.txt"
cat "$RESULTS/environment.txt"

echo "== GPU tests (pytest -m cuda)"
timeout 180 python -m pytest -m cuda -p no:cacheprovider -rs --durations=10 \
    tests/nn/kernels tests/nn/test_layers_parity.py tests/optim/test_optim_parity.py \
    tests/nn/test_gradcheck_layers.py > "$RESULTS/gpu_tests.txt" 2>&1
tests_status=$?
tail -n 25 "$RESULTS/gpu_tests.txt"
echo "tests exit status: $tests_status (124: stopped at the time limit)"

echo "== benchmarks/gpu_throughput.py"
timeout 220 python benchmarks/gpu_throughput.py --json "$RESULTS/gpu_throughput.json" \
    > "$RESULTS/gpu_throughput.md" 2> "$RESULTS/gpu_throughput.log"
bench_status=$?
cat "$RESULTS/gpu_throughput.md" "$RESULTS/gpu_throughput.log"
echo "benchmark exit status: $bench_status (124: stopped at the time limit)"

echo "== scratchdl per layer (gpu_throughput.py --profile)"
timeout 50 python benchmarks/gpu_throughput.py --profile W3 W4 --batches 1024 --repeats 5 \
    > "$RESULTS/gpu_profile.txt" 2>&1
echo "profile exit status: $?"
cat "$RESULTS/gpu_profile.txt"

[ "$tests_status" -eq 0 ] && [ "$bench_status" -eq 0 ]
