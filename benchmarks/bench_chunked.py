"""Peak memory and time of mmd2_biased_chunked at n = m = 100 000, d = 10 on the CPU.

Each size runs in a fresh subprocess. The figures are that process's whole peak resident set size,
getrusage(RUSAGE_SELF).ru_maxrss (Python, torch and the samples included), and its growth during the
call over the RSS read from /proc/self/statm just before it. The run fails if the whole peak reaches
1 GiB. Linux only.

Usage: python benchmarks/bench_chunked.py [--sizes 20000 100000] [--chunk-size 2048] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

# Benchmark this checkout's mmdlib, not whichever copy is installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DIM = 10
SIGMA2 = 2.0
LIMIT_BYTES = 2**30


def _rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def run_case(n: int, chunk_size: int, threads: int) -> dict:
    """Run one call of mmd2_biased_chunked in float64 and return its memory, time and value."""
    import torch

    from mmdlib.estimators import mmd2_biased_chunked

    torch.set_num_threads(threads)
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(n, DIM, generator=generator, dtype=torch.float64)
    y = torch.randn(n, DIM, generator=generator, dtype=torch.float64) + 0.25
    rss_before = _rss_bytes()
    start = time.perf_counter()
    value = float(mmd2_biased_chunked(x, y, SIGMA2, chunk_size=chunk_size))
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"n": n, "seconds": seconds, "peak_bytes": peak, "growth_bytes": peak - rss_before, "value": value}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000], help="sample sizes n = m")
    parser.add_argument("--chunk-size", type=int, default=2048, help="rows and columns per tile")
    parser.add_argument("--threads", type=int, default=1, help="torch threads in each subprocess")
    parser.add_argument("--case", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case is not None:
        print(json.dumps(run_case(args.case, args.chunk_size, args.threads)))
        return

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch on "
          f"{args.threads} thread(s), float64, d = {DIM}, chunk_size = {args.chunk_size}")
    print()
    print("| n = m | time (s) | whole-process peak RSS (MiB) | growth during the call (MiB) | MMD^2_b | full Gram matrices would need (GiB) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        command = [sys.executable, __file__, "--case", str(n), "--chunk-size", str(args.chunk_size),
                   "--threads", str(args.threads)]
        completed = subprocess.run(command, capture_output=True, text=True, check=True)
        case = json.loads(completed.stdout.strip().splitlines()[-1])
        dense_gib = 3 * n * n * 8 / 2**30
        print(f"| {n} | {case['seconds']:.1f} | {case['peak_bytes'] / 2**20:.0f} | "
              f"{case['growth_bytes'] / 2**20:.0f} | {case['value']:.6f} | {dense_gib:.0f} |")
        if case["peak_bytes"] >= LIMIT_BYTES:
            raise RuntimeError(f"peak RSS {case['peak_bytes'] / 2**20:.0f} MiB at n = {n} reaches the 1 GiB limit")
    print()
    print(f"peak RSS below 1 GiB at every size up to n = {max(args.sizes)}")


if __name__ == "__main__":
    main()
