"""Execute reference solutions and report seconds and peak memory per lab.

    python -m autograder benchmark [LAB ...]        (this module: autograder.tools.lab_timing)

Each lab runs in a fresh process, offline inside the grading sandbox, exactly as a student's
notebook would: the time is the wall-clock time of executing every cell (kernel start
included), the memory the peak resident set of the notebook's kernel.
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.settings import DEFAULTS


def execute(notebook_path: Path, timeout: int = DEFAULTS.reference_cell_timeout) -> float:
    """Execute a notebook in place (cwd = its folder); returns seconds. Raises on a cell error."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(notebook_path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(notebook_path.parent)}}).execute()
    seconds = time.perf_counter() - start
    nbformat.write(nb, notebook_path)
    return seconds


def measure(lab: str) -> dict:
    """Seconds and peak kernel memory of one reference lab, in a fresh sandboxed process."""
    import nbformat

    from autograder import nbgrader_run
    from autograder.build import source_notebook
    from autograder.grading import bubblewrap

    with tempfile.TemporaryDirectory(prefix=f"bench-{lab}-") as tmp:
        path = Path(tmp) / f"{lab}.ipynb"
        nbformat.write(source_notebook(lab), path)
        argv = [*bubblewrap.prefix(Path(tmp)), sys.executable, "-m", "autograder.tools.lab_timing", "--one", str(path)]
        result = subprocess.run(argv, capture_output=True, text=True, env=nbgrader_run.environment())
    if result.returncode != 0:
        return {"lab": lab, "error": (result.stderr.strip().splitlines() or ["failed"])[-1]}
    return {"lab": lab, **json.loads(result.stdout.strip().splitlines()[-1])}


def main(labs: list[str]) -> int:
    from autograder.paths import check_lab_name, lab_names

    labs = [check_lab_name(lab) for lab in labs] or lab_names()
    total, worst = 0.0, 0
    print(f"{'lab':40s} {'seconds':>8s} {'peak MB':>8s}")
    for lab in labs:
        row = measure(lab)
        if "error" in row:
            print(f"{lab:40s} FAILED: {row['error']}")
            worst = 1
            continue
        total += row["seconds"]
        flag = f"  over the {DEFAULTS.lab_budget:g} s budget" if row["seconds"] > DEFAULTS.lab_budget else ""
        worst = worst or bool(flag)
        print(f"{lab:40s} {row['seconds']:8.1f} {row['peak_mb']:8.0f}{flag}")
    print(f"{'total':40s} {total:8.1f}")
    return worst


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        seconds = execute(Path(sys.argv[2]))
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(json.dumps({"seconds": round(seconds, 2), "peak_mb": round(peak_mb)}))
    else:
        raise SystemExit(main(sys.argv[1:]))
