"""Diagnosis: what went wrong in a graded submission, in the instructor's terms."""
from __future__ import annotations

from pathlib import Path

import nbformat

from autograder.notebooks import error_outputs

CELL_TIMEOUT_ERROR = "CellTimeoutError"


def execution_problems(autograded: Path) -> tuple[list[str], bool]:
    """``(notes, timed_out)`` for the autograded notebook: time-outs and exceptions by cell."""
    nb = nbformat.read(autograded, as_version=4)
    timeouts, errors = [], []
    for label, output in error_outputs(nb):
        if output.get("ename") == CELL_TIMEOUT_ERROR:
            timeouts.append(label)
        else:
            errors.append(f"{label} ({output.get('ename')})")
    notes = []
    if timeouts:
        notes.append(f"stopped after the per-cell time limit: {', '.join(timeouts)}")
    if errors:
        notes.append(f"errors in {len(errors)} cell(s): {', '.join(errors[:8])}"
                     + (" ..." if len(errors) > 8 else ""))
    return notes, bool(timeouts)


def failure_reason(log: str) -> tuple[str, bool]:
    """``(why nbgrader could not grade a submission, whether a time limit was the cause)``."""
    if "DeadKernelError" in log or "Kernel died" in log:
        return ("the kernel died while running the notebook (the code called os._exit or exit, "
                "crashed Python, or ran out of memory)"), False
    if CELL_TIMEOUT_ERROR in log:
        return ("a cell ran past the per-cell time limit and the kernel did not answer the interrupt "
                "(a fork bomb, a memory bomb, or code that catches KeyboardInterrupt)"), True
    return f"nbgrader could not grade it: {last_error_line(log)}", False


def last_error_line(log: str) -> str:
    """The most telling line of a failed nbgrader run."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    for line in reversed(lines):
        if any(word in line for word in ("Error", "error", "died", "Killed", "Timeout")) and "see the" not in line:
            return line[:300]
    return lines[-1][:300] if lines else "no output"
