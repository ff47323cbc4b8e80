"""Grades for the LMS: our CSV with raw score, late penalty and final score; Canvas and Moodle files.

Sources: nbgrader's gradebook (autograded and manual scores, sqlite or PostgreSQL), what
happened to each submission (status and message, from the grading step), the submission
times recorded at collect time, the late policy (:mod:`autograder.semester.late_policy`) and the roster
(:mod:`autograder.semester.roster`). The late penalty is applied here and only here, once per export:
the gradebook keeps nbgrader's raw scores, so exporting twice gives the same file.

Formats (the documentation each one follows is cited where it is written):

* ``csv``: one row per student of the lab (the roster's students and anyone graded):
  ``raw_score``, ``late_penalty``, ``score`` (final), ``max_score``, status, late days, message.
* ``canvas``: Canvas's own gradebook layout, which its importer requires.
* ``moodle``: one row per student matched on an identifier column (ID number or e-mail
  address, chosen in Moodle's import screen), one column per grade item (lab).

Students graded but not on the roster cannot be matched by an LMS: they are left out of the
Canvas and Moodle files and listed (one line each, naming the roster and the submission).
Students on the roster without a submission get 0 and are listed too. Nothing is dropped
silently.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from autograder.gradebook import open_gradebook
from autograder.outcomes import Status
from autograder.paths import Course, lab_names
from autograder.semester.export import export_grades
from autograder.semester.late_policy import (
    LateEntry,
    Policy,
    ledger,
    penalty,
    read_policy,
    read_times,
    write_ledger,
)
from autograder.semester.roster import Student, read_roster

FORMATS = ("csv", "canvas", "moodle")
CSV_FIELDS = ["assignment", "student_id", "name", "section", "raw_score", "late_penalty", "score", "max_score",
              "status", "days_late", "late_days_used", "on_roster", "message"]


def ungraded_answers(lab: str, course_dir: Path) -> dict[str, list[str]]:
    """``{student: [written answers still waiting for a manual grade]}`` from the gradebook."""
    waiting: dict[str, list[str]] = {}
    with open_gradebook(course_dir) as gb:
        for submission in gb.assignment_submissions(lab):
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    # written answers only: nbgrader also flags the test cells of a notebook it
                    # could not execute, which are the grader's failure, not a grading task
                    written = grade.cell.cell_type == "markdown"
                    if written and grade.needs_manual_grade and grade.manual_score is None:
                        waiting.setdefault(submission.student_id, []).append(grade.name)
    return waiting


@dataclass
class Row:
    lab: str
    student: str
    raw: float
    penalty: float
    max_score: float
    status: str
    message: str
    late: LateEntry | None
    person: Student | None

    @property
    def score(self) -> float:
        return round(self.raw - self.penalty, 2)


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def lab_rows(lab: str, course_dir: Path, base: list[dict], roster: dict[str, Student] | None,
             policy: Policy | None, entries: dict) -> list[Row]:
    """One :class:`Row` per student: ``base`` are :func:`autograder.semester.export.export_grades`'s rows."""
    max_score = max((float(r["max_score"]) for r in base if r["max_score"]), default=0.0)  # "": never graded
    waiting = ungraded_answers(lab, course_dir) if base else {}
    rows = []
    for r in base:
        student, raw = r["student_id"], float(r["score"] or 0)
        late = entries.get((student, lab))
        message = r["message"]
        if student in waiting:
            waits = "written answer(s) not graded yet: " + ", ".join(waiting[student])
            message = "; ".join(m for m in (message, waits) if m)
        taken = penalty(policy, late, raw, max_score) if policy and late else 0.0
        if late and late.note:
            message = "; ".join(m for m in (message, f"late policy: {late.note}") if m)
        rows.append(Row(lab, student, raw, taken, max_score, r["status"], message, late,
                        roster.get(student) if roster else None))
    graded = {r.student for r in rows}
    for student, person in (roster or {}).items():
        if student not in graded:
            rows.append(Row(lab, student, 0.0, 0.0, max_score, Status.NOT_SUBMITTED.value, "no submission collected",
                            None, person))
    return sorted(rows, key=lambda row: row.student)


