"""Where things live in the repository."""
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
LABS = REPO / "labs"
COURSE_DIR = REPO / "autograder"          # the nbgrader course directory (config + gradebook)
CONFIG = COURSE_DIR / "nbgrader_config.py"
DB_URL_ENV = "AUTOGRADER_DB_URL"  # read by nbgrader_config.py, which hides it from grading kernels


def lab_names() -> list[str]:
    """Every lab, as the stems of solutions/NN_slug.py, in week order."""
    return sorted(path.stem for path in SOLUTIONS.glob("[0-9][0-9]_*.py"))


def check_lab_name(lab: str) -> str:
    """``lab`` itself when it names a lab in solutions/, else a ValueError listing the labs."""
    labs = lab_names()
    if lab not in labs:
        raise ValueError(f"unknown lab {lab!r}; the labs are: {', '.join(labs) or '(none)'}")
    return lab
