"""Find code in a submission that can make the tests pass without solving the exercise.

The tests run in the student's own kernel, so student code could change what the kernel
does: replace ``check`` (the course's test function) or its code, patch numpy, the builtins
or the ``course`` package, register IPython input/AST transformers that rewrite later cells,
install exception handlers or event callbacks that swallow failures, set trace or profile
hooks, swap ``sys.modules`` entries or import hooks, or read the test cells' source (IPython's
``In`` history, ``linecache``, stack frames) to print hidden tests. nbgrader cannot see that.

This module reads the student-editable code cells (every code cell but the release's test
cells, which the grader restores from the gradebook) and names each such line. It looks at
what the code *reaches*, not at a list of spellings: any use of the dynamic builtins (``exec``,
``eval``, ``setattr``, ``globals``, ... however they are named: ``e = exec``,
``builtins.exec``, ``getattr(builtins, "ex" + "ec")``), any ``getattr`` with a computed name,
function internals (``__code__``, ``__globals__``, ``__defaults__``), frames and tracebacks,
module dictionaries, assignments into modules (through ``import x as y``, ``from x import
y`` and simple aliases), IPython's shell (``get_ipython``, magics other than harmless ones),
import machinery and code hidden in strings (``%%writefile`` bodies, strings handed to
``exec``). It is a static check: it names the cell and the line; the runtime check in
:mod:`autograder.integrity.planted` catches what gets past it.

Worked code and reference solutions must not need any of this (the lab authors are told);
``tests/test_integrity.py`` runs the finder over every reference solution and expects nothing.
"""
from __future__ import annotations

import ast
import re

from autograder.notebooks import cell_label, is_test_cell

PROTECTED_NAMES = {"check", "check_that", "CheckFailed"}  # what the tests call
PROTECTED_MODULES = {
    "builtins", "course", "numpy", "tensorflow", "keras", "tf_keras", "torch", "sklearn",
    "math", "sys", "importlib", "unittest", "pytest", "nbgrader", "IPython", "ipykernel", "jupyter_client",
    "traitlets", "operator", "functools", "types", "inspect", "linecache", "traceback", "warnings", "gc",
    "threading", "abc", "copyreg", "ast", "codeop", "code", "runpy", "zmq", "asyncio", "contextlib",
}
# builtins that run or rewrite code, or reach namespaces by computed names
DYNAMIC = {"setattr": "sets attributes by computed names", "delattr": "deletes attributes by computed names",
           "exec": "runs code the grader cannot read", "eval": "runs code the grader cannot read",
           "compile": "builds code the grader cannot read", "__import__": "imports modules by computed names",
           "globals": "reaches the notebook's namespace by computed names",
           "vars": "reaches a namespace by computed names", "locals": "reaches a namespace by computed names",
           "breakpoint": "starts a debugger hook", "get_ipython": "reaches IPython's shell, which runs the tests",
           "__builtins__": "reaches the builtins module", "__build_class__": "builds classes by hand"}
