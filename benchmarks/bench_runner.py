"""Time the batched runner against the same work done one repeat at a time in a Python loop.

    python benchmarks/bench_runner.py [--quick] [--repeats 100] [--m 128] [--d 10] [--device cpu]

For each method of the Gaussian-mean experiment it trains R repeats once as one batched program
(``run_setting(..., range(R))``) and once as R separate calls (``run_setting(..., [r])``), checks that
both give the same final parameters, and prints a table. The last line is the overall ratio of loop time
to batched time.
"""

from __future__ import annotations

import argparse
import platform
import time
from dataclasses import replace

import torch

from mmdlib.experiments.runner import run_setting
from mmdlib.experiments.scales import get_spec
from mmdlib.experiments.spec import Setting


def _time(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 iterations per method instead of 100")
    parser.add_argument("--repeats", type=int, default=100, help="R, repeats per method (default 100)")
    parser.add_argument("--m", type=int, default=128, help="data points per repeat (default 128)")
    parser.add_argument("--d", type=int, default=10, help="dimension (default 10)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    iterations = 20 if args.quick else 100
    spec = get_spec("mean", "paper")
    spec = replace(spec, d=args.d, settings=(Setting(f"m={args.m}", args.m),),
                   methods=tuple(replace(m, iterations=iterations) for m in spec.methods))
    print(f"machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} thread(s), device {args.device}")
    print(f"R={args.repeats}, m={args.m}, d={args.d}, {iterations} iterations per method (n = m fake samples)")
    print(f"{'method':>8} {'batched s':>10} {'loop s':>10} {'speedup':>8} {'max |diff|':>11}")
    total_batched = total_loop = 0.0
    for method in spec.methods:
        batched_s, batched = _time(lambda: run_setting(spec, 0, method.name, range(args.repeats), device=args.device))
        loop_s, alone = _time(lambda: [run_setting(spec, 0, method.name, [r], device=args.device)
                                       for r in range(args.repeats)])
        looped = torch.cat([a.final_params["mu"] for a in alone])
        diff = (batched.final_params["mu"] - looped).abs().max().item()
        total_batched += batched_s
        total_loop += loop_s
        print(f"{method.name:>8} {batched_s:>10.2f} {loop_s:>10.2f} {loop_s / batched_s:>7.1f}x {diff:>11.2e}")
    print(f"batched-vs-loop speedup: {total_loop / total_batched:.1f}x")


if __name__ == "__main__":
    main()
