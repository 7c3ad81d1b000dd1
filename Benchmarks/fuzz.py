#!/usr/bin/env python3
"""Feeds seeded hostile input to Taskloop's loader and expression engine and
checks that every case ends, quickly, without a crash.

Usage: python3 Benchmarks/fuzz.py [--cases N] [--seed S] [--budget-ms MS]
                                  [--configuration release|debug] [--no-build]

Builds `taskloop-fuzz` (swift build -c CONFIGURATION --product taskloop-fuzz),
then runs it as a child process over the corpus (the test fixtures and
pipelines/). The fuzzer runs every case in its own process, in-process
through the library, and times each one against the budget (a slower case is
reported as a hang). This script watches from outside: when the child
crashes (a signal, a trap) or stops making progress for 30 budgets, it
reports the seed and the case it was on, with the command that reproduces it.
Exit status 0 means every case ended in time.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--budget-ms", type=int, default=2000)
    parser.add_argument("--configuration", choices=["release", "debug"], default="release")
    parser.add_argument("--no-build", action="store_true")
    options = parser.parse_args()

    if not options.no_build:
        subprocess.run(["swift", "build", "-c", options.configuration, "--product", "taskloop-fuzz"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, ".build", options.configuration, "taskloop-fuzz")
    corpus = [os.path.join(ROOT, "Tests", "TaskloopTests", "Fixtures"), os.path.join(ROOT, "pipelines")]

    with tempfile.TemporaryDirectory() as scratch:
        progress = os.path.join(scratch, "progress")
        command = [binary, "--seed", str(options.seed), "--cases", str(options.cases),
                   "--budget-ms", str(options.budget_ms), "--progress", progress]
        for folder in corpus:
            command += ["--corpus", folder]
        started = time.monotonic()
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stall_limit = max(10.0, 30 * options.budget_ms / 1000)
        last_case, last_change = None, time.monotonic()
        while child.poll() is None:
            time.sleep(0.5)
            case = read_case(progress)
            if case != last_case:
                last_case, last_change = case, time.monotonic()
            elif time.monotonic() - last_change > stall_limit:
                child.kill()
                child.wait()
                print(f"HANG: case {case} of seed {options.seed} made no progress for {stall_limit:.0f} s; "
                      f"reproduce with: {binary} --seed {options.seed} --case {case} " + corpus_flags(corpus))
                return 1
        output, errors = child.communicate()
        wall = time.monotonic() - started
        if child.returncode < 0 or child.returncode > 1:
            case = read_case(progress)
            how = f"signal {-child.returncode}" if child.returncode < 0 else f"exit status {child.returncode}"
            print(errors[-4000:], file=sys.stderr)
            print(f"CRASH ({how}): case {case} of seed {options.seed}; "
                  f"reproduce with: {binary} --seed {options.seed} --case {case} " + corpus_flags(corpus))
            return 1
        print(output, end="")
        print(f"wall {wall:.2f} s ({options.configuration} build)")
        return child.returncode


def read_case(path):
    try:
        with open(path) as file:
            return file.read().split("\n")[0].strip() or "0"
    except FileNotFoundError:
        return "0"


def corpus_flags(corpus):
    return " ".join(f"--corpus {folder}" for folder in corpus)


if __name__ == "__main__":
    sys.exit(main())
