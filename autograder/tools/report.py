"""A class report for one lab: what the instructor should look at after grading.

``python -m autograder report LAB`` reads nbgrader's gradebook (through nbgrader's own API),
the autograded notebooks and the grading log (``logs/<lab>/outcomes.csv``), and writes
``reports/<lab>/<lab>_report.html`` (one self-contained page with plots) and
``reports/<lab>/<lab>_report.csv`` (one row per graded cell).

Exercise statistics count the students whose submission was graded; submissions that were
unreadable or that nbgrader could not finish are listed in their own section instead, so
they do not hide which exercises the class found hard.
"""
from __future__ import annotations

import base64
import csv
import html
import io
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat

from autograder.gradebook import open_gradebook
from autograder.notebooks import error_outputs, graded_cells, strip_ansi
from autograder.outcomes import Outcome, Status, read_outcomes
from autograder.paths import Course

TOP_FAILURES = 15


@dataclass
class ExerciseStats:
    """The scores of one graded cell across the class."""

    notebook: str
    exercise: str
    kind: str  # "autograded" or "manual"
    max_score: float
    scores: dict[str, float] = field(default_factory=dict)  # student -> score
    ungraded: int = 0  # submissions still waiting for a manual grade

    @property
    def students(self) -> int:
        return len(self.scores)

    @property
    def full_marks(self) -> int:
        return sum(score >= self.max_score for score in self.scores.values())

    @property
    def zero(self) -> int:
        return sum(score <= 0 for score in self.scores.values())

    @property
    def partial(self) -> int:
        return self.students - self.full_marks - self.zero

    @property
    def missed(self) -> int:
        return self.students - self.full_marks

    @property
    def mean(self) -> float:
        return statistics.fmean(self.scores.values()) if self.scores else 0.0


@dataclass
class Failure:
    """One failure message (first line of an exception) and where it was raised."""

    message: str
    students: set[str] = field(default_factory=set)
    cells: Counter = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return sum(self.cells.values())


@dataclass
class Problem:
    """A submission that raised errors, hit a time limit, or could not be graded."""

    student: str
    status: Status
    message: str
    timed_out: bool = False


# ---------------------------------------------------------------- reading the course

def release_order(course_dir: Path, lab: str, notebook: str) -> list[str]:
    """grade_ids in the order the release notebook shows them (empty if it is missing)."""
    path = Course(course_dir).release(lab).with_name(f"{notebook}.ipynb")
    return list(graded_cells(nbformat.read(path, as_version=4))) if path.exists() else []


def exercise_scores(gb, course_dir: Path, lab: str, skip: set[str]) -> list[ExerciseStats]:
    """Every graded cell of ``lab`` with each scored student's score, in notebook order."""
    from nbgrader.api import MissingEntry

    try:
        assignment = gb.find_assignment(lab)
    except MissingEntry:
        raise ValueError(f"{lab} is not in the gradebook: run `python -m autograder grade {lab} ...` first") from None
    stats: dict[tuple[str, str], ExerciseStats] = {}
    for notebook in assignment.notebooks:
        order = release_order(course_dir, lab, notebook.name)
        cells = sorted(notebook.grade_cells, key=lambda c: (order.index(c.name) if c.name in order else len(order),
                                                            c.name))
        for cell in cells:
            kind = "autograded" if cell.cell_type == "code" else "manual"
            stats[notebook.name, cell.name] = ExerciseStats(notebook.name, cell.name, kind, float(cell.max_score))
    for submission in gb.assignment_submissions(lab):
        if submission.student_id in skip:
            continue
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                entry = stats[notebook.name, grade.name]
                if grade.needs_manual_grade and grade.manual_score is None and entry.kind == "manual":
                    entry.ungraded += 1
                    continue
                entry.scores[submission.student_id] = float(grade.score or 0)
    return list(stats.values())


def total_scores(exercises: list[ExerciseStats]) -> dict[str, float]:
    """Each scored student's total over the lab."""
    totals: Counter = Counter()
    for exercise in exercises:
        totals.update(exercise.scores)
    return dict(totals)


def failure_message(output: dict) -> str:
    """``"Name: first line of the message"`` of an error output (``"Name"`` when it has none)."""
    name = output.get("ename") or "Error"
    lines = [line.strip() for line in strip_ansi(output.get("evalue") or "").splitlines() if line.strip()]
    message = f"{name}: {lines[0]}" if lines else name
    return message if len(message) <= 200 else message[:199] + "…"


