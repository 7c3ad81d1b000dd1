#!/usr/bin/env python3
"""Measures how Taskloop behaves at the limits of files and output, and prints the figures.

Usage: python3 Benchmarks/file-limits.py [--binary PATH] [--output-bytes N]

- a gigabyte of output from one shell step: the wall time and taskloop's peak
  resident memory (the output is capped at 1 MiB; memory must stay flat);
- how long after its `timeout: 300ms` a 2 GB `file: copy` ends, and whether a
  temporary file is left; the same for a 1 GB `move` across file systems (from
  /dev/shm, when it has room).

The test suite proves the same with less data (Tests/TaskloopTests/ShellStepTests.swift,
Tests/TaskloopTests/FileStepTests.swift); this script gives the figures at full size.
Pass a release binary for representative numbers (default .build/release/taskloop,
else .build/debug/taskloop).
"""
import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time


def run(binary, folder, yaml, events):
    with open(os.path.join(folder, "p.yaml"), "w") as f:
        f.write(yaml)
    start = time.monotonic()
    process = subprocess.Popen([binary, "run", "p.yaml", "--quiet", "--events", events], cwd=folder,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return time.monotonic() - start, usage.ru_maxrss * 1024, process.returncode


def step_time(events, step):
    started = finished = None
    error = None
    with open(events) as f:
        for line in f:
            event = json.loads(line)
            if event.get("step") != step:
                continue
            if event.get("event") == "step-started":
                started = event["t"]
            if event.get("event") == "step-finished":
                finished, error = event["t"], event.get("error")
    return (finished - started) / 1e6 if started is not None and finished is not None else None, error


def leftovers(folder):
    return [name for name in os.listdir(folder) if ".taskloop-" in name] if os.path.isdir(folder) else []


def large_output(binary, size):
    with tempfile.TemporaryDirectory() as folder:
        yaml = f"steps:\n  flood: {{ shell: \"head -c {size} /dev/zero | tr '\\\\0' 'x'\" }}\n"
        wall, peak, code = run(binary, folder, yaml, "events.jsonl")
        base_wall, base_peak, _ = run(binary, folder, "steps:\n  small: { shell: echo small }\n", "small.jsonl")
        print(f"{size / 1e9:.2f} GB of output in one line   wall {wall:7.1f}s   peak memory {peak / 2**20:6.1f} MiB"
              f" (a run that prints one line: {base_peak / 2**20:.1f} MiB)   exit {code}")


def cancelled_copy(binary, label, source_folder, size, operation):
    with tempfile.TemporaryDirectory() as folder:
        source = os.path.join(source_folder, "taskloop-benchmark-source.bin")
        with open(source, "wb") as f:
            chunk = os.urandom(1 << 20)
            for _ in range(size >> 20):
                f.write(chunk)
        try:
            yaml = f"steps:\n  copy: {{ file: {{ {operation}: \"{source}\", to: out/copy.bin }}, timeout: 300ms }}\n"
            wall, _, code = run(binary, folder, yaml, "events.jsonl")
            took, error = step_time(os.path.join(folder, "events.jsonl"), "copy")
            left = leftovers(os.path.join(folder, "out"))
            print(f"{label:38} step ended {took:6.3f}s after it started (timeout 300ms), exit {code},"
                  f" temporary files left: {len(left)}; {error}")
        finally:
            if os.path.exists(source):
                os.remove(source)


def main():
    parser = argparse.ArgumentParser()
    default = ".build/release/taskloop" if os.path.exists(".build/release/taskloop") else ".build/debug/taskloop"
    parser.add_argument("--binary", default=default)
    parser.add_argument("--output-bytes", type=int, default=1_000_000_000)
    arguments = parser.parse_args()
    binary = os.path.abspath(arguments.binary)
    print(f"binary: {binary}")
    large_output(binary, arguments.output_bytes)
    cancelled_copy(binary, "copy 2 GB, timeout 300ms", tempfile.gettempdir(), 2 << 30, "copy")
    shm = "/dev/shm"
    if os.path.isdir(shm) and shutil.disk_usage(shm).free > (3 << 30) // 2:
        cancelled_copy(binary, "move 1 GB across file systems", shm, 1 << 30, "move")
    else:
        print("move across file systems: skipped (/dev/shm is missing or has less than 1.5 GB free)")


if __name__ == "__main__":
    main()