# IPython's history of executed cells: the tests' own source, hidden tests included
HISTORY = re.compile(r"^(In|Out|_ih|_oh|_dh|_i|_ii|_iii|_i\d+|_\d+|__|___)$")
# attributes that reach function code, frames, namespaces or class internals
ATTRIBUTES = {
    "__code__": "a function's code", "__globals__": "a function's globals", "__defaults__": "a function's defaults",
    "__kwdefaults__": "a function's defaults", "__closure__": "a function's closure",
    "__builtins__": "the builtins", "__dict__": "an object's or module's dictionary",
    "__setattr__": "attribute setting", "__delattr__": "attribute deletion",
    "__getattribute__": "attribute lookup", "__subclasses__": "class internals", "__bases__": "class internals",
    "__mro__": "class internals", "__import__": "the import function", "__loader__": "import machinery",
    "__spec__": "import machinery", "__self__": "a method's object", "__func__": "a method's function",
    "f_back": "the caller's frame (the test's code)", "f_globals": "a frame's globals", "f_locals": "a frame's locals",
    "f_code": "a frame's code", "f_builtins": "a frame's builtins", "f_trace": "a frame's trace hook",
    "f_lineno": "a frame's position", "tb_frame": "a traceback's frames", "tb_next": "a traceback's frames",
    "gi_frame": "a generator's frame", "cr_frame": "a coroutine's frame", "ag_frame": "a generator's frame",
    "co_code": "bytecode", "co_consts": "a code object's constants", "co_names": "a code object's names",
    "co_filename": "a code object's file", "_getframe": "the call stack (the test's code)",
    "get_ipython": "IPython's shell, which runs the tests",
}
# module attributes (module -> names, "*" for all of them) that change how code runs or is reported
MODULE_HOOKS = {
    "sys": {"settrace", "setprofile", "gettrace", "getprofile", "excepthook", "displayhook", "breakpointhook",
            "unraisablehook", "modules", "meta_path", "path_hooks", "path_importer_cache", "addaudithook",
            "_getframe", "_current_frames", "call_tracing", "monitoring", "setrecursionlimit", "last_value",
            "last_traceback", "last_type", "__stdout__", "__stderr__"},
    "threading": {"settrace", "setprofile", "excepthook", "settrace_all_threads", "setprofile_all_threads"},
    "importlib": {"*"}, "imp": {"*"}, "pkgutil": {"*"}, "runpy": {"*"}, "code": {"*"}, "codeop": {"*"},
    "ctypes": {"*"}, "marshal": {"*"}, "gc": {"get_referrers", "get_referents", "get_objects"},
    "linecache": {"*"}, "types": {"FunctionType", "CodeType", "ModuleType", "MethodType", "LambdaType",
                                  "new_class", "FrameType", "TracebackType"},
    "inspect": {"currentframe", "stack", "trace", "getouterframes", "getinnerframes", "getframeinfo",
                "getsource", "getsourcelines", "findsource", "getsourcefile", "getfile", "getmodule",
                "getmembers", "getclosurevars"},
    "traceback": {"extract_stack", "print_stack", "format_stack", "walk_stack", "StackSummary"},
    "pickle": {"loads"}, "dill": {"*"}, "cloudpickle": {"*"},
    "builtins": {"*"}, "IPython": {"get_ipython", "core", "kernel", "InteractiveShell", "embed", "start_ipython",
                                   "terminal", "utils"},
    "ipykernel": {"*"}, "jupyter_client": {"*"}, "zmq": {"*"}, "atexit": {"*"},
    "faulthandler": {"*"}, "signal": {"signal", "setitimer", "alarm", "pthread_kill", "SIG_IGN"},
    "warnings": {"showwarning", "formatwarning"},
}
# line and cell magics that cannot change how other cells run
HARMLESS_MAGICS = {"matplotlib", "time", "timeit", "capture", "pip", "conda", "writefile", "who", "whos", "pwd",
                   "ls", "cd", "env", "pprint", "precision", "xmode", "html", "HTML", "markdown", "latex", "bash",
                   "sh", "script", "svg", "javascript", "js", "sx", "system", "mkdir", "cat", "history", "lsmagic"}
SAFE_IPYTHON_CALLS = {"run_line_magic", "run_cell_magic", "system", "getoutput", "magic"}


def cell_code(source: str) -> str:
    """``source`` as IPython runs it: magics and ``!commands`` become ``get_ipython()`` calls."""
    if not any(line.lstrip().startswith(("%", "!")) or "?" in line for line in source.splitlines()):
        return source
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:  # IPython refuses it: the kernel would too
        return source


def module_aliases(tree: ast.AST) -> dict[str, str]:
    """Names bound to modules (``import x``, ``import x.y as z``, ``from x import y``), mapped to
    their top-level module; ``from x import y`` also binds names to objects inside ``x``."""
    aliases = {"__builtins__": "builtins"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name != "*":
                    aliases.setdefault(alias.asname or alias.name, "from:" + node.module.split(".")[0])
    return aliases


def propagate_aliases(trees: list[ast.AST], aliases: dict[str, str]) -> dict[str, str]:
    """``m = np`` makes ``m`` an alias of numpy too (to a fixed point over every cell)."""
    changed = True
    while changed:
        changed = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in aliases:
                    for target in node.targets:
                        if isinstance(target, ast.Name) and target.id not in aliases:
                            aliases[target.id] = aliases[node.value.id]
                            changed = True
    return aliases


def root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def chain(node: ast.AST) -> list[str]:
    """``a.b.c`` -> ``["a", "b", "c"]`` (empty when the chain does not start at a name)."""
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *reversed(names)]
    return []


def targets(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Assign):
        return node.targets
    if isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.NamedExpr)):
        return [node.target]
    if isinstance(node, ast.Delete):
        return node.targets
    if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
        return [node.target]
    if isinstance(node, ast.withitem) and node.optional_vars is not None:
        return [node.optional_vars]
    return []


