"""Canaries made from the lab's own test cells: the same code with one expected value changed.

A canary is a copy of a real test cell (hidden tests included: the grader has them) in which
one expected value of one ``check`` is changed so that the check cannot pass for code that
passes the real one: a number of the expected value moved beyond the check's tolerance and
written like the original (an int stays an int of the same length, a float keeps its decimals
and significant digits; never a number the check's description quotes), or, in a cell with no
such number, a ``check_that`` comparison turned into its negation. Bools, strings and dtypes
are left alone: which of two is the original would be a fair guess (``True``, ``float32``).
Everything else (the calls on the student's functions,
the names, the shapes, the hints) is the test's own, so nothing in the source tells a canary
from the test it was made from, except which of the two holds the original value, which the
student has never seen when the change is in the hidden part. That is why changes go into
the hidden part when the test has one.

A kernel that makes the real test pass without solving it (whatever the spelling, however
briefly the cheat is on) also passes the canary unless it can tell them apart: when both end
without an error, the kernel is not reporting the student's results (see
:mod:`autograder.integrity.planted`, which plants and judges them).
"""
from __future__ import annotations

import ast
import random
import re
from dataclasses import dataclass

HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
NEGATION = {ast.Lt: " >= ", ast.LtE: " > ", ast.Gt: " <= ", ast.GtE: " < ", ast.Eq: " != ", ast.NotEq: " == ",
            ast.In: " not in ", ast.NotIn: " in ", ast.Is: " is not ", ast.IsNot: " is "}
DEFAULT_RTOL, DEFAULT_ATOL = 1e-6, 1e-8  # course.checks.check's defaults


@dataclass(frozen=True)
class Site:
    """A place in a test cell's source where one changed token makes one check fail."""

    line: int  # 1-based
    start: int  # column offsets (characters) of the token on that line
    end: int
    kind: str  # "number" or "comparison"
    text: str  # the token as written
    tolerance: float = 0.0  # for numbers: how far apart check() still calls them equal (relative part)
    atol: float = 0.0
    hidden: bool = False
    negation: str = ""  # for comparisons: the operator that replaces the original


def hidden_lines(source: str) -> set[int]:
    """Line numbers (1-based) inside the hidden-tests block of a test cell."""
    inside, found = False, set()
    for number, line in enumerate(source.splitlines(), start=1):
        if line.strip() == HIDDEN_BEGIN:
            inside = True
        elif line.strip() == HIDDEN_END:
            inside = False
        elif inside:
            found.add(number)
    return found


def literal_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def keyword(call: ast.Call, name: str):
    return next((k.value for k in call.keywords if k.arg == name), None)


def constant_of(node, default: float) -> float:
    try:
        value = ast.literal_eval(node) if node is not None else default
    except ValueError:
        return default
    return float(value) if literal_number(value) else default


def leaves(node: ast.AST):
    """Constant leaves of an expected value written as a literal."""
    if isinstance(node, ast.Constant):
        yield node
    elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        for item in node.elts:
            yield from leaves(item)
    elif isinstance(node, ast.Dict):
        for item in node.values:
            yield from leaves(item)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        yield from leaves(node.operand)


def column(line: str, offset: int) -> int:
    """The character column of ``ast``'s UTF-8 byte ``offset`` in ``line``."""
    return len(line.encode()[:offset].decode("utf-8", "replace"))


def is_literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
        return True
    except ValueError:
        return False