def common_failures(course_dir: Path, lab: str, notebooks: list[str], students: list[str]) -> list[Failure]:
    """Identical failure messages grouped, the ones most students hit first."""
    failures: dict[str, Failure] = {}
    for student in students:
        for notebook in notebooks:
            path = Course(course_dir).autograded(student, lab).with_name(f"{notebook}.ipynb")
            if not path.exists():
                continue
            try:
                errors = list(error_outputs(nbformat.read(path, as_version=4)))
            except Exception:  # an autograded notebook nbformat cannot read: the outcome says why
                continue
            for label, output in errors:
                failure = failures.setdefault(failure_message(output), Failure(failure_message(output)))
                failure.students.add(student)
                failure.cells[label] += 1
    return sorted(failures.values(), key=lambda f: (-len(f.students), -f.count, f.message))


def most_common_error(failures: list[Failure], cell: str) -> str:
    """The message raised by ``cell`` for the most students ('' when it never failed)."""
    hits = [f for f in failures if cell in f.cells]
    return max(hits, key=lambda f: (len(f.students), f.cells[cell])).message if hits else ""


def problem_submissions(outcomes: dict[str, Outcome]) -> list[Problem]:
    """Submissions that were not simply graded, timeouts and failures first."""
    problems = [Problem(student, o.status, o.message, o.timed_out) for student, o in outcomes.items()
                if o.status is not Status.GRADED]
    rank = {Status.FAILED: 0, Status.UNREADABLE: 1, Status.GRADED_WITH_ERRORS: 2}
    return sorted(problems, key=lambda p: (not p.timed_out, rank.get(p.status, 3), p.student))


# ---------------------------------------------------------------- CSV

CSV_FIELDS = ["assignment", "notebook", "exercise", "kind", "max_score", "students", "full_marks", "partial",
              "zero", "missed", "missed_pct", "mean_score", "ungraded", "most_common_error"]


def exercise_rows(lab: str, exercises: list[ExerciseStats], failures: list[Failure]) -> list[dict]:
    return [{"assignment": lab, "notebook": e.notebook, "exercise": e.exercise, "kind": e.kind,
             "max_score": f"{e.max_score:g}", "students": e.students, "full_marks": e.full_marks,
             "partial": e.partial, "zero": e.zero, "missed": e.missed,
             "missed_pct": f"{100 * e.missed / e.students:.1f}" if e.students else "",
             "mean_score": f"{e.mean:.3f}", "ungraded": e.ungraded,
             "most_common_error": most_common_error(failures, e.exercise)} for e in exercises]


def write_csv(rows: list[dict], path: Path) -> None:
    with Path(path).open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(rows)


# ---------------------------------------------------------------- plots

def new_figure(rows: int = 4):
    """A matplotlib Figure drawn off-screen (Agg), sized for ``rows`` bars."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, max(2.6, 0.9 + 0.38 * rows)), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def whole_counts(ax, axis: str):
    """Only whole numbers on a counting axis; returns the axes' figure."""
    from matplotlib.ticker import MaxNLocator

    getattr(ax, f"{axis}axis").set_major_locator(MaxNLocator(integer=True))
    return ax.figure


