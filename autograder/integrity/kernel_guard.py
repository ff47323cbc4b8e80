"""The grader's audit hook, installed in the grading kernel before any student code runs.

The grading kernel (:mod:`autograder.grading.kernel`) starts ``python -c <this file's text>``
instead of ``python -m ipykernel_launcher``: the code below installs a Python audit hook
(:pep:`578`) and then starts the IPython kernel. An audit hook cannot be removed, sees every
audited operation of the process, and may refuse one by raising. This one

* refuses every later ``sys.addaudithook`` (a student's hook could watch the test cells'
  source as IPython compiles them and switch a cheat on for exactly those);
* records what student code does that no exercise needs: code compiled or run from strings
  (``exec``, ``eval``, ``compile``), ``ctypes``, ``sys.settrace``/``setprofile``, the call
  stack (``sys._getframe``, a traceback's frames), ``gc``'s object lists, code objects built or
  swapped by hand, ``marshal``, and unpickling of calls such as ``builtins.exec`` (from the
  notebook's own ``pickle.load``: anything that runs or reaches code; through a library's loader,
  as Apache Beam unpickles its transforms: what runs code or reaches the kernel, ``os`` or
  ``course``);
* records the source of every module imported from outside the installed packages (a helper
  module the notebook wrote next to itself), so that the grader can read it with the static
  finder (:mod:`autograder.integrity.tampering`), which cannot read text decoded at run time;
* writes one heartbeat per executed cell, so the grader knows the record is complete.

"Student code" is the frame that asked for the operation: a notebook cell or a module outside
the installed packages (the standard library, site-packages and the ``course`` package are
installed). A library doing these things for its own reasons (``tf.function`` compiles
source, ``logging`` reads frames) is not student code.

The record is a file in the kernel's runtime folder, opened before student code runs and
written with ``os.write``; opening it (or the process's file descriptors and memory under
``/proc``) again is refused. Each line carries an HMAC, chained over the lines before it, under
a key the grader wrote for this kernel and this code read and deleted before any student code
ran: a line added or changed by student code does not verify. The grader reads the record
with :mod:`autograder.integrity.audit_record`.

This file is run as a script: it may import only the standard library (the ``autograder``
package is hidden inside the kernel sandbox).
"""

import hashlib
import hmac
import json
import os
import sys
import sysconfig
import threading

LOG_ENV = "AUTOGRADER_AUDIT_LOG"  # the record's path; the key is in the file beside it (+ ".key")
PACKAGES_ENV = "AUTOGRADER_INSTALLED"  # more folders of installed code (the course package), os.pathsep-separated
KEY_SUFFIX = ".key"
GRADER_ENV = "AUTOGRADER_AUDIT_RECORD"  # the grader's side: {"log": path, "key": hex}, never seen by the kernel
SOURCE_LIMIT = 100_000  # characters of a module's or a string's source kept in the record

# audit event -> kind of record, when student code raises it
STUDENT_EVENTS = {
    "exec": "exec", "compile": "compile", "sys.settrace": "trace", "sys.setprofile": "trace",
    "sys._getframe": "frames", "sys._current_frames": "frames", "object.__getattr__": "frames",
    "gc.get_objects": "gc", "gc.get_referrers": "gc", "gc.get_referents": "gc",
    "code.__new__": "code", "function.__new__": "code", "object.__setattr__": "setattr",
    "object.__delattr__": "setattr", "marshal.loads": "marshal", "marshal.load": "marshal",
}
# unpickling any of these runs or reaches code: never what a saved model or array needs
PICKLE_MODULES = {"os", "posix", "nt", "sys", "subprocess", "importlib", "ctypes", "types", "marshal", "runpy",
                  "code", "codeop", "IPython", "ipykernel", "course", "pickle", "operator", "shutil", "socket",
                  "pty", "inspect", "gc", "atexit", "signal", "threading", "builtins", "__builtin__", "nbformat"}
# what a library's own pickles (Apache Beam's, cloudpickle's) never hold: these run code or reach the
# kernel whoever asks (a student's pickle passed through a library's loader still counts)
PICKLE_RUNS_CODE = {"os", "posix", "nt", "subprocess", "ctypes", "marshal", "runpy", "code", "codeop", "IPython",
                    "ipykernel", "course", "nbformat", "pty", "socket", "shutil", "signal", "atexit", "gc", "sys"}
PICKLE_BUILTINS_RUN_CODE = {"exec", "eval", "compile", "__import__", "open", "breakpoint", "setattr", "delattr",
                            "globals", "locals", "vars", "input", "help", "memoryview"}
PICKLE_BUILTINS_OK = {"set", "frozenset", "complex", "bytearray", "bytes", "slice", "range", "object", "list",
                      "dict", "tuple", "int", "float", "str", "bool", "type", "NotImplemented", "Ellipsis",
                      "getattr"}  # getattr: how pickle saves a bound method
