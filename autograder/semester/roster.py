"""The class roster: who is enrolled, and how the LMS knows them.

A roster is a CSV file the instructor exports from the LMS (or writes by hand), one row per
student, with these columns (their order does not matter, other columns are ignored):

    student_id   the id the submissions carry (the folder or file-name prefix in the LMS
                 download, and nbgrader's student id)
    lms_id       the LMS's own number for the student (Canvas "ID", Moodle "ID number")
    name         full name as the LMS shows it ("Souza, Ana" or "Ana Souza")
    section      section or group (may be empty)
    email        e-mail address (Moodle can match on it)

Optional: ``sis_user_id`` and ``sis_login_id`` (Canvas fills these from the student information
system; left empty when absent). Every problem is a :class:`RosterError` whose one-line message
names the file, the row and what is allowed.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

REQUIRED = ("student_id", "lms_id", "name", "section", "email")
OPTIONAL = ("sis_user_id", "sis_login_id")
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")


class RosterError(ValueError):
    """A roster that cannot be used; the message names the file, the row and what is allowed."""


@dataclass(frozen=True)
class Student:
    student_id: str
    lms_id: str
    name: str
    section: str
    email: str
    sis_user_id: str = ""
    sis_login_id: str = ""


def read_roster(path: Path) -> dict[str, Student]:
    """``{student_id: Student}`` from the roster CSV at ``path``, in file order."""
    path = Path(path)
    if not path.is_file():
        raise RosterError(f"{path}: no roster file there; export the class list from the LMS as CSV "
                          f"with the columns {', '.join(REQUIRED)}")
    try:
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's byte-order mark is fine
    except UnicodeDecodeError:
        raise RosterError(f"{path}: not UTF-8 text; save the roster as CSV UTF-8") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise RosterError(f"{path}: the file is empty; its first row must be the header "
                          f"{','.join(REQUIRED)}")
    header = [name.strip().lower() for name in rows[0]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise RosterError(f"{path}, row 1 (header): missing column(s) {', '.join(missing)}; the header needs "
                          f"{', '.join(REQUIRED)} (optional: {', '.join(OPTIONAL)}), "
                          f"found: {', '.join(header) or '(nothing)'}")
    index = {name: header.index(name) for name in (*REQUIRED, *OPTIONAL) if name in header}
    students: dict[str, Student] = {}
    seen_lms: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines at the end of a spreadsheet export
        if len(row) < len(header):
            row = row + [""] * (len(header) - len(row))
        values = {name: row[i].strip() for name, i in index.items()}
        where = f"{path}, row {number}"
        sid = values["student_id"]
        if not STUDENT_ID.match(sid):
            raise RosterError(f"{where}: student_id {sid!r} is not allowed; use letters, digits and . _ @ - "
                              "(starting with a letter or digit), as in the submissions' names")
        if sid in students:
            raise RosterError(f"{where}: student_id {sid!r} appears twice; each student has one row")
        if not values["lms_id"]:
            raise RosterError(f"{where}: lms_id is empty for {sid!r}; give the LMS's id of the student "
                              "(Canvas: the ID column of its gradebook export)")
        if values["lms_id"] in seen_lms:
            raise RosterError(f"{where}: lms_id {values['lms_id']!r} is also on row {seen_lms[values['lms_id']]}; "
                              "each student has their own")
        seen_lms[values["lms_id"]] = number
        if not values["name"]:
            raise RosterError(f"{where}: name is empty for {sid!r}; give the name as the LMS shows it")
        if values["email"] and not EMAIL.match(values["email"]):
            raise RosterError(f"{where}: email {values['email']!r} is not an e-mail address (name@host.domain), "
                              "or leave it empty")
        students[sid] = Student(**{name: values.get(name, "") for name in (*REQUIRED, *OPTIONAL)})
    if not students:
        raise RosterError(f"{path}: the header is there but no student rows follow")
    return students


def write_roster(students: list[Student], path: Path) -> Path:
    """Write ``students`` as a roster CSV (tests and the sample class use it)."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*REQUIRED, *OPTIONAL])
        for s in students:
            writer.writerow([s.student_id, s.lms_id, s.name, s.section, s.email, s.sis_user_id, s.sis_login_id])
    return path
