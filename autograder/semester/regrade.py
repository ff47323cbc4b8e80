"""Regrade a lab after its source changed (a hidden test fixed mid-semester), and say whose score moved and why.

``python -m autograder regrade LAB``:

1. records every student's score on every graded cell from the gradebook (autograded and
   manual), the errors in their autograded notebook, and the lab's source notebook;
2. rebuilds the lab from ``solutions/LAB.py`` (nbgrader's ``generate_assignment``: the
   gradebook gets the new tests and points);
3. regrades every collected submission (the same sandboxed grader as ``autograde``);
4. keeps manual grades: nbgrader itself never overwrites a manual score, but it marks every
   manually graded cell "needs manual grade" again; a cell whose manual grade was final before
   is marked final again, so nothing reappears in formgrader's queue;
5. writes ``reports/LAB/LAB_regrade.csv`` and ``.html``: per student the old and new total, and
   per cell that changed the old and new score and why (the cell's tests or points changed in
   the source, the cell now passes or fails and with which error, a manual grade kept, the
   submission's status changed).
"""
from __future__ import annotations

import csv
import html
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.build import build_lab
from autograder.gradebook import open_gradebook
from autograder.grading.run import grade_class
from autograder.outcomes import read_outcomes, write_outcomes
from autograder.paths import LABS, SOLUTIONS, Course
from autograder.settings import DEFAULTS, Limits


@dataclass
class CellGrade:
    score: float
    max_score: float
    auto: float | None
    manual: float | None
    needs_manual: bool


@dataclass
class Change:
    student: str
    cell: str
    old: float | None
    new: float | None
    why: str


def snapshot(lab: str, course_dir: Path) -> dict[str, dict[str, CellGrade]]:
    """``{student: {grade_id: CellGrade}}`` for every submission of ``lab`` in the gradebook."""
    from nbgrader.api import MissingEntry

    grades: dict[str, dict[str, CellGrade]] = {}
    with open_gradebook(course_dir) as gb:
        try:
            submissions = gb.assignment_submissions(lab)
        except MissingEntry:
            return {}
        for submission in submissions:
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grades.setdefault(submission.student_id, {})[grade.name] = CellGrade(
                        float(grade.score), float(grade.max_score),
                        None if grade.auto_score is None else float(grade.auto_score),
                        None if grade.manual_score is None else float(grade.manual_score),
                        bool(grade.needs_manual_grade))
    return grades


def restore_final_manual_grades(lab: str, course_dir: Path,
                                before: dict[str, dict[str, CellGrade]]) -> list[tuple[str, str]]:
    """Mark final again every manual grade that was final before and is unchanged."""
    restored = []
    with open_gradebook(course_dir) as gb:
        for submission in gb.assignment_submissions(lab):
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    old = before.get(submission.student_id, {}).get(grade.name)
                    if old and old.manual is not None and not old.needs_manual and grade.manual_score == old.manual:
                        grade.needs_manual_grade = False
                        restored.append((submission.student_id, grade.name))
        gb.db.commit()
    return restored


def cell_errors(course_dir: Path, lab: str, student: str) -> dict[str, str]:
    """``{grade_id: "ErrorName: first line"}`` of the student's autograded notebook."""
    path = Course(course_dir).autograded(student, lab)
    if not path.exists():
        return {}
    errors = {}
    for cell in nbformat.read(path, as_version=4).cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        for output in cell.get("outputs", []):
            if grade_id and output.get("output_type") == "error":
                value = (output.get("evalue") or "").strip().splitlines()
                errors[grade_id] = f"{output.get('ename')}: {value[0][:160] if value else ''}".rstrip(": ")
    return errors