def sites(source: str) -> list[Site]:
    """Every place in ``source`` (a test cell) where a changed token makes a top-level check fail."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    hidden = hidden_lines(source)
    found = []
    for statement in tree.body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name) or call.func.lineno != call.lineno:
            continue
        if call.func.id == "check":
            expected = call.args[2] if len(call.args) > 2 else keyword(call, "expected")
            if expected is None or not is_literal(expected):
                continue
            what = call.args[0] if call.args else keyword(call, "what")
            quoted = ast.unparse(what) if what is not None else ""
            rtol = constant_of(keyword(call, "rtol"), DEFAULT_RTOL)
            atol = constant_of(keyword(call, "atol"), DEFAULT_ATOL)
            for leaf in leaves(expected):
                if leaf.lineno != leaf.end_lineno or not literal_number(leaf.value):
                    continue
                line = source.splitlines()[leaf.lineno - 1]
                start, end = column(line, leaf.col_offset), column(line, leaf.end_col_offset)
                if line[start:end] not in quoted and len(re.findall(
                        rf"(?<![\w.]){re.escape(line[start:end])}(?![\w.])", source)) == 1:  # said nowhere else
                    found.append(Site(leaf.lineno, start, end, "number", line[start:end], rtol, atol,
                                      leaf.lineno in hidden))
        elif call.func.id == "check_that" and len(call.args) > 1:
            condition = call.args[1]
            if isinstance(condition, ast.Compare) and len(condition.ops) == 1 and \
                    type(condition.ops[0]) in NEGATION and condition.lineno == condition.end_lineno:
                line = source.splitlines()[condition.lineno - 1]
                left_end = column(line, condition.left.end_col_offset)
                right_start = column(line, condition.comparators[0].col_offset)
                found.append(Site(condition.lineno, left_end, right_start, "comparison", line[left_end:right_start],
                                  hidden=condition.lineno in hidden, negation=NEGATION[type(condition.ops[0])]))
    return found


def significant_digits(text: str) -> int:
    digits = text.lower().split("e")[0].replace(".", "").replace("_", "").lstrip("+-").lstrip("0").rstrip("0")
    return max(1, len(digits))


def changed_number(text: str, rng: random.Random, rtol: float, atol: float) -> str | None:
    """Another number written like ``text`` (the same kind, decimals, significant digits and, for
    integers, length) that check() cannot call equal to it; None when there is none."""
    value = ast.literal_eval(text)
    scientific = "e" in text.lower() and not text.lower().startswith("0x")
    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    sig = significant_digits(text)
    base = float(mantissa) if scientific else float(value)
    for _ in range(100):
        if isinstance(value, int) and not scientific:  # same length, same trailing zeros
            core = text.rstrip("0") or "0"
            digits = [str(rng.randint(1, 9))] + [str(rng.randint(0, 9)) for _ in range(len(core) - 2)]
            if len(core) > 1:
                digits.append(str(rng.randint(1, 9)))
            candidate = "".join(digits) + "0" * (len(text) - len(core))
        else:
            number = base * rng.uniform(0.2, 3.0) if base else rng.uniform(1, 9) * 10.0 ** -max(decimals, 1)
            magnitude = int(f"{abs(number):e}".split("e")[1]) if number else 0
            number = round(number, max(0, sig - 1 - magnitude))
            number = round(number, decimals)
            candidate = f"{number:.{decimals}f}" + (f"e{exponent}" if scientific else "")
            if "." not in candidate.split("e")[0] and "." in mantissa:
                continue
        try:
            new_value = float(ast.literal_eval(candidate))
        except (ValueError, SyntaxError):
            continue
        old = float(value)
        if float(candidate.split("e")[0]) == 0 or (float(mantissa) != 0 and significant_digits(candidate) != sig):
            continue
        if candidate != text and abs(new_value - old) > 2 * (atol + rtol * max(abs(new_value), abs(old))) + 1e-12:
            return candidate
    return None


def changed(site: Site, rng: random.Random) -> str | None:
    """The token that replaces ``site``'s, or None when none is safe."""
    return changed_number(site.text, rng, site.tolerance, site.atol) if site.kind == "number" else site.negation


def derive(source: str, rng: random.Random, count: int = 1) -> list[str]:
    """``count`` canaries made from test cell ``source`` (none when it has nowhere to change).

    All of them change the same token (were they to change different ones, the test would be
    the one copy that agrees with each of the others). Changes go into the hidden tests when
    they hold a site, and prefer ``check`` numbers over ``check_that`` comparisons (whose
    description states the direction)."""
    candidates = sites(source)
    pool = [s for s in candidates if s.hidden] or candidates
    pool = [s for s in pool if s.kind != "comparison"] or pool
    rng.shuffle(pool)
    for site in pool:
        tokens = [changed(site, rng) for _ in range(count)] if site.kind == "number" else [site.negation]
        tokens = list(dict.fromkeys(t for t in tokens if t is not None))
        if not tokens:
            continue
        lines = source.splitlines(keepends=True)
        line = lines[site.line - 1]
        made = []
        for token in tokens:
            lines[site.line - 1] = line[:site.start] + token + line[site.end:]
            made.append("".join(lines))
        return made
    return []
