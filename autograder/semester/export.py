"""Export: nbgrader's scores for a lab plus what happened to each submission, as one CSV."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from autograder import nbgrader_run
from autograder.outcomes import Outcome, Status, read_outcomes
from autograder.paths import Course

FIELDS = ["assignment", "student_id", "score", "max_score", "status", "message"]


def read_collect_notes(course_dir: Path, lab: str) -> dict[str, str]:
    """``{student: note}`` that collect recorded (renamed files, duplicates)."""
    path = Course(course_dir).collected(lab)
    if not path.exists():
        return {}
    with path.open(newline="") as handle:
        return {row["student_id"]: row["note"] for row in csv.DictReader(handle) if row["note"]}


def export_grades(lab: str, course_dir: Path, out: Path, collect_notes: dict[str, str] | None = None) -> list[dict]:
    """Write ``out`` (CSV): nbgrader's own export for ``lab`` plus each submission's status and message."""
    course = Course(course_dir)
    raw = Path(str(Path(out).resolve()) + ".nbgrader")
    collect_notes = read_collect_notes(course.root, lab) if collect_notes is None else collect_notes
    outcomes = read_outcomes(course.outcomes(lab))
    try:
        nbgrader_run.run(course.root, "export", "--to", str(raw), "--assignment", lab)
        with raw.open(newline="") as handle:
            rows = [row for row in csv.DictReader(handle) if row["assignment"] == lab]
        problem = ""
    except Exception as error:  # noqa: BLE001 (a locked or broken gradebook: still one row per student)
        rows, problem = [], f"score unavailable: nbgrader export failed ({type(error).__name__})"
    finally:
        raw.unlink(missing_ok=True)
    known = {row["student_id"] for row in rows}
    for student in sorted(set(outcomes) - known):  # every graded student gets a row, whatever the gradebook says
        rows.append({"assignment": lab, "student_id": student, "score": "0.0", "max_score": "",
                     "_note": problem or "no score in the gradebook"})
    for row in rows:
        outcome = outcomes.get(row["student_id"], Outcome(row["student_id"], Status.NOT_SUBMITTED))
        note = collect_notes.get(row["student_id"], "")
        row["status"] = outcome.status.value
        row["message"] = "; ".join(part for part in (note, outcome.message, row.pop("_note", "")) if part)
        if outcome.status is Status.TAMPERED:
            row["message"] += f" (nbgrader's score: {row['score']})"
            row["score"] = "0.0"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda row: row["student_id"]))
    Path(out).write_text(buffer.getvalue())
    return rows
