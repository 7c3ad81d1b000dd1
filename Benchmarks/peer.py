#!/usr/bin/env python3
"""The Python reference for Benchmarks/run.py: the same step graphs as the
Taskloop workloads, run the way a careful Python tool would run them.

Usage: python3 Benchmarks/peer.py WORKLOAD COUNT [--events PATH]

One asyncio event loop runs every I/O step (sleeps, shell commands through
`asyncio.create_subprocess_exec`, file writes through the default executor);
CPU steps go to a `concurrent.futures.ProcessPoolExecutor` of two processes.
Like Taskloop it starts a step once all its needs have succeeded, holds at most
`limit` steps in flight, writes one JSON line per event (queued, started,
finished; keys sorted) to an event log, prints an end line per step, and ends
with a summary: the same work, so the wall clocks compare.

Workloads: pipeline (4 steps: shell, sleep 0s, file write after both, shell
after that), independent (COUNT no-op sleeps, 1,000 at once), chain (COUNT
no-op sleeps, each needing the one before), spin (COUNT x 5 ms of CPU on two
worker processes).
"""
import argparse
import asyncio
import concurrent.futures
import json
import os
import sys
import tempfile
import time


def spin(milliseconds):
    """Burns `milliseconds` of CPU time in a busy loop (not a sleep)."""
    end = time.thread_time() + milliseconds / 1000
    while time.thread_time() < end:
        pass
    return milliseconds


def graph(workload, count, folder):
    """The steps: id -> (kind, argument, needs), in file order, and the I/O limit."""
    if workload == "pipeline":
        return {
            "greet": ("shell", "echo hello from greet", []),
            "nap": ("sleep", 0, []),
            "notes": ("write", os.path.join(folder, "notes.txt"), ["greet", "nap"]),
            "show": ("shell", f"cat {os.path.join(folder, 'notes.txt')}", ["notes"]),
        }, 256
    if workload == "independent":
        return {f"s{i}": ("sleep", 0, []) for i in range(count)}, 1000
    if workload == "chain":
        return {f"s{i}": ("sleep", 0, [f"s{i - 1}"] if i else []) for i in range(count)}, 256
    if workload == "spin":
        return {f"spin{i}": ("spin", 5, []) for i in range(count)}, 256
    sys.exit(f"unknown workload {workload}")


class Runner:
    def __init__(self, steps, limit, log):
        self.steps = steps
        self.limit = asyncio.Semaphore(limit)
        self.log = log
        self.started = time.monotonic()
        self.waiting = {step: len(needs) for step, (_, _, needs) in steps.items()}
        self.dependents = {step: [] for step in steps}
        for step, (_, _, needs) in steps.items():
            for need in needs:
                self.dependents[need].append(step)
        self.durations = {}
        self.pool = None

    def emit(self, event, step, **fields):
        fields.update(event=event, step=step, t=int((time.monotonic() - self.started) * 1e6))
        self.log.write(json.dumps(fields, sort_keys=True) + "\n")

    async def run_step(self, step):
        kind, argument, _ = self.steps[step]
        self.emit("step-queued", step)
        async with self.limit:
            self.emit("step-started", step, attempt=1, lane="loop")
            began = time.monotonic()
            outputs = {}
            if kind == "sleep":
                await asyncio.sleep(argument)
            elif kind == "shell":
                process = await asyncio.create_subprocess_exec(
                    "/bin/sh", "-c", argument, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
                stdout, _ = await process.communicate()
                for line in stdout.decode().splitlines():
                    print(f"[{step}] {line}")
                outputs = {"exit-code": process.returncode, "stdout": stdout.decode().rstrip("\n")}
            elif kind == "write":
                def write():
                    with open(argument, "w") as handle:
                        handle.write("greeted and rested\n")
                await asyncio.get_running_loop().run_in_executor(None, write)
            elif kind == "spin":
                if self.pool is None:
                    self.pool = concurrent.futures.ProcessPoolExecutor(max_workers=2)
                outputs = {"cpu-ms": await asyncio.get_running_loop().run_in_executor(self.pool, spin, argument)}
            self.durations[step] = (began - self.started, time.monotonic() - began)
            self.emit("step-finished", step, attempt=1, lane="loop", status="success", outputs=outputs)
            print(f"[{step}] ok in {int((time.monotonic() - began) * 1000)}ms")
        for dependent in self.dependents[step]:
            self.waiting[dependent] -= 1
            if self.waiting[dependent] == 0:
                self.start(dependent)
        if len(self.durations) == len(self.steps):
            self.done.set()

    def start(self, step):
        task = asyncio.create_task(self.run_step(step))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def run(self):
        self.done = asyncio.Event()
        self.tasks = set()
        for step, count in list(self.waiting.items()):
            if count == 0:
                self.start(step)
        await self.done.wait()
        if self.pool is not None:
            self.pool.shutdown()
        makespan = max(start + length for start, length in self.durations.values())
        print(f"makespan {int(makespan * 1000)}ms · {len(self.durations)} succeeded")
        for step, (start, length) in self.durations.items():
            print(f"{step:10} +{int(start * 1000)}ms {int(length * 1000)}ms success")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workload")
    parser.add_argument("count", type=int, nargs="?", default=0)
    parser.add_argument("--events")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        steps, limit = graph(args.workload, args.count, folder)
        with open(args.events or os.path.join(folder, "events.jsonl"), "w") as log:
            log.write('{"format":"python-peer","version":1}\n')
            asyncio.run(Runner(steps, limit, log).run())


if __name__ == "__main__":
    main()
