"""Every limit and timeout of grading, in one typed object.

:class:`Limits` is the only place a number like "120 s per cell" is written. The course's
``nbgrader_config.py`` reads its nbgrader-side values (per-cell timeout, output cap) from
:data:`DEFAULTS`; the grader hands a :class:`Limits` to each sandboxed kernel as one JSON
payload (:mod:`autograder.grading.kernel`); the README's and the book's tables are generated
from :func:`markdown_table`. To add a limit: add a field with its ``doc`` here, use it where it
applies, and regenerate the README table (``make docs``); the test suite fails until you do.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace

GiB = 1024**3
MiB = 1024**2


def _limit(default, doc: str, unit: str, change: str = "`autograder/settings.py`"):
    return field(default=default, metadata={"doc": doc, "unit": unit, "change": change})


@dataclass(frozen=True)
class Limits:
    """The limits one grading run applies (defaults: :data:`DEFAULTS`)."""

    cell_timeout: int = _limit(120, "a cell still running after this is interrupted and reported as a time-out",
                               "s", "`c.Execute.timeout` in the course's `nbgrader_config.py`")
    submission_timeout: float = _limit(900, "one whole submission (on top of the per-cell limit); past it the "
                                       "submission is `failed`", "s", "`--timeout SECONDS`")
    nbgrader_timeout: float = _limit(600, "one nbgrader command of the instructor's (build, feedback, export)", "s")
    memory: int = _limit(8 * GiB, "address space of one student's kernel (a memory bomb gets MemoryError)", "bytes",
                         "`--memory GIB`")
    processes: int = _limit(512, "processes and threads of the kernel's own user id", "count")
    file_size: int = _limit(512 * MiB, "largest file the kernel may write", "bytes")
    cpu_seconds: int = _limit(1800, "CPU time of the whole notebook", "s")
    scratch_bytes: int = _limit(1 * GiB, "what one kernel may keep written at once (its notebook folder, /tmp and "
                                "/dev/shm together, one private tmpfs, gone after grading)", "bytes")
    scratch_files: int = _limit(10_000, "files and folders one kernel may keep at once in that scratch space "
                                "(needs the grader to run as root; else only bytes are limited)", "count")
    feedback_timeout: float = _limit(300, "generating one student's feedback page; past it that student's "
                                     "feedback is skipped", "s")
    cgroup_tasks: int = _limit(256, "processes and threads of the kernel's cgroup (where cgroup v1 is available)",
                               "count")
    cgroup_cpu_shares: int = _limit(1024, "CPU weight of the kernel's cgroup: however many processes it starts, "
                                    "they weigh together as one kernel", "shares")
    cgroup_memory_margin: int = _limit(1 * GiB, "the cgroup's memory limit is the kernel's memory plus this",
                                       "bytes")
    output_chars: int = _limit(20_000, "characters kept of each text output (stream, result, error message)",
                               "chars", "`c.CapOutputSize.max_chars`")
    output_bytes: int = _limit(2_000_000, "largest rich output (an image) kept; larger ones are replaced by a note",
                               "bytes", "`c.CapOutputSize.max_bytes`")
    lab_budget: float = _limit(60, "a lab's reference run must finish within this on 2 CPU cores (`benchmark`)",
                               "s", "the course contract")
    reference_cell_timeout: int = _limit(300, "per-cell limit when `benchmark` and the book execute a reference",
                                         "s")

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"limit {spec.name} must be a positive number, got {value!r}")

    def replace(self, **changes) -> Limits:
        """A copy with ``changes`` (None values ignored), validated."""
        return replace(self, **{key: value for key, value in changes.items() if value is not None})

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Limits:
        return cls(**json.loads(text))


DEFAULTS = Limits()


def limits_of(args) -> Limits:
    """The :class:`Limits` a command line asks for (``--timeout`` in seconds, ``--memory`` in GiB)."""
    memory = getattr(args, "memory", None)
    if memory is not None and not memory > 0:
        raise ValueError(f"--memory must be a positive number of GiB, got {memory!r}")
    return DEFAULTS.replace(submission_timeout=getattr(args, "timeout", None),
                            memory=int(memory * GiB) if memory is not None else None)


def human(value, unit: str) -> str:
    """``8 GiB``, ``512 MiB``, ``120 s``, ``20,000 chars``."""
    if unit == "bytes":
        for size, name in ((GiB, "GiB"), (MiB, "MiB")):
            if value >= size and value % size == 0:
                return f"{value // size:,} {name}"
        return f"{value:,} bytes"
    if unit in ("count", "shares"):
        return f"{value:,}" + (" shares" if unit == "shares" else "")
    return f"{value:,g} {unit}"


def markdown_table(limits: Limits = DEFAULTS) -> str:
    """The limits as a markdown table (README and the book's grading guide show it)."""
    rows = ["| limit | default | what it bounds | change it with |", "|---|---|---|---|"]
    for spec in fields(limits):
        meta = spec.metadata
        rows.append(f"| `{spec.name}` | {human(getattr(limits, spec.name), meta['unit'])} | {meta['doc']} "
                    f"| {meta['change']} |")
    return "\n".join(rows) + "\n"
