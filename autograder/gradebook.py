"""The course's nbgrader configuration and its gradebook, opened one way everywhere.

:func:`course_config` loads ``<course>/nbgrader_config.py`` the way nbgrader does (so the
database URL from ``--db-url`` or ``AUTOGRADER_DB_URL`` applies); :func:`open_gradebook` gives
nbgrader's :class:`~nbgrader.api.Gradebook` for it, sqlite or PostgreSQL alike.
"""
from __future__ import annotations

from pathlib import Path

from autograder.paths import Course


def course_config(course_dir: Path, overrides: dict[str, dict] | None = None):
    """The course's nbgrader_config.py (an empty config if it has none), plus ``overrides``
    (``{"KernelManager": {"transport": "ipc"}}``)."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    course = Course(course_dir)
    if course.config.exists():
        config = PyFileConfigLoader(course.config.name, path=str(course.root)).load_config()
    else:
        config = Config()
    for section, values in (overrides or {}).items():
        for key, value in values.items():
            config[section][key] = value
    return config


def gradebook_location(course_dir: Path) -> tuple[str, str]:
    """``(db_url, course_id)`` as nbgrader resolves them for ``course_dir``: sqlite in the
    course directory unless ``CourseDirectory.db_url`` says otherwise."""
    from nbgrader.coursedir import CourseDirectory

    config = course_config(course_dir)
    options = {} if "root" in config.CourseDirectory else {"root": str(Path(course_dir).resolve())}
    directory = CourseDirectory(config=config, **options)
    return directory.db_url, directory.course_id or "default_course"


def open_gradebook(course_dir: Path, must_exist: bool = True):
    """nbgrader's Gradebook for the course (use it as a context manager).

    With ``must_exist`` a missing sqlite file is a FileNotFoundError instead of a new, empty one.
    """
    from nbgrader.api import Gradebook

    url, course_id = gradebook_location(course_dir)
    if must_exist and url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists():
        raise FileNotFoundError(f"no gradebook at {url[len('sqlite:///'):]}: grade the lab first")
    return Gradebook(url, course_id=course_id)
