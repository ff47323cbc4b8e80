"""What happened to each submission: a :class:`Status`, plain-words notes, and the grading log.

``autograde`` writes one row per student to ``logs/<lab>/outcomes.csv``
(:meth:`autograder.paths.Course.outcomes`); ``export`` and ``report`` read it back. Code that
needs to know *what kind* of thing happened reads :class:`Status` and :attr:`Outcome.timed_out`,
never the English of the message.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Status(StrEnum):
    """The status column of the grades CSV; ``help`` says what it means."""

    GRADED = "graded"
    GRADED_WITH_ERRORS = "graded-with-errors"
    UNREADABLE = "unreadable"
    FAILED = "failed"
    TAMPERED = "tampered"
    NOT_SUBMITTED = "not submitted"

    def __str__(self) -> str:
        return self.value

    @property
    def help(self) -> str:
        return STATUS_HELP[self]

    @property
    def scored(self) -> bool:
        """Whether the autograded notebook says anything about the exercises."""
        return self not in (Status.UNREADABLE, Status.FAILED, Status.NOT_SUBMITTED)


STATUS_HELP = {
    Status.GRADED: "graded normally",
    Status.GRADED_WITH_ERRORS: "graded; some cells raised errors or were stopped (see message)",
    Status.UNREADABLE: "the file is not a notebook nbgrader can open; scored 0",
    Status.FAILED: "nbgrader could not finish grading it (crash or time limit); scored 0",
    Status.TAMPERED: "code that can make tests pass without solving them (named in the message); "
                     "exported as 0 until an instructor reviews it (the gradebook keeps nbgrader's score)",
    Status.NOT_SUBMITTED: "the gradebook knows the student, but no submission was graded",
}


@dataclass
class Outcome:
    """What happened to one student's submission."""

    student: str
    status: Status
    notes: list[str] = field(default_factory=list)
    timed_out: bool = False  # a cell or the whole submission hit its time limit

    def __post_init__(self) -> None:
        self.status = Status(self.status)

    @property
    def message(self) -> str:
        return "; ".join(self.notes)


FIELDS = ["student_id", "status", "message", "timed_out"]


def write_outcomes(outcomes: list[Outcome], path: Path) -> None:
    """Save what happened to each submission (read back by :func:`read_outcomes`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        for outcome in outcomes:
            writer.writerow([outcome.student, outcome.status.value, outcome.message, int(outcome.timed_out)])


def read_outcomes(path: Path) -> dict[str, Outcome]:
    """``{student: Outcome}`` from a grading log (empty when there is none)."""
    path = Path(path)
    if not path.exists():
        return {}
    with path.open(newline="") as handle:
        return {row["student_id"]: Outcome(row["student_id"], Status(row["status"]),
                                           [row["message"]] if row["message"] else [],
                                           timed_out=row.get("timed_out") == "1")
                for row in csv.DictReader(handle)}
