#!/usr/bin/env bash
# Run the section 4 experiments at the paper scale and copy their results files into book/results/.
#
# Usage (from anywhere; paths are relative to the repository root):
#   tools/run_paper_scale.sh [--repeats N] [--device cpu|cuda] [--threads T] [--runs-dir DIR]
#                            [--results-dir DIR] [--max-iterations K] [--dry-run] [EXPERIMENT ...]
#
# Each experiment runs `python -m mmdlib.reproduce EXPERIMENT --scale paper --out runs/`, which writes
# runs/EXPERIMENT-paper.json after every chunk of repeats and resumes from it when started again. When
# the command ends, the file is copied to book/results/EXPERIMENT.json, the name the chapters load, even
# if the run is incomplete (the chapters print how many repeats finished).
#
# Options:
#   --repeats N         cap on the repeats per (setting, method). The paper's appendix uses 50 to 1000;
#                       a cap keeps every method and setting but widens the Wilson intervals. The file
#                       records the cap as repeats_cap and the chapters state it. Default: no cap.
#   --device D          cpu (default) or cuda.
#   --threads T         torch CPU threads per run (default 1).
#   --runs-dir DIR      where mmdlib.reproduce writes (default runs).
#   --results-dir DIR   where the chapters read (default book/results).
#   --max-iterations K  cap on training steps, for smoke tests of this script only: the results then do
#                       not reproduce the paper, and the file records max_iterations.
#   --dry-run           print the commands without running them.
#   EXPERIMENT ...      a subset of: mean mixture_mean covariance mixture_covariance covariance_eps
#                       unmixing (default: all six, in that order).
#
# Environment: PYTHON (default: python3) is the interpreter that has mmdlib installed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
ALL=(mean mixture_mean covariance mixture_covariance covariance_eps unmixing)
repeats=""
device="cpu"
threads="1"
runs_dir="runs"
results_dir="book/results"
max_iterations=""
dry_run=0
experiments=()

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

fail() {
    echo "run_paper_scale.sh: error: $1 (see --help)" >&2
    exit 2
}

positive() {
    [[ "$2" =~ ^[1-9][0-9]*$ ]] || fail "$1 must be a positive integer, got '$2'"
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --repeats) [[ $# -ge 2 ]] || fail "--repeats needs a value"; positive --repeats "$2"; repeats="$2"; shift 2 ;;
        --device) [[ $# -ge 2 ]] || fail "--device needs a value"; device="$2"; shift 2 ;;
        --threads) [[ $# -ge 2 ]] || fail "--threads needs a value"; positive --threads "$2"; threads="$2"; shift 2 ;;
        --runs-dir) [[ $# -ge 2 ]] || fail "--runs-dir needs a value"; runs_dir="$2"; shift 2 ;;
        --results-dir) [[ $# -ge 2 ]] || fail "--results-dir needs a value"; results_dir="$2"; shift 2 ;;
        --max-iterations) [[ $# -ge 2 ]] || fail "--max-iterations needs a value"; positive --max-iterations "$2"
                          max_iterations="$2"; shift 2 ;;
        --dry-run) dry_run=1; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) fail "unknown option $1" ;;
        *) [[ " ${ALL[*]} " == *" $1 "* ]] || fail "unknown experiment '$1'; choose from ${ALL[*]}"
           experiments+=("$1"); shift ;;
    esac
done
[[ "$device" == cpu || "$device" == cuda ]] || fail "--device must be cpu or cuda, got '$device'"
[[ ${#experiments[@]} -gt 0 ]] || experiments=("${ALL[@]}")

cd "$ROOT"
[[ $dry_run -eq 1 ]] || mkdir -p "$runs_dir" "$results_dir"
for experiment in "${experiments[@]}"; do
    command=("$PYTHON" -m mmdlib.reproduce "$experiment" --scale paper --device "$device" --threads "$threads"
             --out "$runs_dir")
    [[ -z "$repeats" ]] || command+=(--repeats "$repeats")
    [[ -z "$max_iterations" ]] || command+=(--max-iterations "$max_iterations")
    source_file="$runs_dir/$experiment-paper.json"
    target_file="$results_dir/$experiment.json"
    if [[ $dry_run -eq 1 ]]; then
        echo "${command[*]}"
        echo "cp $source_file $target_file"
        continue
    fi
    echo "== $experiment: ${command[*]}" >&2
    status=0
    "${command[@]}" || status=$?
    if [[ -f "$source_file" ]]; then
        cp "$source_file" "$target_file.tmp" && mv "$target_file.tmp" "$target_file"
        echo "== $experiment: copied $source_file to $target_file" >&2
    fi
    if [[ $status -ne 0 ]]; then
        echo "run_paper_scale.sh: $experiment stopped with status $status; run the same command again to resume" >&2
        exit "$status"
    fi
done
