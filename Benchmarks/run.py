#!/usr/bin/env python3
"""Measures Taskloop's scheduling on generated pipelines and prints the figures.

Usage: python3 Benchmarks/run.py [--binary PATH] [--repeat N] [--peers-only | --no-peers]

First the workloads of the performance targets, each beside a peer doing the
same work (Benchmarks/peer.py, a Python asyncio + ProcessPoolExecutor runner;
ninja for the shell DAG, installed with apt-get if missing): the whole process
timed, the median of N runs, the ratio, the target and whether it is met. Then
Taskloop's own figures.

Builds nothing itself: pass a release binary, the default being
.build/release/taskloop, built as README says
(`swift build -c release --static-swift-stdlib`; a dynamically linked binary
spends about 5 ms more starting, loading the Swift runtime's libraries). The
floor under loading comes from `taskloop-yaml-floor`, and the floor under a
no-op step from `taskloop-task-floor`, both built beside it. Each workload is
a pipeline file written to a temporary folder and run with `taskloop run`;
the figures come from the run's event log (makespan: first step start to last
step end) and from the wall clock around the whole command (process start,
load, validate, run, exit).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def fan_out(count, duration):
    lines = ["name: fan-out", f"limits: {{ io: {count} }}", "steps:"]
    lines += [f"  s{i}: {{ sleep: {duration} }}" for i in range(count)]
    return "\n".join(lines) + "\n"


def independent(count):
    lines = ["name: independent", "limits: { io: 1000000 }", "steps:"]
    lines += [f"  s{i}: {{ sleep: 0s }}" for i in range(count)]
    return "\n".join(lines) + "\n"


def chain(count):
    lines = ["name: chain", "steps:", "  s0: { sleep: 0s }"]
    lines += [f"  s{i}: {{ needs: s{i - 1}, sleep: 0s }}" for i in range(1, count)]
    return "\n".join(lines) + "\n"


def shell_fan_out(count):
    lines = ["name: shell-fan-out", f"limits: {{ io: {count} }}", "steps:"]
    lines += [f"  s{i}: {{ shell: 'true' }}" for i in range(count)]
    return "\n".join(lines) + "\n"


def spins(count, duration):
    lines = ["name: spins", "limits: { workers: 2 }", "steps:"]
    lines += [f"  spin{i}: {{ cpu: {{ function: spin, with: {{ for: {duration} }} }} }}" for i in range(count)]
    return "\n".join(lines) + "\n"


def mixed():
    lines = ["name: mixed", "limits: { workers: 2 }", "steps:"]
    lines += [f"  spin{i}: {{ cpu: {{ function: spin, with: {{ for: 1s }} }} }}" for i in range(4)]
    lines += [f"  nap{i}: {{ sleep: {100 + i * 9}ms }}" for i in range(200)]
    lines += [f"  sh{i}: {{ shell: 'sleep 0.{i}' }}" for i in range(10)]
    return "\n".join(lines) + "\n"


def flood(lines, naps):
    """Two steps that print `lines` lines each as fast as they can, beside
    `naps` short sleeps: how long the flood holds the loop from the others."""
    text = ["name: flood", "limits: { io: 1000 }", "steps:"]
    text += [f"  flood{i}: {{ shell: 'yes \"a line of output from step {i}\" | head -n {lines}' }}" for i in range(2)]
    text += [f"  nap{i}: {{ sleep: {10 + i}ms }}" for i in range(naps)]
    return "\n".join(text) + "\n"


def reading_chain(count, field):
    """A chain whose every link reads the one before it in an expression:
    `if:` (evaluated as the run goes) or its shell command (checked on
    loading, a warning per link). Each is one lookup, however long the run."""
    lines = ["name: reading-chain", "steps:", "  s0: { sleep: 0s }"]
    for i in range(1, count):
        if field == "if":
            lines.append(f"  s{i}: {{ needs: s{i - 1}, if: \"steps.s{i - 1}.status == 'success'\", sleep: 0s }}")
        else:
            lines.append(f"  s{i}: {{ needs: s{i - 1}, shell: 'echo ${{{{ steps.s{i - 1}.outputs.x }}}}' }}")
    return "\n".join(lines) + "\n"


def huge_chain(count):
    lines = ["name: huge", "steps:"]
    for i in range(count):
        needs = f"\n    needs: [s{i - 1}]" if i else ""
        lines.append(f"  s{i}:{needs}\n    shell: echo {i}")
    return "\n".join(lines) + "\n"


def pipeline4():
    return """name: four
