#!/usr/bin/env bash
# CPU fan-out on srun workers against local workers, what one srun launch
# costs, and how long a shell step on Slurm is queued before its command
# starts, on the local Slurm cluster (scripts/slurm-local.sh start first).
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

# Ten trivial shell steps on Slurm, one after another: how long each waits
# from its srun's start to its command's start on the node (queued in Slurm,
# from the step-running events), and how long the command then takes.
{
    echo "executors:"
    echo "  cluster: { slurm: { cpus: 1, mem: 100M } }"
    echo "steps:"
    previous=""
    for i in $(seq 10); do
        echo "  step-$i: { executor: cluster, shell: 'true'${previous:+, needs: $previous} }"
        previous=step-$i
    done
} > "$work/chain.yaml"

makespan() { "$taskloop" run "$1" --quiet --progress plain | sed -n 's/^makespan \([^ ]*\).*/\1/p'; }

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the runs"
echo "srun launch (srun -n1 true), 10 in a row:"
launches=()
for _ in $(seq 10); do
    start=$(date +%s%N)
    srun -n1 --quiet true
    launches+=($(( ($(date +%s%N) - start) / 1000000 )))
done
# A job that cannot start the moment it is submitted (the one before it still
# completing) waits for Slurm's next scheduling pass: the times are bimodal.
sorted=($(printf '%s\n' "${launches[@]}" | sort -n))
echo "  median ${sorted[4]} ms, min ${sorted[0]} ms, max ${sorted[9]} ms (each: ${launches[*]})"

echo "10 shell steps on Slurm in a chain (queued in Slurm = srun's start to the command's start on the node):"
"$taskloop" run "$work/chain.yaml" --quiet --events "$work/chain.jsonl" > /dev/null
python3 - "$work/chain.jsonl" <<'PY'
import json, statistics, sys
started, running, finished = {}, {}, {}
for line in open(sys.argv[1]):
    event = json.loads(line)
    kind = event.get("event")
    if kind == "step-started": started[event["step"]] = event["t"]
    elif kind == "step-running": running[event["step"]] = event["t"]
    elif kind == "step-finished": finished[event["step"]] = event["t"]
queued = [running[s] - started[s] for s in running]
ran = [finished[s] - running[s] for s in running]
print(f"  queued in Slurm: median {statistics.median(queued) / 1000:.0f} ms (min {min(queued) / 1000:.0f}, max {max(queued) / 1000:.0f});"
      f" then ran: median {statistics.median(ran) / 1000:.0f} ms; {len(queued)} of {len(started)} steps had a start line")
PY

for run in 1 2 3; do
    echo "run $run: 16 x spin 250ms on 2 workers: local $(makespan "$work/fan-out.yaml"), srun workers $(makespan "$work/fan-out-srun.yaml")"
done