def plot_exercise_distribution(exercises: list[ExerciseStats]):
    from course.plotting import OKABE_ITO

    fig = new_figure(len(exercises))
    ax = fig.subplots()
    names = [e.exercise for e in exercises][::-1]
    left = [0] * len(names)
    for label, attribute, color in (("full marks", "full_marks", OKABE_ITO[2]), ("partial", "partial", OKABE_ITO[1]),
                                    ("zero", "zero", OKABE_ITO[3])):
        counts = [getattr(e, attribute) for e in exercises][::-1]
        ax.barh(names, counts, left=left, color=color, label=label)
        left = [a + b for a, b in zip(left, counts)]
    ax.set(title="Score per exercise", xlabel="students", ylabel="exercise (graded cell)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    return whole_counts(ax, "x")


def plot_totals(totals: dict[str, float], max_total: float):
    fig = new_figure(6)
    ax = fig.subplots()
    top = max(max_total, max(totals.values(), default=0), 1)
    bins = [b - 0.5 for b in range(int(top) + 2)] if top <= 40 else 20  # one bar per whole point
    ax.hist(list(totals.values()), bins=bins, edgecolor="white")
    ax.set(title="Total score of each graded submission", xlabel=f"points (out of {max_total:g})",
           ylabel="students")
    return whole_counts(ax, "y")


def plot_most_missed(exercises: list[ExerciseStats]):
    missed = [e for e in exercises if e.missed][::-1]
    fig = new_figure(len(missed))
    ax = fig.subplots()
    ax.barh([e.exercise for e in missed], [100 * e.missed / e.students for e in missed])
    ax.set(title="Exercises missed most often", xlabel="students without full marks (%)", ylabel="exercise",
           xlim=(0, 100))
    return fig


def short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def plot_failures(failures: list[Failure]):
    shown = failures[:10][::-1]
    fig = new_figure(len(shown))
    ax = fig.subplots()
    ax.barh([short(f.message) for f in shown], [len(f.students) for f in shown])
    ax.set(title="Most common failure messages", xlabel="students", ylabel="message (first line)")
    ax.tick_params(axis="y", labelsize=7)
    return whole_counts(ax, "x")


def plot_statuses(outcomes: dict[str, Outcome]):
    from course.plotting import OKABE_ITO

    counts = Counter(o.status for o in outcomes.values())
    statuses = [s.value for s in Status if counts[s]]
    fig = new_figure(len(statuses))
    ax = fig.subplots()
    ax.barh(statuses[::-1], [counts[Status(s)] for s in statuses][::-1], color=OKABE_ITO[0])
    ax.set(title="What happened to each submission", xlabel="submissions", ylabel="grading status")
    return whole_counts(ax, "x")


def embedded_png(fig, alt: str) -> str:
    """An ``<img>`` holding ``fig`` as a base64 PNG, with its alt text."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


# ---------------------------------------------------------------- HTML

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.num { text-align: right; }
img { max-width: 100%; height: auto; display: block; margin: 1rem 0; }
code { font-size: 0.85rem; }
"""


def esc(value) -> str:
    return html.escape(str(value))


def table(headers: list[str], rows: list[list], numeric: set[int] = frozenset()) -> str:
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="num">{esc(v)}</td>' if i in numeric else f"<td>{esc(v)}</td>"
                                    for i, v in enumerate(row)) + "</tr>\n" for row in rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>"


def section(anchor: str, title: str, *parts: str) -> str:
    return f'<section id="{anchor}">\n<h2>{esc(title)}</h2>\n' + "\n".join(p for p in parts if p) + "\n</section>"


def summary_section(lab, exercises, outcomes, totals) -> str:
    max_total = sum(e.max_score for e in exercises)
    counts = Counter(o.status for o in outcomes.values())
    items = [f"{len(outcomes) or len(totals)} submission(s); {len(totals)} with exercise scores"]
    items += [f"{counts[s]} {s.value}: {s.help}" for s in sorted(counts, key=lambda s: s.value)]
    if totals:
        values = list(totals.values())
        items.append(f"total score: mean {statistics.fmean(values):.1f}, median {statistics.median(values):g}, "
                     f"out of {max_total:g}")
    listing = "<ul>\n" + "".join(f"<li>{esc(item)}</li>\n" for item in items) + "</ul>"
    image = embedded_png(plot_totals(totals, max_total),
                         f"Histogram of the total scores of the {len(totals)} graded submissions of {lab}, "
                         f"out of {max_total:g} points.") if totals else ""
    return section("summary", "Summary", listing, image)


def distribution_section(exercises) -> str:
    image = embedded_png(plot_exercise_distribution(exercises),
                         f"Stacked bars, one per exercise ({len(exercises)}): how many students got full marks, "
                         "partial marks or zero; the numbers are in the table below.")
    rows = [[e.exercise, e.kind, f"{e.max_score:g}", e.students, e.full_marks, e.partial, e.zero,
             f"{e.mean:.2f}", e.ungraded] for e in exercises]
    return section("distribution", "Score distribution per exercise", image,
                   table(["exercise", "graded", "points", "students", "full marks", "partial", "zero", "mean",
                          "awaiting manual grade"], rows, numeric={2, 3, 4, 5, 6, 7, 8}))