steps:
  greet: { shell: echo hello from greet }
  nap: { sleep: 0s }
  notes: { needs: [greet, nap], file: { write: notes.txt, content: "greeted and rested\\n" } }
  show: { needs: notes, shell: cat notes.txt }
"""


def independent_limited(count, limit):
    lines = ["name: independent", f"limits: {{ io: {limit} }}", "steps:"]
    lines += [f"  s{i}: {{ sleep: 0s }}" for i in range(count)]
    return "\n".join(lines) + "\n"


def shell_dag_parent(i):
    """The shell DAG: a binary tree, each step after its parent (step 0 the root)."""
    return (i - 1) // 2 if i else None


def shell_dag(count, limit):
    lines = ["name: shell-dag", f"limits: {{ io: {limit} }}", "steps:"]
    for i in range(count):
        parent = shell_dag_parent(i)
        needs = f"needs: s{parent}, " if parent is not None else ""
        lines.append(f"  s{i}: {{ {needs}shell: 'true' }}")
    return "\n".join(lines) + "\n"


def shell_dag_ninja(count):
    lines = ["rule run", "  command = true", "  description = $out"]
    for i in range(count):
        parent = shell_dag_parent(i)
        lines.append(f"build s{i}: run" + (f" | s{parent}" if parent is not None else ""))
    return "\n".join(lines) + "\n"


def measure_child(command):
    """Wall time and peak resident memory (KiB) of one run of `command`."""
    started = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        sys.exit(f"{command} failed")
    return time.monotonic() - started, usage.ru_maxrss


def http_fan_out(count, base):
    lines = ["name: http-fan-out", "limits: { io: 64 }", "steps:"]
    lines += [f"  get{i}: {{ http: {{ url: \"{base}/hello\" }} }}" for i in range(count)]
    return "\n".join(lines) + "\n"


WORKLOADS = [
    ("1,000 x sleep 200ms, fan-out", lambda: fan_out(1000, "200ms"), 1000, "ideal makespan 0.200 s"),
    ("10,000 independent no-op steps", lambda: independent(10000), 10000, "per-step overhead"),
    ("2,000-step chain of no-ops", lambda: chain(2000), 2000, "per-link latency"),
    ("200 x shell `true`, fan-out", lambda: shell_fan_out(200), 200, "a process per step"),
    ("2,000 x HTTP GET, limits.io 64", lambda base: http_fan_out(2000, base), 2000, "requests/s"),
    ("8 x spin 250ms, 2 workers", lambda: spins(8, "250ms"), 8, "ideal makespan 1.000 s"),
    ("400 x spin 5ms, 2 workers", lambda: spins(400, "5ms"), 400, "ideal makespan 1.000 s"),
    ("4 x spin 1s + 210 I/O steps, 2 workers", mixed, 214, "ideal makespan 2.000 s"),
    ("2 x 300,000 lines of output + 50 sleeps", lambda: flood(300000, 50), 52, "loop lag"),
    ("8,000-link chain, `if:` reads its need", lambda: reading_chain(8000, "if"), 8000, "per-link latency"),
]


def median_child(command, repeat, cwd=None):
    """Median wall time and median peak memory (KiB) over `repeat` runs of `command`."""
    wall, rss, _ = median_child_usage(command, repeat, cwd)
    return wall, rss


def median_child_usage(command, repeat, cwd=None):
    """Median wall time, peak memory (KiB) and CPU time (user + system, with
    every process it started and waited for) over `repeat` runs of `command`."""
    runs = []
    for _ in range(repeat):
        started = time.monotonic()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.monotonic() - started
        if status != 0:
            sys.exit(f"{command} failed: {child.stderr.read().decode()}")
        child.stderr.close()
        runs.append((wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime))
    return tuple(statistics.median(run[field] for run in runs) for field in range(3))


def makespan_of(events):
    starts, ends = [], []
    with open(events) as handle:
        next(handle)
        for line in handle:
            event = json.loads(line)
            if event["event"] == "step-started":
                starts.append(event["t"])
            elif event["event"] == "step-finished":
                ends.append(event["t"])
    return (max(ends) - min(starts)) / 1e6


def machine_speed():
    """Milliseconds for a fixed Python loop, the best of 3: how fast this
    machine is at the moment (a shared or throttled one is much slower), so
    figures taken at different times can be told apart."""
    best = None
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for number in range(3_000_000):
            total += number
        elapsed = (time.perf_counter() - started) * 1000
        best = elapsed if best is None else min(best, elapsed)
    return best


def ensure_ninja():
    """ninja, installed from the distribution if missing; None if that fails."""
    found = shutil.which("ninja")
    if found:
        return found
    print("installing ninja-build (apt-get) for the shell DAG's peer", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-qq", "ninja-build"], stdout=subprocess.DEVNULL)
    return shutil.which("ninja")


def against_peers(binary, repeat, folder):
    """The performance targets: each workload beside its peer, whole process, median of `repeat`."""
    here = os.path.dirname(os.path.abspath(__file__))
    peer = [sys.executable, os.path.join(here, "peer.py")]
    ninja = ensure_ninja()
    print(f"against peers ({os.cpu_count()} cores, whole process, median of {repeat}; "
          f"load average {os.getloadavg()[0]:.2f}, {machine_speed():.0f} ms for a 3M-step Python loop)")
    print(f"{'workload':38} {'taskloop':>9} {'peer':>9} {'ratio':>7}  {'target':28} met")

    def taskloop(name, text, extra=()):
        work = os.path.join(folder, name)
        os.makedirs(work, exist_ok=True)
        path = os.path.join(work, "pipeline.yaml")
        with open(path, "w") as handle:
            handle.write(text)
        events = os.path.join(work, "events.jsonl")

        def command():
            if os.path.exists(events):
                os.remove(events)
            return [binary, "run", path, "--events", events, *extra]
        runs = []
        for _ in range(repeat):
            wall, rss, cpu = median_child_usage(command(), 1, cwd=work)
            runs.append((wall, rss, makespan_of(events), cpu))
        return tuple(statistics.median(run[field] for run in runs) for field in range(4))

    floor_binary = os.path.join(os.path.dirname(binary), "taskloop-yaml-floor")

    def yams_floor(path):
        """Median seconds and peak KiB of Yams composing `path`'s node tree
        alone: the floor under loading it through Yams's public API."""
        if not os.access(floor_binary, os.X_OK):
            return None
        figures = []
        for _ in range(repeat):
            output = subprocess.run([floor_binary, path], stdout=subprocess.PIPE, check=True).stdout.decode()
            fields = dict(part.split("=") for part in output.split())
            figures.append((float(fields["compose_seconds"]), int(fields["peak_kib"])))
        return statistics.median(f[0] for f in figures), statistics.median(f[1] for f in figures)

    task_floor_binary = os.path.join(os.path.dirname(binary), "taskloop-task-floor")

    def task_floor(count, limit):
        """Median makespan per task, in microseconds, of `count` Swift tasks
        on one NIO event loop, `limit` at once, each yielding once, with no
        scheduler, events or step kind: one executor shared, then one per
        task (as Taskloop's steps have). The floor under a no-op step."""
        if not os.access(task_floor_binary, os.X_OK):
            return None
        figures = []
        for mode in ("shared", "per-task"):
            runs = []
            for _ in range(max(repeat, 5)):
                output = subprocess.run([task_floor_binary, mode, str(count), str(limit)],
                                        stdout=subprocess.PIPE, check=True).stdout.decode()
                runs.append(float(output.strip().split("=")[1]))
            figures.append(statistics.median(runs))
        return figures

    def floor_row(name, seconds, note):
        print(f"{'  ' + name:38} {seconds * 1000:7.1f}ms {'':>9} {'':>7}  {note}")

    def row(name, ours, theirs, target, met, peer_name="Python"):
        ratio = f"{theirs / ours:6.1f}x" if theirs else ""
        peer_text = f"{theirs * 1000:7.0f}ms" if theirs else f"{'':>9}"
        print(f"{name:38} {ours * 1000:7.0f}ms {peer_text} {ratio:>7}  {target:28} {'yes' if met else 'NO'}"
              + (f"  ({peer_name})" if theirs else ""))

    wall, _, _, _ = taskloop("pipeline4", pipeline4())
    theirs, _ = median_child(peer + ["pipeline"], repeat)
    row("4-step pipeline", wall, theirs, "<= 15 ms", wall <= 0.015)
    start_up, _ = median_child([binary, "--version"], max(repeat, 9))
    floor_row("of which starting the process", start_up, "floor: `taskloop --version`, whole process")
    shell, _ = median_child(["/bin/sh", "-c", "true"], max(repeat, 9))
    floor_row("and each `sh -c` (2 in a row)", shell, "floor: `/bin/sh -c true`, whole process")

    wall, _, makespan, _ = taskloop("independent", independent_limited(10000, 1000))
    theirs, _ = median_child(peer + ["independent", "10000"], repeat)
    per_step = makespan / 10000 * 1e6
    row("10,000 no-op steps, 1,000 at once", wall, theirs, f">= 10x; {per_step:.1f} us/step <= 5",
        theirs / wall >= 10 and per_step <= 5)
    floor = yams_floor(os.path.join(folder, "independent", "pipeline.yaml"))
    if floor:
        floor_row("start-up + Yams composing its tree", floor[0] + start_up,
                  f"floor; 10x Python needs {theirs / 10 * 1000:.0f} ms in all")
    tasks = task_floor(10000, 1000)
    if tasks:
        print(f"{'  a task per step on the loop, alone':38} {tasks[0]:6.1f}us {'':>9} {'':>7}  "
              f"floor: makespan per step; {tasks[1]:.1f} us with an executor per task")

    wall, _, _, _ = taskloop("chain", chain(2000))
    theirs, _ = median_child(peer + ["chain", "2000"], repeat)
    row("2,000-step chain", wall, theirs, ">= 10x", theirs / wall >= 10)
    floor = yams_floor(os.path.join(folder, "chain", "pipeline.yaml"))
    if floor:
        floor_row("start-up + Yams composing its tree", floor[0] + start_up,
                  f"floor; 10x Python needs {theirs / 10 * 1000:.0f} ms in all")

    wall, _, _, cpu = taskloop("dag", shell_dag(300, 8))
    if ninja:
        work = os.path.join(folder, "ninja")
        os.makedirs(work, exist_ok=True)
        with open(os.path.join(work, "build.ninja"), "w") as handle:
            handle.write(shell_dag_ninja(300))
        # The commands make no outputs, so every run of ninja runs all 300.
        theirs, _, their_cpu = median_child_usage([ninja, "-j8", "-C", work], repeat)
        row("300 `true` shell steps, DAG, 8 at once", wall, theirs, "<= ninja", wall <= theirs, "ninja -j8")
        # Both spend the same 300 `sh` processes; on 2 cores the CPU bounds the wall time.
        print(f"{'  CPU, the sh processes included':38} {cpu * 1000:7.0f}ms {their_cpu * 1000:7.0f}ms {'':>7}  "
              f"on {os.cpu_count()} cores, at least CPU / cores of wall time")
    else:
        row("300 `true` shell steps, DAG, 8 at once", wall, 0, "<= ninja (ninja missing)", False)

    wall, _, _, cpu = taskloop("spin", spins(400, "5ms"))
    theirs, _ = median_child(peer + ["spin", "400"], repeat)
    row("400 x spin 5ms, 2 workers", wall, theirs, "<= 1,050 ms", wall <= 1.05)
    # The workers spin 2,000 ms of CPU in all; whatever else runs on the 2 cores delays them.
    print(f"{'  CPU beyond the 2,000 ms of spinning':38} {(cpu - 2.0) * 1000:7.0f}ms {'':>9} {'':>7}  "
          f"1,050 ms on 2 cores leaves at most 100 ms")

    huge = os.path.join(folder, "huge.yaml")
    with open(huge, "w") as handle:
        handle.write(huge_chain(100000))
    wall, rss = median_child([binary, "validate", huge], repeat)
    row("validate 100,000 steps", wall, 0, f"<= 1 s, {rss / 1024:.0f} MiB <= 150", wall <= 1 and rss <= 150 * 1024)
    floor = yams_floor(huge)
    if floor:
        floor_row("of which Yams composing its tree", floor[0], f"floor: {floor[1] / 1024:.0f} MiB peak alone")

    wall, rss, _, _ = taskloop("run100k", independent_limited(100000, 1000))
    row("run 100,000 no-op steps", wall, 0, f"<= 3 s, {rss / 1024:.0f} MiB <= 300", wall <= 3 and rss <= 300 * 1024)
    print()