# attributes whose setting changes code the tests call (functions) or a library class
SETATTR_NAMES = {"__code__", "__defaults__", "__kwdefaults__", "__globals__", "__closure__", "__call__",
                 "__eq__", "__ne__", "__bool__", "__class__", "__getattribute__", "__getattr__"}


def install(log_path: str, key: bytes) -> None:
    """Open the record, then add the audit hook (nothing after this may be undone)."""
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def folders(*names: str) -> tuple[str, ...]:
        found = set()
        for name in names:
            path = sysconfig.get_paths().get(name)
            if path:
                found |= {path.rstrip("/") + "/", os.path.realpath(path) + "/"}
        return tuple(sorted(found))

    stdlib = folders("stdlib", "platstdlib")
    libraries = folders("purelib", "platlib") + tuple(
        p.rstrip("/") + "/" for p in os.environ.get(PACKAGES_ENV, "").split(os.pathsep) if p)
    roots = stdlib + libraries
    protected = {os.path.realpath(log_path), os.path.realpath(log_path) + KEY_SUFFIX}
    protected_names = {os.path.basename(p) for p in protected}
    pid = str(os.getpid())
    busy: set[int] = set()
    lock = threading.Lock()
    state = {"seq": 0, "chain": b"", "cell": None, "shell": None}
    seen_modules: set[str] = set()
    get_ident, getframe, modules = threading.get_ident, sys._getframe, sys.modules

    def write(record: dict) -> None:
        with lock:
            state["seq"] += 1
            record["seq"] = state["seq"]
            body = json.dumps(record, sort_keys=True, default=str)
            mac = hmac.new(key, state["chain"] + body.encode(), hashlib.sha256).hexdigest()
            state["chain"] = mac.encode()
            try:
                os.write(fd, (body + " " + mac + "\n").encode())
            except OSError:  # the descriptor was closed or replaced: the record ends, and the grader notices
                pass

    def installed(filename: str) -> bool:
        return filename.startswith(roots)

    verdicts: dict[str, bool] = {}  # file name -> whether its code is the student's (the hook runs ~10^5 times)

    def student_frame(frame) -> bool:
        """Whether ``frame`` (the one that asked for the operation) runs the student's code."""
        if frame is None:
            return False
        filename = frame.f_code.co_filename
        verdict = verdicts.get(filename)
        if verdict is not None:
            return verdict
        if filename.startswith("<") and not filename.startswith("<frozen"):  # made by exec: whose module?
            module = modules.get(frame.f_globals.get("__name__", ""))
            path = getattr(module, "__file__", None)
            return not (path and installed(path))
        verdict = verdicts[filename] = not filename.startswith("<frozen") and not installed(filename)
        return verdict

    def in_stdlib(filename: str) -> bool:
        """The standard library's own code (in a venv, site-packages sits inside ``platstdlib``)."""
        return filename.startswith("<frozen") or (filename.startswith(stdlib) and not filename.startswith(libraries))

    def asker(frame):
        """The frame that asked for an import or an unpickling: past the import machinery and the
        standard library (``importlib.import_module``, ``pickle``'s pure-Python loader)."""
        while frame is not None and in_stdlib(frame.f_code.co_filename):
            frame = frame.f_back
        return frame

    def cell_number():
        shell = state["shell"]
        if shell is None:
            module = modules.get("IPython.core.interactiveshell")
            cls = getattr(module, "InteractiveShell", None)
            shell = state["shell"] = getattr(cls, "_instance", None) if cls else None
        return getattr(shell, "execution_count", None) if shell is not None else None

    def heartbeat():
        number = cell_number()
        if number is not None and number != state["cell"]:
            state["cell"] = number
            write({"kind": "cell", "cell": number})
        return number

    def source_of(value) -> str:
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        return value[:SOURCE_LIMIT] if isinstance(value, str) else ""

    def hook(event, args):
        if event not in WATCHED:
            return
        ident = get_ident()
        if ident in busy:
            return
        busy.add(ident)
        try:
            refusal = look(event, args)
        except Exception:  # noqa: BLE001 (the hook never breaks the code it watches)
            refusal = None
        finally:
            busy.discard(ident)
        if refusal is not None:
            raise refusal

    def look(event, args):
        """Record what ``event`` says; returns the exception that refuses it, if any."""
        if event == "open":
            path = args[0]
            if isinstance(path, bytes):
                path = path.decode("utf-8", "replace")
            if isinstance(path, str) and (path.startswith(
                    ("/proc/self/fd", "/proc/self/mem", "/proc/thread-self/", f"/proc/{pid}/fd",
                     f"/proc/{pid}/mem")) or (os.path.basename(path) in protected_names
                                              and os.path.realpath(path) in protected)):
                write({"kind": "refused", "cell": cell_number(), "what": f"open {path}"})
                return PermissionError(f"{path}: the grading kernel does not let notebooks open this")
            return None
        if event == "sys.addaudithook":
            write({"kind": "refused", "cell": cell_number(), "what": "sys.addaudithook"})
            return RuntimeError("the grading kernel refuses audit hooks")  # a RuntimeError vetoes silently
        try:
            caller = getframe(2)  # 0: look, 1: hook, 2: the code that asked
        except ValueError:  # raised from C with no Python frame
            caller = None
        if event in STUDENT_ONLY and not student_frame(caller):
            return None  # the common case, kept cheap: a library at work
        number = heartbeat() if event == "exec" else cell_number()
        if event == "exec":
            code = args[0] if args else None
            filename = getattr(code, "co_filename", "")
            if filename and not filename.startswith("<") and "/ipykernel_" not in filename \
                    and not installed(filename) and getattr(code, "co_name", "") == "<module>" \
                    and not student_frame(caller):  # a module being imported (IPython runs the cells)
                if filename not in seen_modules and student_frame(asker(caller)):
                    seen_modules.add(filename)
                    try:
                        with open(filename, encoding="utf-8", errors="replace") as handle:
                            text = handle.read(SOURCE_LIMIT)
                    except OSError:
                        text = ""
                    write({"kind": "module", "cell": number, "path": filename, "source": text})
                return None
        if event == "pickle.find_class":
            module, name = str(args[0]), str(args[1])
            top, builtin = module.split(".")[0], module in ("builtins", "__builtin__")
            if student_frame(asker(caller)):  # the notebook's own pickle.load
                flagged = top in PICKLE_MODULES and not (builtin and name in PICKLE_BUILTINS_OK)
            else:  # a library's loader (Apache Beam unpickles its transforms)
                flagged = top in PICKLE_RUNS_CODE or (builtin and name in PICKLE_BUILTINS_RUN_CODE)
            if flagged:
                write({"kind": "pickle", "cell": number, "what": f"{module}.{name}"})
            return None
        if event.startswith("ctypes."):
            if student_frame(caller):
                write({"kind": "ctypes", "cell": number, "what": event})
            return None
        if event in ("object.__setattr__", "object.__delattr__"):
            target, name = args[0], str(args[1])
            if name not in SETATTR_NAMES and not (isinstance(target, type) and installed(
                    getattr(modules.get(getattr(target, "__module__", "") or ""), "__file__", "") or "")):
                return None
        if student_frame(caller):
            kind = STUDENT_EVENTS[event]
            record = {"kind": kind, "cell": number, "what": event}
            if event == "compile" and args:
                record["source"] = source_of(args[0])
            if event == "object.__getattr__" and len(args) > 1:
                record["what"] = f"{event} {args[1]}"
            if event in ("object.__setattr__", "object.__delattr__"):
                record["what"] = f"{event} {getattr(args[0], '__qualname__', type(args[0]).__name__)}.{args[1]}"
            write(record)
        return None

    WATCHED = {"open", "sys.addaudithook", "pickle.find_class", *STUDENT_EVENTS}
    STUDENT_ONLY = set(STUDENT_EVENTS) - {"exec", "object.__setattr__", "object.__delattr__"}  # exec: heartbeats
    CTYPES = ("ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle", "ctypes.cdata", "ctypes.cdata/buffer",
              "ctypes.addressof", "ctypes.call_function", "ctypes.create_string_buffer",
              "ctypes.create_unicode_buffer", "ctypes.get_errno", "ctypes.set_errno", "ctypes.get_last_error",
              "ctypes.set_last_error", "ctypes.string_at", "ctypes.wstring_at", "ctypes.PyObj_FromPtr",
              "ctypes.set_exception", "ctypes.seh_exception")
    WATCHED.update(CTYPES)
    STUDENT_ONLY.update(CTYPES)
    write({"kind": "start", "pid": os.getpid()})
    sys.addaudithook(hook)


def new_record(log_path, key: bytes) -> str:
    """The grader's side: write the key file the hook reads; returns the value of :data:`GRADER_ENV`."""
    key_path = str(log_path) + KEY_SUFFIX
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    return json.dumps({"log": str(log_path), "key": key.hex()})


def record_of(environ) -> tuple[str, bytes] | None:
    """The grader's side: ``(record path, key)`` from :data:`GRADER_ENV`, or None."""
    try:
        value = json.loads(environ[GRADER_ENV])
        return value["log"], bytes.fromhex(value["key"])
    except (KeyError, ValueError, TypeError):
        return None


def main() -> None:
    log_path = os.environ.pop(LOG_ENV, None)
    if log_path:
        key_path = log_path + KEY_SUFFIX
        with open(key_path, "rb") as handle:
            key = handle.read()
        os.unlink(key_path)
        install(log_path, key)
        del key
    if sys.path and sys.path[0] in ("", "-c"):
        del sys.path[0]  # as ipykernel_launcher does: the kernel's folder is added by IPython itself
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