def source_cells(course_dir: Path, lab: str) -> dict[str, tuple[str, object]]:
    """``{grade_id: (source, points)}`` of the lab's instructor notebook in the course."""
    path = Course(course_dir).source(lab)
    if not path.exists():
        return {}
    nb = nbformat.read(path, as_version=4)
    return {cell.metadata["nbgrader"]["grade_id"]: (cell.source, cell.metadata["nbgrader"].get("points"))
            for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade_id")}


def release_text(path: Path) -> list[tuple[str, str]] | None:
    """What students see of a release: each cell's type and text (not nbgrader's checksums)."""
    if not Path(path).exists():
        return None
    return [(cell.cell_type, cell.source) for cell in nbformat.read(path, as_version=4).cells]


def _reason(cell: str, old: CellGrade | None, new: CellGrade | None, source_before, source_after,
            error_before: str | None, error_after: str | None) -> str:
    reasons = []
    was, now = source_before.get(cell), source_after.get(cell)
    if was and now and was[1] != now[1]:
        reasons.append(f"points changed in the source ({was[1]} -> {now[1]})")
    if was and now and was[0] != now[0]:
        reasons.append("its tests changed in the source")
    if was is None and now is not None:
        reasons.append("a new graded cell in the source")
    if new and new.manual is not None:
        reasons.append(f"manual grade {new.manual:g} kept (autograde now {new.auto if new.auto is not None else '-'})")
    if error_before and not error_after:
        reasons.append(f"now passes (before: {error_before})")
    elif error_after and error_after != error_before:
        reasons.append(f"now fails: {error_after}")
    return "; ".join(reasons) or "score changed on the same code (a nondeterministic test?)"


def compare(before, after, source_before, source_after, errors_before, errors_after,
            status_before: dict, status_after: dict) -> tuple[list[Change], dict[str, tuple[float, float]]]:
    changes, totals = [], {}
    for student in sorted(set(before) | set(after) | set(status_after)):
        old_cells, new_cells = before.get(student, {}), after.get(student, {})
        totals[student] = (sum(g.score for g in old_cells.values()), sum(g.score for g in new_cells.values()))
        for cell in list(dict.fromkeys([*old_cells, *new_cells])):
            old, new = old_cells.get(cell), new_cells.get(cell)
            if old and new and old.score == new.score and old.max_score == new.max_score:
                continue
            changes.append(Change(student, cell, old.score if old else None, new.score if new else None,
                                  _reason(cell, old, new, source_before, source_after,
                                          errors_before.get(student, {}).get(cell),
                                          errors_after.get(student, {}).get(cell))))
        old_status, new_status = status_before.get(student), status_after.get(student)
        if old_status and new_status and old_status != new_status:
            changes.append(Change(student, "(status)", None, None, f"{old_status} -> {new_status}"))
    return changes, totals


def write_report(lab: str, changes: list[Change], totals: dict[str, tuple[float, float]], out_dir: Path,
                 notes: list[str]) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = out_dir / f"{lab}_regrade.csv", out_dir / f"{lab}_regrade.html"
    def fmt(value: float | None) -> str:
        return "" if value is None else f"{value:g}"

    with csv_path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "cell", "old_score", "new_score", "why"])
        for student, (old, new) in totals.items():
            writer.writerow([student, "(total)", fmt(old), fmt(new), "" if old == new else "see the cells below"])
        for c in changes:
            writer.writerow([c.student, c.cell, fmt(c.old), fmt(c.new), c.why])
    esc = html.escape
    total_rows = "".join(f"<tr{' class=moved' if old != new else ''}><td>{esc(s)}</td><td>{fmt(old)}</td>"
                         f"<td>{fmt(new)}</td><td>{fmt(new - old)}</td></tr>" for s, (old, new) in totals.items())
    change_rows = "".join(f"<tr><td>{esc(c.student)}</td><td>{esc(c.cell)}</td><td>{fmt(c.old)}</td>"
                          f"<td>{fmt(c.new)}</td><td>{esc(c.why)}</td></tr>" for c in changes)
    moved = sum(old != new for old, new in totals.values())
    page = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Regrade: {esc(lab)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}}table{{border-collapse:collapse;margin-bottom:2rem}}
td,th{{border:1px solid #bbb;padding:.25rem .6rem;text-align:left}}tr.moved{{background:#fff3cd}}</style></head><body>
<h1>Regrade of {esc(lab)}</h1>
<p>{len(totals)} submissions regraded; {moved} total(s) changed; {len(changes)} cell change(s).</p>
{"<ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>" if notes else ""}
<h2>Totals</h2><table><tr><th>student</th><th>before</th><th>after</th><th>change</th></tr>{total_rows}</table>
<h2>What changed, cell by cell</h2>
{"<table><tr><th>student</th><th>cell</th><th>before</th><th>after</th><th>why</th></tr>" + change_rows + "</table>"
 if changes else "<p>No cell changed.</p>"}
</body></html>"""
    html_path.write_text(page)
    return html_path, csv_path


def regrade(lab: str, course_dir: Path, *, labs_dir: Path = LABS, solutions_dir: Path = SOLUTIONS,
            out_dir: Path | None = None, isolate: bool = True, limits: Limits = DEFAULTS, jobs: int = 1):
    """Rebuild ``lab``, regrade every submission, keep manual grades; returns (html, csv, changes, totals)."""
    course_dir, course = Path(course_dir), Course(course_dir)
    students = course.students_with_submissions(lab)
    if not students:
        raise ValueError(f"{course.submitted_dir}: no collected submissions of {lab} to regrade; "
                         f"run `python -m autograder collect {lab} SOURCE` first")
    before = snapshot(lab, course_dir)
    source_before = source_cells(course_dir, lab)
    errors_before = {s: cell_errors(course_dir, lab, s) for s in students}
    status_before = {s: o.status.value for s, o in read_outcomes(course.outcomes(lab)).items()}
    release_path = course.release(lab)
    release_before = release_text(release_path)

    build_lab(lab, course_dir, Path(labs_dir), Path(solutions_dir))
    outcomes = grade_class(lab, course_dir, students, isolate=isolate, limits=limits, jobs=jobs)
    write_outcomes(outcomes, course.outcomes(lab))
    restored = restore_final_manual_grades(lab, course_dir, before)

    after = snapshot(lab, course_dir)
    source_after = source_cells(course_dir, lab)
    errors_after = {s: cell_errors(course_dir, lab, s) for s in students}
    status_after = {o.student: o.status.value for o in outcomes}
    changes, totals = compare(before, after, source_before, source_after, errors_before, errors_after,
                              status_before, status_after)
    notes = []
    if release_before is not None and release_text(release_path) != release_before:
        notes.append(f"The student release changed too (visible tests or text): release {lab} again.")
    if restored:
        notes.append(f"{len(restored)} manual grade(s) kept as final.")
    html_path, csv_path = write_report(lab, changes, totals, Path(out_dir) if out_dir else course.reports(lab),
                                       notes)
    return html_path, csv_path, changes, totals
