# ruff: noqa: E501  (hostile code is kept readable as one string per line)
"""Submissions that change how the kernel runs the tests, and honest ones that must not be
flagged: the corpus of tests/test_hostile_submissions.py (lab 01).

Hostile ones start from the *blank* release (every point they get is unearned) or from the
reference where the attack is about leaking or resources; honest ones start from the reference
and must keep every point.
"""
from __future__ import annotations

import copy
import pickle
import re

import nbformat

from autograder.notebooks import graded_cells

# Selective, brief cheats: each is on only while a cell that looks like a test compiles or runs,
# off for every other cell (the probes among them), and hidden from the static finder.
AUDIT_HOOK = """
import sys, course.checks as cc
_real = cc._compare
def _watch(event, args):
    if event == "compile" and args and isinstance(args[0], (str, bytes)):
        text = args[0] if isinstance(args[0], str) else args[0].decode()
        cc._compare = (lambda *a, **k: None) if "check(" in text else _real
sys.addaudithook(_watch)
"""
SELECTIVE_PATCH = """
import course.checks as cc
from IPython import get_ipython
_real = cc._compare
def _switch(lines):
    cc._compare = (lambda *a, **k: None) if any("check(" in line for line in lines) else _real
    return lines
get_ipython().input_transformers_cleanup.append(_switch)
"""
AST_WHILE_TESTS = """
import ast
from IPython import get_ipython
class _Quiet(ast.NodeTransformer):
    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id in ("check", "check_that"):
            return ast.copy_location(ast.Constant(None), node)
        return self.generic_visit(node)
_ip, _t = get_ipython(), _Quiet()
def _on(info):
    if "check(" in (info.raw_cell or ""):
        _ip.ast_transformers.append(_t)
def _off(result):
    if _t in _ip.ast_transformers:
        _ip.ast_transformers.remove(_t)
_ip.events.register("pre_run_cell", _on)
_ip.events.register("post_run_cell", _off)
"""


def hidden_module(name: str, source: str) -> str:
    """A cell that writes ``source``, decoded at run time, to ``name``.py and imports it."""
    return (f"with open('{name}.py', 'w') as handle:\n"
            f"    handle.write(bytes.fromhex('{source.encode().hex()}').decode())\n"
            f"import {name}")


class _Payload:
    """Unpickling it runs ``AUDIT_HOOK`` (pickle calls exec)."""

    def __reduce__(self):
        return (exec, (AUDIT_HOOK,))