def run_once(binary, text, folder):
    path = os.path.join(folder, "bench.yaml")
    with open(path, "w") as handle:
        handle.write(text)
    events = os.path.join(folder, f"events-{time.monotonic_ns()}.jsonl")
    started = time.monotonic()
    result = subprocess.run([binary, "run", path, "--events", events], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"taskloop failed ({result.returncode}): {result.stderr.decode()}")
    starts, ends, lag = [], [], 0
    with open(events) as handle:
        next(handle)  # format header
        for line in handle:
            event = json.loads(line)
            if event["event"] == "step-started":
                starts.append(event["t"])
            elif event["event"] == "step-finished":
                ends.append(event["t"])
            elif event["event"] == "loop-lag":
                lag = max(lag, event["max_us"])
    return (max(ends) - min(starts)) / 1e6, wall, lag / 1e3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/taskloop")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--peers-only", action="store_true", help="only the workloads beside their peers")
    parser.add_argument("--no-peers", action="store_true", help="only Taskloop's own figures")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"{args.binary} not found: run `swift build -c release` first")
    args.binary = os.path.abspath(args.binary)
    if not args.no_peers:
        with tempfile.TemporaryDirectory() as folder:
            against_peers(args.binary, args.repeat, folder)
        if args.peers_only:
            return

    server_binary = os.path.join(os.path.dirname(args.binary), "taskloop-test-server")
    if not os.access(server_binary, os.X_OK):
        sys.exit(f"{server_binary} not found: run `swift build -c release` first")
    # The HTTP workload's server: the package's own test server, on 127.0.0.1.
    server = subprocess.Popen([server_binary], stdout=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{server.stdout.readline().decode().strip()}"
        print(f"taskloop benchmarks ({os.cpu_count()} cores, best of {args.repeat})")
        print(f"{'workload':40} {'steps':>6} {'makespan':>10} {'wall':>8} {'per step':>10}  note")
        with tempfile.TemporaryDirectory() as folder:
            for name, make, steps, note in WORKLOADS:
                text = make(base) if make.__code__.co_argcount == 1 else make()
                runs = [run_once(args.binary, text, folder) for _ in range(args.repeat)]
                makespan, wall, _ = min(runs)
                per_step = makespan / steps * 1e6
                if note == "requests/s":
                    note = f"{steps / makespan:,.0f} requests/s"
                elif note == "loop lag":
                    note = f"the loop's worst lag {statistics.median(run[2] for run in runs):.1f} ms (median of {len(runs)} runs)"
                print(f"{name:40} {steps:>6} {makespan:>9.3f}s {wall:>7.3f}s {per_step:>8.1f}µs  {note}")
            # The HTML report and the trace of a 10,000-step run, drawn from its event log.
            path = os.path.join(folder, "big.yaml")
            with open(path, "w") as handle:
                handle.write(independent(10000))
            events = os.path.join(folder, "big.jsonl")
            subprocess.run([args.binary, "run", path, "--events", events], stdout=subprocess.DEVNULL, check=True)
            timings = []
            for _ in range(args.repeat):
                started = time.monotonic()
                subprocess.run([args.binary, "timeline", events, "--report", os.path.join(folder, "big.html"),
                                "--trace", os.path.join(folder, "big.json")], stdout=subprocess.DEVNULL, check=True)
                timings.append(time.monotonic() - started)
            size = os.path.getsize(os.path.join(folder, "big.html")) / 1024
            print(f"{'report + trace of 10,000 steps':40} {10000:>6} {'':>10} {min(timings):>7.3f}s {'':>10}  "
                  f"taskloop timeline, whole command; report {size:,.0f} KiB")
            # Loading, validating and planning a 100,000-step chain (5 MB of YAML).
            huge = os.path.join(folder, "huge.yaml")
            with open(huge, "w") as handle:
                handle.write(huge_chain(100000))
            # Validating a chain whose every command reads its need: 7,999 warnings.
            reading = os.path.join(folder, "reading.yaml")
            with open(reading, "w") as handle:
                handle.write(reading_chain(8000, "shell"))
            for name, command, steps in [("load + validate 100,000 steps", ["validate", huge], 100000),
                                         ("load + plan 100,000 steps (--dry-run)", ["run", huge, "--dry-run"], 100000),
                                         ("validate 8,000 links reading their need", ["validate", reading], 8000)]:
                results = [measure_child([args.binary] + command) for _ in range(args.repeat)]
                wall, rss = min(results)
                print(f"{name:40} {steps:>6} {'':>10} {wall:>7.3f}s {'':>10}  peak memory {rss / 1024:,.0f} MiB")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
