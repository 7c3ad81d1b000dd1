#!/usr/bin/env bash
# CPU fan-out on srun workers against local workers, and what one srun launch
# costs, on the local Slurm cluster (scripts/slurm-local.sh start first).
#
#   Benchmarks/executors.sh [taskloop binary]
set -euo pipefail
cd "$(dirname "$0")/.."
taskloop=$(realpath "${1:-.build/debug/taskloop}")
eval "$(scripts/slurm-local.sh env)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

{
    echo "executors:"
    echo "  cluster: { slurm: { cpus: 1, mem: 200M } }"
    echo "limits:"
    echo "  workers: 2"
    echo "steps:"
    for i in $(seq 16); do echo "  spin-$i: { cpu: { function: spin, with: { for: 250ms } } }"; done
} > "$work/fan-out.yaml"
# The same with the workers on the cluster.
sed 's/  workers: 2/  workers: { count: 2, executor: cluster }/' "$work/fan-out.yaml" > "$work/fan-out-srun.yaml"

makespan() { "$taskloop" run "$1" --quiet --progress plain | sed -n 's/^makespan \([^ ]*\).*/\1/p'; }

echo "srun launch (srun -n1 true), 10 in a row:"
start=$(date +%s%N)
for _ in $(seq 10); do srun -n1 --quiet true; done
echo "  $(( ($(date +%s%N) - start) / 10000000 )) ms each"

for run in 1 2 3; do
    echo "run $run: 16 x spin 250ms on 2 workers: local $(makespan "$work/fan-out.yaml"), srun workers $(makespan "$work/fan-out-srun.yaml")"
done