def flatten(target: ast.AST) -> list[ast.AST]:
    if isinstance(target, (ast.Tuple, ast.List)):
        return [leaf for element in target.elts for leaf in flatten(element)]
    if isinstance(target, ast.Starred):
        return flatten(target.value)
    return [target]


def module_of(name: str | None, aliases: dict[str, str]) -> tuple[str | None, bool]:
    """``(top-level module, bound by `import` itself)`` of a name, or ``(None, False)``."""
    if name is None or name not in aliases:
        return None, False
    value = aliases[name]
    return (value[5:], False) if value.startswith("from:") else (value, True)


def hook_of(node: ast.Attribute, aliases: dict[str, str]) -> str | None:
    """``sys.settrace``-like uses: the dotted name when it reaches a hook of :data:`MODULE_HOOKS`."""
    names = chain(node)
    if len(names) < 2:
        return None
    module, is_module = module_of(names[0], aliases)
    if module is None or not is_module:
        return None
    attrs = names[1:]
    hooks = MODULE_HOOKS.get(module)
    if hooks and ("*" in hooks or attrs[0] in hooks):
        return ".".join(names)
    return None


def is_safe_ipython_call(node: ast.Call) -> bool:
    """``get_ipython().run_line_magic('matplotlib', 'inline')`` and friends: what harmless magics become."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr in SAFE_IPYTHON_CALLS
            and isinstance(func.value, ast.Call) and isinstance(func.value.func, ast.Name)
            and func.value.func.id == "get_ipython"):
        return False
    if func.attr in ("system", "getoutput"):
        return True
    first = node.args[0] if node.args else None
    words = first.value.split() if isinstance(first, ast.Constant) and isinstance(first.value, str) else []
    name = words[0] if words else ""
    return name in HARMLESS_MAGICS


def strings_holding_code(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants that are themselves Python code with statements (``%%writefile``
    bodies, text written to a ``.py`` file, text for ``exec``)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) >= 12:
            text = node.value
            if "\n" not in text and "=" not in text and "(" not in text:
                continue
            try:
                inner = ast.parse(text)
            except (SyntaxError, ValueError):
                continue
            if any(not isinstance(stmt, ast.Expr) or isinstance(stmt.value, ast.Call) for stmt in inner.body):
                found.append((node.lineno, text))
    return found


def findings_in(source: str, aliases: dict[str, str], depth: int = 0) -> list[tuple[int, str]]:
    """``(line, what)`` for each suspicious use in one cell's code."""
    try:
        tree = ast.parse(cell_code(source))
    except (SyntaxError, ValueError):
        return []  # a cell that does not parse does not run
    aliases = propagate_aliases([tree], {**module_aliases(tree), **aliases})
    found: list[tuple[int, str]] = []
    safe_calls = {id(node.func.value.func) for node in ast.walk(tree)
                  if isinstance(node, ast.Call) and is_safe_ipython_call(node)}
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in PROTECTED_NAMES:
            found.append((line, f"defines its own `{node.name}`, the function the tests use"))
        if isinstance(node, ast.ExceptHandler) and node.name in PROTECTED_NAMES:
            found.append((line, f"rebinds `{node.name}`, the function the tests use"))
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                if name in PROTECTED_NAMES:
                    found.append((line, f"rebinds `{name}`, the function the tests use"))
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                from_course = isinstance(node, ast.ImportFrom) and node.module in ("course", "course.checks")
                if bound in PROTECTED_NAMES and not (from_course
                                                     and alias.name == bound):
                    found.append((line, f"binds `{bound}` to something else than the course's"))
                module = (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
                top = module.split(".")[0]
                if isinstance(node, ast.ImportFrom) and top in MODULE_HOOKS and (
                        "*" in MODULE_HOOKS[top] or alias.name in MODULE_HOOKS[top]) and top != "builtins":
                    found.append((line, f"imports `{alias.name}` from {module}, which can change how the tests run"))
                elif isinstance(node, ast.ImportFrom) and top == "builtins":
                    found.append((line, f"imports `{alias.name}` from the builtins module"))
                elif isinstance(node, ast.ImportFrom) and top == "IPython" \
                        and not module.startswith("IPython.display") and alias.name != "display":
                    found.append((line, f"imports `{alias.name}` from {module} (IPython's shell runs the tests)"))
                elif top in ("ctypes", "ipykernel", "jupyter_client", "linecache", "marshal", "dill"):
                    found.append((line, f"imports {module}, which can change or read the kernel that runs the tests"))
        for target in (leaf for t in targets(node) for leaf in flatten(t)):
            if isinstance(target, ast.Name) and target.id in PROTECTED_NAMES:
                found.append((target.lineno, f"replaces `{target.id}`, the function the tests use"))
            elif isinstance(target, ast.Name) and (target.id in DYNAMIC or target.id in ("print", "isinstance")):
                found.append((target.lineno, f"rebinds the builtin `{target.id}`"))
            elif isinstance(target, (ast.Attribute, ast.Subscript)):
                root = root_name(target)
                module, is_module = module_of(root, aliases)
                depth_one = isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                if module is not None and (module in PROTECTED_MODULES or (is_module and depth_one)):
                    found.append((target.lineno, f"changes `{ast.unparse(target)}` inside the {module} module"))
                elif root in PROTECTED_NAMES:
                    found.append((target.lineno, f"changes `{ast.unparse(target)}`, the function the tests use"))
                elif isinstance(target, ast.Attribute) and target.attr == "__class__":
                    found.append((target.lineno, f"changes the class of an object (`{ast.unparse(target)}`)"))
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id in DYNAMIC and id(node) not in safe_calls:
                found.append((line, f"uses `{node.id}`, which {DYNAMIC[node.id]}"))
            elif HISTORY.match(node.id):
                found.append((line, f"reads IPython's history `{node.id}` (the source of the test cells)"))
        if isinstance(node, ast.Attribute):
            if node.attr in ATTRIBUTES:
                found.append((line, f"reaches {ATTRIBUTES[node.attr]} (`{ast.unparse(node)}`)"))
            elif node.attr in DYNAMIC and module_of(root_name(node), aliases)[0] == "builtins":
                found.append((line, f"uses `{ast.unparse(node)}`, which {DYNAMIC[node.attr]}"))
            else:
                hook = hook_of(node, aliases)
                if hook:
                    found.append((line, f"uses `{hook}`, which can change how the tests run or read their code"))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr"):
            name = node.args[1] if len(node.args) > 1 else None
            if node.func.id == "getattr" and not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
                found.append((line, "calls `getattr()` with a computed name"))
            elif isinstance(name, ast.Constant) and isinstance(name.value, str) and (
                    name.value in ATTRIBUTES or name.value in DYNAMIC or name.value in PROTECTED_NAMES):
                found.append((line, f"reaches `{name.value}` through {node.func.id}()"))
            elif isinstance(name, ast.Constant) and module_of(root_name(node.args[0]), aliases)[0] in MODULE_HOOKS \
                    and name.value in MODULE_HOOKS.get(module_of(root_name(node.args[0]), aliases)[0], ()):
                found.append((line, f"reaches `{name.value}` through getattr()"))
    found = sorted(set(found))
    if depth < 2:  # then what code hidden in strings would do
        for line, text in strings_holding_code(tree):
            for _, what in findings_in(text, aliases, depth + 1):
                found.append((line, f"holds code in a string that {what.removeprefix('uses ')}"
                              if what.startswith("uses") else f"holds code in a string that {what}"))
    return list(dict.fromkeys(found))


def is_release_test(cell, test_ids: set[str] | None) -> bool:
    if test_ids is not None:
        return cell.metadata.get("nbgrader", {}).get("grade_id") in test_ids
    return is_test_cell(cell)


def test_ids_of(release) -> set[str]:
    """grade_ids of the release's test cells (their source is restored from the gradebook)."""
    return {cell.metadata["nbgrader"]["grade_id"] for cell in release.cells
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")
            and not cell.metadata["nbgrader"].get("solution") and cell.metadata["nbgrader"].get("grade_id")}


def tampering(nb, release=None) -> list[str]:
    """Plain-language findings for the student-editable code cells of ``nb``.

    Test cells are skipped: with ``release``, only the first cell carrying each of the
    release's test ids (nbgrader restores its source); without, cells marked as tests.
    """
    test_ids = test_ids_of(release) if release is not None else None
    seen: set[str] = set()
    cells = []
    for index, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if is_release_test(cell, test_ids) and grade_id not in seen:
            seen.add(grade_id)
            continue
        cells.append((index, cell))
    trees = []
    for _, cell in cells:
        try:
            trees.append(ast.parse(cell_code(cell.source)))
        except (SyntaxError, ValueError):
            pass
    aliases: dict[str, str] = {}
    for tree in trees:
        aliases.update(module_aliases(tree))
    aliases = propagate_aliases(trees, aliases)
    notes = []
    for index, cell in cells:
        label = cell_label(cell, index)
        for line, what in findings_in(cell.source, aliases):
            notes.append(f"{label} line {line} {what}")
    return notes