def submitted_files(course_dir: Path, lab: str) -> dict[str, str]:
    """``{student: the file collect took their notebook from}``."""
    path = Course(course_dir).collected(lab)
    if not path.exists():
        return {}
    with path.open(newline="") as handle:
        return {row["student_id"]: row["original"] for row in csv.DictReader(handle)}


def write_csv(rows: list[Row], out: Path, with_roster: bool) -> Path:
    with Path(out).open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_FIELDS)
        for row in rows:
            writer.writerow([row.lab, row.student, row.person.name if row.person else "",
                             row.person.section if row.person else "", _number(row.raw), _number(row.penalty),
                             _number(row.score), _number(row.max_score), row.status,
                             row.late.days_late if row.late else "", row.late.late_days_used if row.late else "",
                             ("yes" if row.person else "no") if with_roster else "", row.message])
    return Path(out)


def write_canvas(rows_by_lab: dict[str, list[Row]], roster: dict[str, Student], out: Path) -> Path:
    """Canvas's gradebook CSV.

    The layout is what Canvas's own importer reads (instructure/canvas-lms,
    app/models/gradebook_importer.rb, ``header?``/``update_column_count``/``process_student``): the
    header starts ``Student`` and ``ID``, then ``SIS User ID`` and ``SIS Login ID``, and the last
    student column is ``Section``; every later column is an assignment, matched by its title (or
    ``Title (assignment id)``), a new title creating an assignment. A row whose first cell
    contains ``Points Possible`` gives each assignment's points. Students are matched by the
    ``ID`` column (Canvas's user id), else by SIS ids, else by name. The same columns are listed
    in Instructure's guide "How do I import grades in the Gradebook?"
    (https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807).
    """
    labs = list(rows_by_lab)
    with Path(out).open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *labs])
        writer.writerow(["Points Possible", "", "", "", "",
                         *[_number(max((r.max_score for r in rows_by_lab[lab]), default=0)) for lab in labs]])
        scores = {lab: {r.student: r for r in rows_by_lab[lab]} for lab in labs}
        for student, person in roster.items():
            writer.writerow([person.name, person.lms_id, person.sis_user_id, person.sis_login_id, person.section,
                             *[_number(scores[lab][student].score) if student in scores[lab] else "" for lab in labs]])
    return Path(out)


def write_moodle(rows_by_lab: dict[str, list[Row]], roster: dict[str, Student], out: Path) -> Path:
    """Moodle's CSV grade import.

    Moodle's "Import grades > CSV file" reads any CSV with a header row: in its preview the
    instructor maps one identifier column to a user field ("Map from" a column, "Map to"
    ``useridnumber`` or ``useremail``) and each other column to a grade item (MoodleDocs,
    "Grade import", https://docs.moodle.org/311/en/Grade_import; e-mail addresses are matched
    case-sensitively there). So: ``ID number`` (the roster's lms_id) and ``Email address`` as
    identifiers, the name for the reader, then one column per lab holding the final score.
    Moodle keeps each grade item's maximum itself, so there is no points row.
    """
    labs = list(rows_by_lab)
    with Path(out).open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ID number", "Email address", "Full name", *labs])
        scores = {lab: {r.student: r for r in rows_by_lab[lab]} for lab in labs}
        for student, person in roster.items():
            writer.writerow([person.lms_id, person.email, person.name,
                             *[_number(scores[lab][student].score) if student in scores[lab] else "" for lab in labs]])
    return Path(out)


def graded_labs(course_dir: Path) -> list[str]:
    """Labs with collected submissions in ``course_dir``, in week order."""
    return [lab for lab in lab_names() if Course(course_dir).students_with_submissions(lab)]


