#!/usr/bin/env python3
"""Measures a no-op rerun of an incremental pipeline against ninja's no-op.

Usage: python3 Benchmarks/incremental.py [--binary PATH] [--files N] [--steps N] [--repeat N]

Writes N source files (default 20,000) in folders of 100 under a temporary
folder, a Taskloop pipeline whose steps (default 20) each cover a slice of
them with `sources:` globs and write one output listed in `generates:`, and a
ninja file with the same edges. Builds both once, then times, as whole
processes from start to exit:

- taskloop no-op: `taskloop run` when every step is up to date (best of N);
- ninja no-op: `ninja` when nothing is dirty (best of N);
- taskloop cold check: the same no-op rerun with the stat cache deleted, so
  every source is read and hashed again (the first check after a clone or a
  cache wipe; the OS page cache is warm);
- taskloop why: `taskloop why` on the up-to-date pipeline.

Builds nothing itself: pass a release binary (`swift build -c release`), the
default being .build/release/taskloop. Needs ninja (`apt-get install -y ninja-build`).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time


def write_tree(root, files, steps):
    per_folder = 100
    folders = (files + per_folder - 1) // per_folder
    for folder in range(folders):
        path = os.path.join(root, "src", f"part{folder % steps}", f"d{folder}")
        os.makedirs(path, exist_ok=True)
        for index in range(per_folder):
            number = folder * per_folder + index
            if number >= files:
                break
            with open(os.path.join(path, f"f{index}.c"), "w") as handle:
                handle.write(f"int value_{number} = {number};\n")
    lines = ["name: incremental-bench", "steps:"]
    for step in range(steps):
        lines += [
            f"  part{step}:",
            f"    sources: ['src/part{step}/**/*.c']",
            f"    generates: [out/part{step}.txt]",
            f"    shell: mkdir -p out && find src/part{step} -name '*.c' | sort | xargs cat | wc -l > out/part{step}.txt",
        ]
    with open(os.path.join(root, "p.yaml"), "w") as handle:
        handle.write("\n".join(lines) + "\n")
    ninja = ["rule count", "  command = mkdir -p out && find src/$part -name '*.c' | sort | xargs cat | wc -l > $out", ""]
    for step in range(steps):
        inputs = []
        for folder in range(step, folders, steps):
            base = f"src/part{step}/d{folder}"
            inputs += [f"{base}/f{i}.c" for i in range(per_folder) if folder * per_folder + i < files]
        ninja.append(f"build out/part{step}.ninja.txt: count " + " ".join(inputs))
        ninja.append(f"  part = part{step}")
    with open(os.path.join(root, "build.ninja"), "w") as handle:
        handle.write("\n".join(ninja) + "\n")


def timed(command, cwd):
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return elapsed, result.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/taskloop")
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=10)
    arguments = parser.parse_args()
    binary = os.path.abspath(arguments.binary)
    if not os.path.exists(binary):
        sys.exit(f"no binary at {binary}: build it with `swift build -c release`")
    if shutil.which("ninja") is None:
        sys.exit("ninja is missing: apt-get install -y ninja-build")
    root = tempfile.mkdtemp(prefix="taskloop-incremental-")
    try:
        write_tree(root, arguments.files, arguments.steps)
        run = [binary, "run", "p.yaml", "--quiet", "--progress", "plain"]
        first, _ = timed(run, root)
        ninja_first, _ = timed(["ninja"], root)
        _, output = timed(run, root)
        if f"{arguments.steps} up to date" not in output:
            sys.exit(f"the rerun was not a no-op:\n{output}")
        taskloop_noop = min(timed(run, root)[0] for _ in range(arguments.repeat))
        ninja_noop = min(timed(["ninja"], root)[0] for _ in range(arguments.repeat))
        why = min(timed([binary, "why", "p.yaml"], root)[0] for _ in range(3))
        cold = []
        for _ in range(3):
            os.remove(os.path.join(root, ".taskloop/cache/stat-cache"))
            cold.append(timed(run, root)[0])
        print(f"{arguments.files:,} source files in {arguments.steps} steps (best of {arguments.repeat}, whole process)")
        print(f"{'first run (builds everything)':44} {first * 1000:8.1f} ms   ninja {ninja_first * 1000:8.1f} ms")
        print(f"{'taskloop no-op rerun':44} {taskloop_noop * 1000:8.1f} ms")
        print(f"{'ninja no-op':44} {ninja_noop * 1000:8.1f} ms")
        print(f"{'ratio taskloop / ninja':44} {taskloop_noop / ninja_noop:8.2f} x")
        print(f"{'taskloop why (all up to date)':44} {why * 1000:8.1f} ms")
        print(f"{'taskloop cold check (no stat cache, rehash)':44} {min(cold) * 1000:8.1f} ms")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