def most_missed_section(exercises, failures) -> str:
    missed = sorted((e for e in exercises if e.missed), key=lambda e: (-e.missed / e.students, e.exercise))
    if not missed:
        return section("most-missed", "Exercises most students missed", "<p>Every student got full marks on "
                       "every exercise.</p>")
    image = embedded_png(plot_most_missed(missed),
                         f"Bar chart of the share of students without full marks on each exercise; "
                         f"most missed: {missed[0].exercise} ({missed[0].missed} of {missed[0].students} students).")
    rows = [[e.exercise, f"{e.missed} of {e.students}", f"{100 * e.missed / e.students:.0f}%",
             most_common_error(failures, e.exercise) or "(no error: a wrong or partial answer)"] for e in missed]
    return section("most-missed", "Exercises most students missed", image,
                   table(["exercise", "students without full marks", "share", "most common error in its cell"],
                         rows, numeric={2}))


def failures_section(failures) -> str:
    if not failures:
        return section("failures", "Most common failure messages", "<p>No cell raised an error.</p>")
    image = embedded_png(plot_failures(failures),
                         f"Bar chart of the {min(10, len(failures))} most common failure messages by number of "
                         f"students; the most common is {short(failures[0].message)!r} "
                         f"({len(failures[0].students)} students).")
    rows = [[f.message, len(f.students), f.count, ", ".join(f"{c} ({n})" if n > 1 else c
                                                            for c, n in f.cells.most_common())]
            for f in failures[:TOP_FAILURES]]
    more = f"<p>{len(failures) - TOP_FAILURES} rarer message(s) not shown.</p>" if len(failures) > TOP_FAILURES else ""
    return section("failures", "Most common failure messages",
                   "<p>The first line of each exception raised while autograding, identical ones grouped.</p>",
                   image, table(["message", "students", "times", "cells"], rows, numeric={1, 2}), more)


def problems_section(outcomes, problems) -> str:
    if not outcomes:
        return section("problems", "Submissions that errored, timed out or were unreadable",
                       "<p>No grading log (logs/&lt;lab&gt;/outcomes.csv): run <code>autograde</code> to get one.</p>")
    image = embedded_png(plot_statuses(outcomes),
                         "Bar chart of the number of submissions per grading status: "
                         + ", ".join(f"{n} {s.value}" for s, n in Counter(o.status for o in outcomes.values()).items())
                         + ".")
    if not problems:
        return section("problems", "Submissions that errored, timed out or were unreadable", image,
                       "<p>Every submission was graded without an error.</p>")
    rows = [[p.student, p.status.value, "yes" if p.timed_out else "", p.message] for p in problems]
    return section("problems", "Submissions that errored, timed out or were unreadable", image,
                   table(["student", "status", "time limit", "message"], rows))


def render_html(lab, exercises, failures, outcomes, problems, csv_name: str) -> str:
    totals = total_scores(exercises)
    body = "\n".join([
        summary_section(lab, exercises, outcomes, totals),
        distribution_section(exercises),
        most_missed_section(exercises, failures),
        failures_section(failures),
        problems_section(outcomes, problems),
        section("data", "Data", f"<p>One row per exercise: <code>{esc(csv_name)}</code>, next to this page.</p>"),
    ])
    generated = datetime.now().strftime("%Y-%m-%d %H:%M")
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>Class report: {esc(lab)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
            f"<h1>Class report: {esc(lab)}</h1>\n<p>Generated {generated}.</p>\n{body}\n</main>\n</body>\n</html>\n")


# ---------------------------------------------------------------- the command

def build_report(lab: str, course_dir: Path, out: Path | None = None) -> tuple[Path, Path]:
    """Write ``<lab>_report.html`` and ``<lab>_report.csv`` into ``out`` (default
    ``<course>/reports/<lab>/``); returns their paths."""
    import matplotlib as mpl

    from course.plotting import use_course_style

    course = Course(course_dir)
    course_dir = course.root
    out = Path(out or course.reports(lab))
    outcomes = read_outcomes(course.outcomes(lab))
    skip = {student for student, o in outcomes.items() if not o.status.scored}
    with open_gradebook(course_dir) as gb:
        exercises = exercise_scores(gb, course_dir, lab, skip)
        notebooks = sorted({e.notebook for e in exercises})
        students = sorted({s.student_id for s in gb.assignment_submissions(lab)} | set(outcomes))
    failures = common_failures(course_dir, lab, notebooks, students)
    problems = problem_submissions(outcomes)
    out.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = out / f"{lab}_report.csv", out / f"{lab}_report.html"
    write_csv(exercise_rows(lab, exercises, failures), csv_path)
    with mpl.rc_context():
        use_course_style()
        html_path.write_text(render_html(lab, exercises, failures, outcomes, problems, csv_path.name),
                             encoding="utf-8")
    return html_path, csv_path