def export(labs: list[str], course_dir: Path, fmt: str = "csv", out: Path | None = None,
           roster_path: Path | None = None, policy_path: Path | None = None,
           collect_notes: dict[str, dict[str, str]] | None = None,
           course_wide: bool = False) -> tuple[list[Path], list[str]]:
    """Export ``labs`` in ``fmt``; returns ``(files written, problems to show the instructor)``.

    ``out`` is a file for one lab in csv format, else a folder (default COURSE/exports).
    ``course_wide`` (``export --all``) names the Canvas and Moodle files ``course_*.csv``.
    """
    course_dir, course = Path(course_dir), Course(course_dir)
    if fmt not in FORMATS:
        raise ValueError(f"--format {fmt!r} is not known; use one of {', '.join(FORMATS)}")
    roster_path = Path(roster_path) if roster_path else course.roster
    if fmt != "csv" and not roster_path.exists():
        raise ValueError(f"{roster_path}: the {fmt} format needs a roster (CSV with the columns student_id, lms_id, "
                         f"name, section, email); pass --roster FILE or save it there")
    roster = read_roster(roster_path) if roster_path.exists() else None
    policy_path = Path(policy_path) if policy_path else course.late_policy
    policy = read_policy(policy_path, lab_names()) if policy_path.exists() else None
    zone = policy.time_zone if policy else None
    everything = graded_labs(course_dir)
    times = {lab: read_times(course.times(lab), zone) for lab in sorted(set(everything) | set(labs))}
    entries = ledger(policy, {lab: t for lab, t in times.items() if t}) if policy else {}

    exports = course.exports_dir
    folder = Path(out) if out and (fmt != "csv" or len(labs) > 1) else exports
    folder.mkdir(parents=True, exist_ok=True)
    rows_by_lab, written, problems = {}, [], []
    for lab in labs:
        raw_csv = exports / f".{lab}_grades_raw.csv"
        exports.mkdir(parents=True, exist_ok=True)
        base = export_grades(lab, course_dir, raw_csv, collect_notes=(collect_notes or {}).get(lab))
        raw_csv.unlink(missing_ok=True)
        rows = lab_rows(lab, course_dir, base, roster, policy, entries)
        rows_by_lab[lab] = rows
        if fmt == "csv":
            target = Path(out) if out and len(labs) == 1 else folder / f"{lab}_grades.csv"
            target.parent.mkdir(parents=True, exist_ok=True)
            written.append(write_csv(rows, target, roster is not None))
        if roster is not None:
            files = submitted_files(course_dir, lab)
            for row in rows:
                if row.person is None:
                    origin = f"submitted as {files[row.student]!r}, " if row.student in files else ""
                    problems.append(f"{roster_path}: no row for student {row.student!r} ({origin}graded in {lab}: "
                                    f"{row.status}); add a row with student_id {row.student} (columns student_id, "
                                    "lms_id, name, section, email) or fix the submission's name; left out of the "
                                    "LMS file")
                elif row.status == Status.NOT_SUBMITTED.value:
                    problems.append(f"{lab}: {row.student} ({row.person.name}) is on the roster but has no submission; "
                                    "exported as 0")
    if fmt == "canvas":
        name = "course_canvas.csv" if course_wide else f"{labs[0]}_canvas.csv"
        written.append(write_canvas(rows_by_lab, roster, folder / name))
    elif fmt == "moodle":
        name = "course_moodle.csv" if course_wide else f"{labs[0]}_moodle.csv"
        written.append(write_moodle(rows_by_lab, roster, folder / name))
    if policy:
        students = sorted(set(roster or {}) | {r.student for rows in rows_by_lab.values() for r in rows})
        written.append(write_ledger(policy, entries, students, folder / "late_days.csv"))
    waiting = sum("not graded yet" in r.message for rows in rows_by_lab.values() for r in rows)
    if waiting:
        problems.append(f"{waiting} submission(s) have written answers not graded yet (their points count as 0): "
                        "grade them in formgrader (`python -m autograder formgrader`), then export again")
    return written, problems
