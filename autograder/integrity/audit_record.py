"""What the grading kernel's audit hook saw (:mod:`autograder.integrity.kernel_guard`), in plain words.

:func:`audit_problems` reads one kernel's record after the notebook ran, checks that every
line is the hook's own (the chained HMAC under the kernel's key) and that the record reaches
the last cell, and turns what student code did into problems naming the cell. A helper module
the notebook wrote and imported is not a problem in itself: its source goes through the static
finder (:mod:`autograder.integrity.tampering`) like a cell's, and only what the finder names counts.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from autograder.integrity.tampering import findings_in

SEEN = {  # kind of record -> what the student code did
    "refused": "tried something the grading kernel refuses",
    "exec": "ran code built from a string at run time",
    "compile": "compiled code from a string at run time",
    "trace": "set a trace or profile function",
    "frames": "reached the call stack (the frames of the code that calls it)",
    "gc": "searched the interpreter's live objects (gc)",
    "code": "built code objects or functions by hand",
    "setattr": "replaced a function's code or defaults, or an attribute of a library class",
    "marshal": "loaded compiled code (marshal)",
    "pickle": "unpickled a reference that runs or reaches code",
    "ctypes": "used ctypes (raw memory and C calls)",
}


def read_record(path: Path, key: bytes) -> tuple[list[dict], str | None]:
    """``(records, None)``, or the records up to the first bad line and what was wrong."""
    try:
        lines = Path(path).read_bytes().decode("utf-8", "replace").splitlines()
    except OSError:
        return [], "the grader's audit record of the kernel is missing"
    records, chain = [], b""
    for number, line in enumerate(lines, start=1):
        body, _, mac = line.rpartition(" ")
        expected = hmac.new(key, chain + body.encode(), hashlib.sha256).hexdigest()
        if not body or not hmac.compare_digest(mac, expected):
            return records, f"the grader's audit record was altered (line {number})"
        chain = mac.encode()
        try:
            records.append(json.loads(body))
        except ValueError:
            return records, f"the grader's audit record was altered (line {number})"
    if not records or records[0].get("kind") != "start":
        return records, "the grader's audit record of the kernel is missing its start"
    return records, None


def label_cells(nb, planted_key: str) -> tuple[dict[int, str], set[int]]:
    """``({execution count: how messages name that cell}, counts of the grader's probes)`` of an
    executed notebook (a probe is a planted cell that is not shaped like a test)."""
    labels, probes, previous = {}, set(), "the first cell"
    for index, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        own = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}"
        planted = cell.metadata.get(planted_key)
        if cell.get("execution_count") is not None:
            labels[cell.execution_count] = f"a grader check after {previous}" if planted else own
            if planted and not cell.metadata.get("nbgrader"):
                probes.add(cell.execution_count)
        if not planted:
            previous = own
    return labels, probes


def audit_problems(nb, path: Path, key: bytes, planted_key: str, last_count: int | None) -> list[str]:
    """Problems in one kernel's audit record: what student code did, and where.

    ``last_count`` is the execution count of the notebook's last cell when every cell ran
    (the record must reach it), else None.
    """
    records, broken = read_record(path, key)
    labels, probes = label_cells(nb, planted_key)
    where = lambda record: labels.get(record.get("cell"), "the kernel's start")  # noqa: E731
    found = []
    for record in records:
        kind = record.get("kind")
        if kind == "module":
            name = Path(str(record.get("path", "?"))).name
            found += [f"{where(record)} imported {name}, written by the notebook, whose line {line} {what}"
                      for line, what in findings_in(str(record.get("source", "")), {})]
        elif kind == "frames" and record.get("cell") in probes and str(record.get("what")).startswith(
                "object.__getattr__ __"):
            continue  # the probe itself reads functions' __code__ and __defaults__
        elif kind in SEEN:
            detail = record.get("what") or ""
            found.append(f"{where(record)} {SEEN[kind]}" + (f" ({detail})" if detail else ""))
    if broken:
        found.append(broken)
    elif last_count is not None and max((r.get("cell") or 0 for r in records if r.get("kind") == "cell"),
                                        default=0) < last_count:
        found.append("the grader's audit record stops before the last cell (the notebook closed or replaced it)")
    return list(dict.fromkeys(found))
