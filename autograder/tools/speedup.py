"""How much faster a class is graded in parallel than by plain ``nbgrader autograde``.

    python -m autograder grading-benchmark LAB [--students 20] [--jobs N]

The same synthetic class (complete, blank and half-solved submissions, in turn) is graded
twice, in two scratch course directories: once by plain ``nbgrader autograde LAB`` (one
process, one student after another, no sandbox: nbgrader's own way), once by this course's
grader (:func:`autograder.grading.run.grade_class`: ``jobs`` long-lived nbgrader workers, student
code in the kernel sandbox). It prints both
times, the ratio, and checks that both gave every student the same score.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from autograder import nbgrader_run
from autograder.build import build_lab
from autograder.gradebook import open_gradebook
from autograder.grading.run import grade_class
from autograder.outcomes import Status
from autograder.paths import Course
from autograder.tools.synthetic import submit_class


def scores(course_dir: Path, lab: str) -> dict[str, float]:
    with open_gradebook(course_dir) as gb:
        return {s.student.id: s.score for s in gb.find_assignment(lab).submissions}


def prepare(lab: str, course_dir: Path, size: int) -> dict[str, str]:
    build_lab(lab, course_dir, Course(course_dir).labs())
    return submit_class(lab, course_dir, size)


def run(lab: str, size: int, jobs: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        plain_dir, parallel_dir = Path(tmp) / "plain", Path(tmp) / "parallel"
        kinds = prepare(lab, plain_dir, size)
        prepare(lab, parallel_dir, size)

        start = time.perf_counter()
        nbgrader_run.run(plain_dir, "autograde", lab, "--force", timeout=None)
        plain = time.perf_counter() - start

        start = time.perf_counter()
        outcomes = grade_class(lab, parallel_dir, jobs=jobs)
        parallel = time.perf_counter() - start

        a, b = scores(plain_dir, lab), scores(parallel_dir, lab)
        disagree = sorted(s for s in kinds if a.get(s) != b.get(s))
        return {"lab": lab, "students": size, "jobs": jobs, "plain_s": plain, "parallel_s": parallel,
                "ratio": plain / parallel, "disagree": disagree,
                "failed": sorted(o.student for o in outcomes if o.status is Status.FAILED)}


def main(lab: str, size: int, jobs: int) -> int:
    if size < 1:
        raise ValueError(f"--students must be at least 1, got {size}")
    result = run(lab, size, jobs)
    print(f"{result['lab']}: {size} students (complete, blank and half-solved in turn)")
    print(f"  plain nbgrader autograde, one by one : {result['plain_s']:7.1f} s  "
          f"({result['plain_s'] / size:.1f} s per student)")
    print(f"  this grader, sandboxed, --jobs {jobs:<2}     : {result['parallel_s']:7.1f} s  "
          f"({result['parallel_s'] / size:.1f} s per student)")
    print(f"  speed-up: {result['ratio']:.2f}x")
    if result["disagree"] or result["failed"]:
        print(f"  PROBLEM: scores differ for {result['disagree']}; failed: {result['failed']}")
        return 1
    print("  both gave every student the same score")
    return 0
