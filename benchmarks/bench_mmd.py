"""Time and peak memory of the biased MMD^2 estimate: mmdlib against geomloss and a torch.cdist version.

Every (method, n) case runs in a fresh subprocess, so the peak-memory figure belongs to that case alone.
It is the growth of the resident set size during the first call: getrusage(RUSAGE_SELF).ru_maxrss after
the call minus the RSS read from /proc/self/statm just before it.
The time is the median wall-clock time of the following calls. Torch runs on one thread, in float32,
with d = 10 and m = n. Linux only (ru_maxrss in KiB, /proc/self/statm).

Usage: python benchmarks/bench_mmd.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

# Benchmark this checkout's mmdlib, not whichever copy is installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DIM = 10
SIGMA2 = 2.0
METHODS = ("mmd2_biased", "geomloss", "cdist")


def _rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _make_estimator(method: str):
    import torch

    if method == "mmd2_biased":
        from mmdlib.estimators import mmd2_biased

        return lambda x, y: mmd2_biased(x, y, SIGMA2)
    if method == "geomloss":
        from geomloss import SamplesLoss

        # geomloss's Gaussian kernel is exp(-|x-y|^2 / (2 blur^2)) and its loss is half the V-statistic.
        loss = SamplesLoss("gaussian", blur=SIGMA2**0.5, backend="tensorized")
        return lambda x, y: 2.0 * loss(x, y)
    if method == "cdist":

        def cdist_mmd2(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            def mean_kernel(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
                return torch.exp(-torch.cdist(a, b).pow(2) / (2.0 * SIGMA2)).mean()

            return mean_kernel(x, x) + mean_kernel(y, y) - 2.0 * mean_kernel(x, y)

        return cdist_mmd2
    raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")


def run_case(method: str, n: int, repeats: int) -> dict:
    """Run one case in this process and return its peak memory growth, median time and value."""
    import torch

    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(n)
    x = torch.randn(n, DIM, generator=generator)
    y = torch.randn(n, DIM, generator=generator) + 0.25
    estimator = _make_estimator(method)
    rss_before = _rss_bytes()
    value = float(estimator(x, y))
    peak_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        estimator(x, y)
        times.append(time.perf_counter() - start)
    return {"method": method, "n": n, "seconds": statistics.median(times), "peak_bytes": max(peak_growth, 0),
            "value": value}


def _run_in_subprocess(method: str, n: int, repeats: int) -> dict:
    command = [sys.executable, __file__, "--case", method, str(n), str(repeats)]
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def check_geomloss_agreement() -> float:
    """Return the relative gap between mmd2_biased and twice geomloss's loss in float64; raise if it is large."""
    import torch
    from geomloss import SamplesLoss

    from mmdlib.estimators import mmd2_biased

    generator = torch.Generator().manual_seed(0)
    x = torch.randn(256, DIM, generator=generator, dtype=torch.float64)
    y = torch.randn(256, DIM, generator=generator, dtype=torch.float64) + 0.25
    ours = float(mmd2_biased(x, y, SIGMA2))
    theirs = 2.0 * float(SamplesLoss("gaussian", blur=SIGMA2**0.5, backend="tensorized")(x, y))
    gap = abs(ours - theirs) / abs(ours)
    if gap > 1e-10:
        raise RuntimeError(f"mmd2_biased = {ours!r} but 2 * geomloss = {theirs!r} (relative gap {gap:.3g})")
    return gap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="sizes 256, 1024, 4096 and 3 timed repeats")
    parser.add_argument("--case", nargs=3, metavar=("METHOD", "N", "REPEATS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case is not None:
        method, n, repeats = args.case
        print(json.dumps(run_case(method, int(n), int(repeats))))
        return

    sizes = (256, 1024, 4096) if args.quick else (256, 512, 1024, 2048, 4096)
    repeats = 3 if args.quick else 7
    gap = check_geomloss_agreement()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch on 1 thread, float32, d = {DIM}")
    print(f"float64 check at n = 256: |mmd2_biased - 2 * geomloss| / mmd2_biased = {gap:.2e}")
    print()
    print("| n | method | median time (ms) | peak RSS growth (MiB) | MMD^2_b |")
    print("|---:|---|---:|---:|---:|")
    results = {}
    for n in sizes:
        for method in METHODS:
            case = _run_in_subprocess(method, n, repeats)
            results[method, n] = case
            print(f"| {n} | {method} | {1e3 * case['seconds']:.2f} | {case['peak_bytes'] / 2**20:.1f} | {case['value']:.6f} |")
        reference = results["mmd2_biased", n]["value"]
        for method in METHODS[1:]:
            other = results[method, n]["value"]
            if abs(other - reference) > 1e-4 * abs(reference) + 1e-6:
                raise RuntimeError(f"at n = {n}, {method} gives {other} but mmd2_biased gives {reference}")
    ratio = results["geomloss", sizes[-1]]["seconds"] / results["mmd2_biased", sizes[-1]]["seconds"]
    print()
    print(f"mmd2_biased vs geomloss at n={sizes[-1]}: {ratio:.2f}x")


if __name__ == "__main__":
    main()