# student: code of a cell added after the setup cell of the blank release
KERNEL_HOOKS = {
    # an input transformer that empties every later cell: tests "pass" by not running
    "transformer": "ip = get_ipython()\nip.input_transformers_cleanup.append(lambda lines: ['pass\\n'])",
    # the same through an alias and a computed attribute name
    "alias_transformer": ("shell = [g for n, g in list(globals().items()) if n == 'get' + '_ipython'][0]()\n"
                          "getattr(shell, 'input_transformers_' + 'post').append(lambda lines: [])"),
    # an AST transformer wrapping every statement in try/except
    "ast_wrapper": ("import ast\n"
                    "class Swallow(ast.NodeTransformer):\n"
                    "    def visit_Module(self, node):\n"
                    "        handler = ast.ExceptHandler(type=ast.Name('Exception', ast.Load()), name=None, body=[ast.Pass()])\n"
                    "        node.body = [ast.Try(body=[s], handlers=[handler], orelse=[], finalbody=[]) for s in node.body]\n"
                    "        return ast.fix_missing_locations(node)\n"
                    "from IPython import get_ipython as gi\n"
                    "gi().ast_transformers.append(Swallow())"),
    # a custom exception handler: errors leave no error output
    "custom_exc": "get_ipython().set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)",
    # showtraceback replaced on the shell instance
    "quiet_traceback": "ip = get_ipython()\nip.showtraceback = lambda *args, **kwargs: None",
    # a post_run_cell callback is not enough to hide errors, a pre_run_cell one that patches check is
    "event_patch": ("import course.checks as cc\n"
                    "def _before(info):\n"
                    "    globals()['check'] = lambda *a, **k: print('OK')\n"
                    "    globals()['check_that'] = lambda *a, **k: print('OK')\n"
                    "get_ipython().events.register('pre_run_cell', _before)"),
    # a trace hook that swallows CheckFailed by jumping out of failing lines is hard; this one
    # replaces check's behaviour from inside the frame
    "trace_hook": ("import sys\n"
                   "def _tracer(frame, event, arg):\n"
                   "    if event == 'call' and frame.f_code.co_name in ('check', 'check_that', '_fail'):\n"
                   "        frame.f_globals['_fail'] = lambda *a, **k: None\n"
                   "    return None\n"
                   "sys.settrace(_tracer)"),
    # check's code swapped through another name bound to the same function
    "code_swap": "same = check\nsame.__code__ = (lambda what, got, expected, **kw: print('OK', what)).__code__",
    # check's defaults made useless (any number passes)
    "defaults": "import course.checks\nf = course.checks.check\nf.__kwdefaults__ = {'hint': '', 'rtol': 1e12, 'atol': 1e12}",
    # numpy patched through getattr/setattr with computed names
    "getattr_patch": ("import numpy\n"
                      "name = 'all' + 'close'\n"
                      "setattr(numpy, name, lambda *a, **k: True)\n"
                      "import course.checks\n"
                      "vars(course.checks)['_f' + 'ail'] = lambda *a, **k: None"),
    # the builtins patched through exec of a string
    "exec_patch": "exec('import course.checks as c\\nc._fail = lambda *a, **k: None\\nc.CheckFailed.__init__ = lambda s, *a: None')",
    # sys.modules swapped for a fake course.checks is too late (already imported); the module dict itself
    "module_dict": "import sys\nsys.modules['course.checks'].__dict__['_fail'] = lambda *a, **k: None",
    # a helper module written to disk and imported: the finder cannot read it, the probes can
    # an audit hook that watches cells compile, from a module the notebook writes from hex
    "audit_hook_module": hidden_module("io_helpers", AUDIT_HOOK),
    # the same audit hook, run by pickle (pickle.load of bytes, not pickle.loads)
    "audit_hook_pickle": ("import io, pickle as p\n"
                          f"state = p.load(io.BytesIO(bytes.fromhex('{pickle.dumps(_Payload()).hex()}')))"),
    # the same audit hook, from a module file compiled under a name that looks installed
    "audit_hook_disguised": ("import importlib.util as u\n"
                             "with open('plots.py', 'w') as h:\n"
                             f"    h.write(bytes.fromhex('{AUDIT_HOOK.encode().hex()}').decode())\n"
                             "spec = u.spec_from_file_location('matplotlib_extra', 'plots.py')\n"
                             "spec.loader.exec_module(u.module_from_spec(spec))"),
    # check's comparison switched off only while a cell with check( in it is transformed
    "selective_patch": hidden_module("text_utils", SELECTIVE_PATCH),
    # an AST transformer that drops check calls, present only while test cells compile
    "ast_while_tests": hidden_module("cell_tools", AST_WHILE_TESTS),
    "module_file": ("with open('helper_mod.py', 'w') as handle:\n"
                    "    handle.write(bytes.fromhex('696d706f727420636f757273652e636865636b730a636f757273652e636865636b732e5f6661696c203d206c616d626461202a612c202a2a6b3a204e6f6e650a').decode())\n"
                    "import helper_mod"),
}
# student: code added to the setup cell of the reference (full marks otherwise): must get zero or tampered
LEAKERS = {
    # prints each later cell's source as it runs: the hidden tests would reach the feedback
    "test_printer": "get_ipython().events.register('pre_run_cell', lambda info: print(info.raw_cell))",
    # reads IPython's history from a later cell
    "history_reader": None,  # built in corpus(): code in the last exercise cell
}
RESOURCE_HOGS = {
    # 20,000 files in the notebook's folder and in /tmp
    "file_flood": ("import os\nfor folder in ('.', '/tmp'):\n    for i in range(20_000):\n        try:\n"
                   "            open(os.path.join(folder, f'f{i}.txt'), 'w').close()\n"
                   "        except OSError:\n            break\nprint('done')"),
    # one big file: more than the scratch space allows
    "disk_filler": ("chunk = b'x' * 2**24\ntry:\n    with open('big.bin', 'wb') as handle:\n"
                    "        for _ in range(200):\n            handle.write(chunk)\nexcept OSError as error:\n"
                    "    print('refused:', type(error).__name__)"),
    # processes left behind: a daemon that outlives the kernel
    "orphans": ("import os, subprocess\n"
                "for _ in range(3):\n"
                "    subprocess.Popen(['sleep', '3601'], start_new_session=True)\n"
                "if os.fork() == 0:\n"
                "    os.setsid()\n"
                "    os.execvp('sleep', ['sleep', '3602'])\n"
                "print('started')"),
}


def setup_index(nb) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")


def with_cell(nb, code: str):
    nb = copy.deepcopy(nb)
    nb.cells.insert(setup_index(nb) + 1, nbformat.v4.new_code_cell(code))
    return nb


DEF = re.compile(r"^(def \w+\(.*\):\n(?:    \"\"\".*\"\"\"\n)?)", re.M)


