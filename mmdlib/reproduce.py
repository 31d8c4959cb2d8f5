"""Command line for the section 4 experiments: run one experiment at one scale and write a results file.

    python -m mmdlib.reproduce EXPERIMENT --scale {ci,paper} --device {cpu,cuda} --repeats N --out DIR

Repeats run in chunks, each chunk one batched program (:func:`mmdlib.experiments.runner.run_setting`).
After every chunk the results file ``DIR/EXPERIMENT-SCALE.json`` is rewritten atomically, so an
interrupted run (Ctrl-C, SIGTERM, even SIGKILL) keeps every finished chunk. Running the same command
again resumes after the last finished chunk. Invalid arguments print one error line and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import platform
import signal
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import NoReturn, Sequence

import numpy as np
import scipy
import torch
from tqdm import tqdm

import mmdlib
from mmdlib.experiments import EXPERIMENTS
from mmdlib.experiments import results as results_io
from mmdlib.experiments.results import FORMAT, FORMAT_VERSION, ResultsError, to_json_number
from mmdlib.experiments.runner import RunResult, run_setting
from mmdlib.experiments.scales import SCALES, get_spec
from mmdlib.experiments.spec import ExperimentSpec
from mmdlib.experiments.success import wilson_interval

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


class Interrupted(Exception):
    """Raised from the SIGTERM or SIGINT handler so the current chunk is dropped cleanly."""


def _out_folder(value: str) -> Path:
    """Parse --out; an empty string would silently mean the current folder, so it is refused."""
    if not value.strip():
        raise argparse.ArgumentTypeError("must name a folder, got an empty string; use --out . for the current folder")
    return Path(value)


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="python -m mmdlib.reproduce", description=__doc__.splitlines()[0])
    parser.add_argument("experiment", choices=EXPERIMENTS, help="which experiment to run")
    parser.add_argument("--scale", choices=SCALES, default="ci", help="ci (fast smoke run) or paper (Tables 2-8)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="where to train")
    parser.add_argument("--repeats", type=int, default=None,
                        help="cap on repeats per (setting, method); default: the scale's own counts")
    parser.add_argument("--out", type=_out_folder, required=True, help="folder for the results file")
    parser.add_argument("--seed", type=int, default=0, help="non-negative base seed (default 0)")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32", help="training precision")
    parser.add_argument("--chunk-size", type=int, default=64,
                        help="repeats per batched program and per save (default 64)")
    parser.add_argument("--history-points", type=int, default=50, help="loss values kept per repeat (default 50)")
    parser.add_argument("--max-iterations", type=int, default=None,
                        help="cap on training iterations of every method, for quick smoke runs")
    parser.add_argument("--holdout", action="store_true",
                        help="choose sigma2 of MMD and OSMMD per repeat by hold-out over powers of ten")
    parser.add_argument("--settings", nargs="+", default=None, metavar="LABEL",
                        help="run only these x-axis settings, by label (e.g. m=16); default: all")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    return parser


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = _parser()
    args = parser.parse_args(argv)
    for name in ("repeats", "chunk_size", "history_points", "threads", "max_iterations"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be a positive integer, got {value}")
    if args.seed < 0:
        parser.error(f"--seed must be a non-negative integer, got {args.seed}")
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda was requested but torch.cuda.is_available() is False; use --device cpu")
    if args.settings is not None:
        labels = [s.label for s in get_spec(args.experiment, args.scale).settings]
        unknown = [label for label in args.settings if label not in labels]
        if unknown:
            parser.error(f"--settings has unknown label(s) {', '.join(unknown)}; "
                         f"{args.experiment} at scale {args.scale} has {', '.join(labels)}")
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out must be a folder, but {args.out} is a file")
    return args


def _versions() -> dict[str, str]:
    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
            "scipy": scipy.__version__, "mmdlib": mmdlib.__version__}


def _device_name(device: str) -> str:
    if device == "cuda":
        return f"cuda: {torch.cuda.get_device_name(0)}"
    return f"cpu: {platform.processor() or platform.machine()}, {torch.get_num_threads()} torch thread(s)"


def _target(spec: ExperimentSpec, method_repeats: int, cap: int | None) -> int:
    return method_repeats if cap is None else min(method_repeats, cap)


def _fresh(args: argparse.Namespace, spec: ExperimentSpec) -> dict:
    runs = []
    for setting in spec.settings:
        for method in spec.methods:
            runs.append({
                "setting": setting.label, "method": method.name, "m": setting.m,
                "repeats": _target(spec, method.repeats, args.repeats), "finished": 0,
                "repeat_indices": [], "seeds": [], "errors": [], "success": [], "diverged": [], "sigma2": [],
                "final_params": {}, "history_steps": [], "loss_history": [], "successes": 0, "wilson95": None,
            })
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "experiment": args.experiment, "scale": args.scale, "base_seed": args.seed,
        "device": args.device, "device_name": _device_name(args.device), "dtype": args.dtype,
        "repeats_cap": args.repeats, "max_iterations": args.max_iterations, "spec": json.loads(json.dumps(spec.to_dict())), "versions": _versions(),
        "wall_time_s": 0.0, "complete": False, "runs": runs,
    }


def _resume_or_fresh(path: Path, args: argparse.Namespace, spec: ExperimentSpec) -> dict:
    fresh = _fresh(args, spec)
    if not path.exists():
        return fresh
    old = results_io.load(path)
    for key in ("experiment", "scale", "base_seed", "dtype", "repeats_cap", "max_iterations", "spec"):
        if old.get(key) != fresh[key]:
            raise ResultsError(f"{path}: field '{key}' differs from this command's settings, so the run "
                               "cannot resume; pass another --out folder or delete the file")
    old["versions"], old["device"], old["device_name"] = fresh["versions"], fresh["device"], fresh["device_name"]
    return old


def _append(run: dict, result: RunResult) -> None:
    run["repeat_indices"] += result.repeat_indices
    run["seeds"] += result.seeds
    run["errors"] += [to_json_number(e) for e in result.errors.tolist()]
    run["success"] += [bool(s) for s in result.success.tolist()]
    run["diverged"] += [bool(s) for s in result.diverged.tolist()]
    run["sigma2"] += [to_json_number(s) for s in result.sigma2.tolist()]
    for name, value in result.final_params.items():
        run["final_params"].setdefault(name, []).extend(value.cpu().double().tolist())
    run["history_steps"] = result.history_steps
    run["loss_history"] += [[to_json_number(v) for v in row] for row in result.loss_history.cpu().tolist()]
    run["finished"] += len(result.repeat_indices)
    run["successes"] = sum(run["success"])
    run["wilson95"] = list(wilson_interval(run["successes"], run["finished"]))


def _raise_interrupted(signum: int, frame: object) -> None:
    raise Interrupted(signal.Signals(signum).name)


def run(args: argparse.Namespace) -> int:
    """Run (or resume) the experiment described by parsed arguments; return the exit status."""
    torch.set_num_threads(args.threads)
    spec = get_spec(args.experiment, args.scale)
    if args.max_iterations is not None:
        capped = tuple(replace(m, iterations=min(m.iterations, args.max_iterations)) for m in spec.methods)
        spec = replace(spec, methods=capped)
    if args.holdout:
        methods = tuple(replace(m, holdout=True) if m.kind in ("mmd", "osmmd") else m for m in spec.methods)
        spec = replace(spec, methods=methods)
    if args.settings is not None:
        spec = replace(spec, settings=tuple(s for s in spec.settings if s.label in args.settings))
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ResultsError(f"--out {args.out}: cannot create the folder ({exc.strerror}); "
                           "pass a folder that exists or can be created") from exc
    path = args.out / f"{args.experiment}-{args.scale}.json"
    data = _resume_or_fresh(path, args, spec)

    dtype = torch.float64 if args.dtype == "float64" else torch.float32
    pending = sum(r["repeats"] - r["finished"] for r in data["runs"])
    total = sum(r["repeats"] for r in data["runs"])
    signal.signal(signal.SIGTERM, _raise_interrupted)
    signal.signal(signal.SIGINT, _raise_interrupted)

    bar = tqdm(total=total, initial=total - pending, desc=f"{args.experiment} ({args.scale})", unit="repeat")
    try:
        for run_entry in data["runs"]:
            setting_index = [s.label for s in spec.settings].index(run_entry["setting"])
            while run_entry["finished"] < run_entry["repeats"]:
                start = run_entry["finished"]
                stop = min(run_entry["repeats"], start + args.chunk_size)
                bar.set_postfix_str(f"{run_entry['setting']} {run_entry['method']}")
                began = time.perf_counter()
                result = run_setting(spec, setting_index, run_entry["method"], range(start, stop),
                                     base_seed=args.seed, device=args.device, dtype=dtype,
                                     history_points=args.history_points)
                _append(run_entry, result)
                data["wall_time_s"] += time.perf_counter() - began
                data["complete"] = all(r["finished"] == r["repeats"] for r in data["runs"])
                results_io.save(path, data)
                bar.update(stop - start)
    except Interrupted as exc:
        bar.close()
        done = sum(r["finished"] for r in data["runs"])
        print(f"interrupted by {exc}; {done} finished repeats are saved in {path}; "
              "run the same command again to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    bar.close()
    results_io.save(path, data)

    print(f"wrote {path}")
    for row in results_io.success_table(data):
        low, high = row["wilson95"]
        print(f"{row['setting']:>14} {row['method']:>8}: {row['successes']}/{row['trials']} "
              f"succeeded, Wilson 95% [{low:.2f}, {high:.2f}]")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse ``argv``, run, and return the exit status."""
    args = _parse(argv)
    try:
        return run(args)
    except (ResultsError, ImportError) as exc:
        print(f"python -m mmdlib.reproduce: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
