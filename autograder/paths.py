"""Every path the course uses: the repository's folders and the layout of a course directory.

Nothing else in the package or the tests spells a path by hand. The repository holds code and
sources; all grading state lives in one gitignored course directory (default ``grading/`` at
the top of the checkout, ``--course-dir`` elsewhere), laid out as :class:`Course` says::

    solutions/ --build--> labs/ --release, collect, grade--> grading/ (state) ;  book/ (site)
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"            # instructor sources, one jupytext file per lab
LABS = REPO / "labs"                      # student notebooks (generated, committed)
BOOK = REPO / "book"                      # the course site's sources and build script
COURSE_PACKAGE = REPO / "course"          # the helper package the labs import
PACKAGE = REPO / "autograder"             # this package: code only
GRADING = REPO / "grading"                # the default course directory (gitignored state)
CONFIG_TEMPLATE = PACKAGE / "nbgrader_config_template.py"  # copied into every new course directory
DB_URL_ENV = "AUTOGRADER_DB_URL"  # read by the course's nbgrader_config.py, hidden from grading kernels


def lab_names(solutions_dir: Path = SOLUTIONS) -> list[str]:
    """Every lab, as the stems of solutions/NN_slug.py, in week order."""
    return sorted(path.stem for path in Path(solutions_dir).glob("[0-9][0-9]_*.py"))


def check_lab_name(lab: str, solutions_dir: Path = SOLUTIONS) -> str:
    """``lab`` itself when it names a lab in solutions/, else a ValueError listing the labs."""
    labs = lab_names(solutions_dir)
    if lab not in labs:
        raise ValueError(f"unknown lab {lab!r}; the labs are: {', '.join(labs) or '(none)'}")
    return lab


def _under(name: str, doc: str) -> property:
    """A read-only path attribute of :class:`Course`: ``root / name``."""
    return property(lambda self: self.root / name, doc=doc)


@dataclass(frozen=True)
class Course:
    """The layout of one nbgrader course directory (``Course(path).submitted("ana", lab)``).

    nbgrader's own folders (source, release, submitted, autograded, feedback) follow its
    ``{folder}/{student}/{assignment}/{notebook}.ipynb`` convention; the rest is the grader's.
    """

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    # the course's settings and gradebook, and two of nbgrader's folders as a whole
    config = _under("nbgrader_config.py", "the course's nbgrader configuration (a copy of CONFIG_TEMPLATE)")
    sqlite_gradebook = _under("gradebook.db", "the default gradebook (when no database URL is configured)")
    submitted_dir = _under("submitted", "every collected submission, one folder per student")
    feedback_dir = _under("feedback", "every student's feedback pages")
    kernel_share = _under(".kernels", "JUPYTER_PATH of grading runs: the sandboxed python3 kernel spec")

    # nbgrader's folders, one notebook per lab
    def _notebook(self, folder: str, lab: str, student: str | None = None, suffix: str = ".ipynb") -> Path:
        return self.root.joinpath(folder, *([student] if student else []), lab, f"{lab}{suffix}")

    def source(self, lab: str) -> Path:
        return self._notebook("source", lab)

    def release(self, lab: str) -> Path:
        return self._notebook("release", lab)

    def submitted(self, student: str, lab: str) -> Path:
        return self._notebook("submitted", lab, student)

    def autograded(self, student: str, lab: str) -> Path:
        return self._notebook("autograded", lab, student)

    def feedback(self, student: str, lab: str) -> Path:
        return self._notebook("feedback", lab, student, ".html")

    def students_with_submissions(self, lab: str) -> list[str]:
        folder = self.submitted_dir
        return sorted(p.name for p in folder.iterdir() if (p / lab).is_dir()) if folder.exists() else []

    # the grader's own folders
    def labs(self) -> Path:
        """Where a scratch course's build writes its student copies (tests, selfcheck)."""
        return self.root / "labs"

    def log_dir(self, lab: str) -> Path:
        return self.root / "logs" / lab

    def log(self, lab: str, student: str) -> Path:
        return self.log_dir(lab) / f"{student}.log"

    def feedback_log(self, lab: str, student: str) -> Path:
        """What generating one student's feedback page printed."""
        return self.log_dir(lab) / "feedback" / f"{student}.log"

    def outcomes(self, lab: str) -> Path:
        """What happened to each submission (written by autograde, read by export and report)."""
        return self.log_dir(lab) / "outcomes.csv"

    def collected(self, lab: str) -> Path:
        """What collect did with each file (renames, duplicates)."""
        return self.log_dir(lab) / "collected.csv"

    def export(self, lab: str) -> Path:
        return self.root / "exports" / f"{lab}_grades.csv"

    @property
    def exports_dir(self) -> Path:
        """Where export writes the grade files (ours, Canvas's, Moodle's) and the late-day ledger."""
        return self.root / "exports"

    # the semester: who is enrolled, the late policy, when each submission arrived
    @property
    def roster(self) -> Path:
        """The class list exported from the LMS (autograder.semester.roster)."""
        return self.root / "roster.csv"

    @property
    def late_policy(self) -> Path:
        """Due dates, penalty, late days, extensions (autograder.semester.late_policy)."""
        return self.root / "late_policy.toml"

    def times(self, lab: str) -> Path:
        """The trusted submission times collect recorded."""
        return self.log_dir(lab) / "times.csv"

    def outbox(self, lab: str) -> Path:
        return self.root / "outbox" / f"{lab}.zip"

    def reports(self, lab: str) -> Path:
        return self.root / "reports" / lab


def init_course_dir(course_dir: Path) -> Path:
    """Make ``course_dir`` an nbgrader course directory: a copy of the configuration template,
    unless it has a configuration already (an instructor's own settings are kept)."""
    course = Course(course_dir)
    course.root.mkdir(parents=True, exist_ok=True)
    if not course.config.exists():
        shutil.copyfile(CONFIG_TEMPLATE, course.config)
    return course.root