def with_debug_line(nb, line: str, imports: str):
    """The reference with ``line`` at the top of every exercise function (honest chatter)."""
    nb = copy.deepcopy(nb)
    nb.cells[setup_index(nb)].source += "\n" + imports
    for cell in graded_cells(nb).values():
        if cell.metadata["nbgrader"].get("solution"):
            cell.source = DEF.sub(lambda m: m.group(1) + "    " + line + "\n", cell.source)
    return nb


def honest(done) -> dict:
    """The reference, as students might write it honestly: every one must keep full marks."""
    out = {
        "honest_stderr": with_debug_line(done, "print('debug: called', file=sys.stderr)", "import sys"),
        "honest_logging": with_debug_line(done, "logging.warning('computing %s', 'it')", "import logging"),
        "honest_warnings": with_debug_line(done, "warnings.warn('this may be slow', UserWarning)", "import warnings"),
    }
    helper = copy.deepcopy(done)
    cell = graded_cells(helper)["standardize"]
    cell.source = ('def _column_stats(x):\n    """Mean and standard deviation of each column."""\n'
                   '    return tf.reduce_mean(x, axis=0), tf.math.reduce_std(x, axis=0)\n\n\n'
                   'def standardize(x):\n    """Column-wise z-scores, through a helper."""\n'
                   '    x = tf.cast(x, tf.float32)\n    mean, std = _column_stats(x)\n    return (x - mean) / std\n')
    out["honest_helper"] = helper
    other = copy.deepcopy(done)
    graded_cells(other)["standardize"].source = (
        "import numpy as np\n\n\ndef standardize(x):\n    \"\"\"z-scores by hand in NumPy, back to a tensor.\"\"\"\n"
        "    a = np.asarray(x, dtype=np.float64)\n    mu = a.sum(axis=0) / len(a)\n"
        "    sd = np.sqrt(((a - mu) ** 2).sum(axis=0) / len(a))\n"
        "    return tf.constant((a - mu) / sd, dtype=tf.float32)\n")
    graded_cells(other)["counter"].source = (
        "def run_counter(steps, start=0):\n    \"\"\"A counter in a TF1 graph, run step by step.\"\"\"\n"
        "    g = tf.Graph()\n    with g.as_default():\n        v = tf.compat.v1.Variable(start)\n"
        "        step = v.assign_add(1)\n        init = tf.compat.v1.global_variables_initializer()\n"
        "    with tf.compat.v1.Session(graph=g) as s:\n        s.run(init)\n"
        "        return [int(s.run(step)) for _ in range(steps)]\n")
    out["honest_algorithm"] = other
    # a helper module the student writes from the notebook and imports, and a pickle round trip
    module = copy.deepcopy(done)
    graded_cells(module)["standardize"].source = (
        "with open('zscore.py', 'w') as handle:\n"
        "    handle.write('import tensorflow as tf\\n\\n\\ndef zscore(x):\\n'\n"
        "                 '    x = tf.cast(x, tf.float32)\\n'\n"
        "                 '    return (x - tf.reduce_mean(x, axis=0)) / tf.math.reduce_std(x, axis=0)\\n')\n"
        "import zscore\n\n\ndef standardize(x):\n    \"\"\"Column-wise z-scores, from my module.\"\"\"\n"
        "    return zscore.zscore(x)\n")
    out["honest_module"] = module
    saved = copy.deepcopy(done)
    saved.cells.insert(setup_index(saved) + 1, nbformat.v4.new_code_cell(
        "import pickle\nimport numpy as np\nwith open('state.pkl', 'wb') as handle:\n"
        "    pickle.dump({'weights': np.arange(3.0), 'name': 'run 1'}, handle)\n"
        "with open('state.pkl', 'rb') as handle:\n    print(pickle.load(handle)['name'])"))
    out["honest_pickle"] = saved
    return out


def corpus(release, done) -> dict:
    """``{student: notebook}`` for the integrity part of the hostile class."""
    notebooks = {name: with_cell(release, code) for name, code in KERNEL_HOOKS.items()}
    notebooks["test_printer"] = with_cell(done, LEAKERS["test_printer"])
    reader = copy.deepcopy(done)
    last = [c for c in graded_cells(reader).values() if c.metadata["nbgrader"].get("solution")][-1]
    last.source += "\n\nprint('\\n'.join(In))\n"
    notebooks["history_reader"] = reader
    notebooks.update({name: with_cell(done, code) for name, code in RESOURCE_HOGS.items()})
    notebooks.update(honest(done))
    return notebooks


HIDDEN_LINE = "m = rng.normal(3.0, 2.0, size=(7, 4))"  # code of a hidden test of lab 01
