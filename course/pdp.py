"""PDPbox without its chatter: partial dependence objects built quietly.

PDPbox 0.3.0 prints a line from inside ``pdpbox.utils._check_model`` every time a
``PDPIsolate`` or ``PDPInteract`` is built ("obtain pred_func from the provided model.", or
"using provided pred_func." when you pass one: there is no option that prints nothing), and
draws a ``tqdm.auto`` progress bar that has no switch either (in a notebook the widget
ignores ``TQDM_DISABLE``). A student takes both for messages meant for them.

:func:`isolate` and :func:`interact` build the two objects with standard output redirected
*only around that constructor call* and with PDPbox's progress bar turned off for the call
(restored afterwards), so a student's own prints and every warning still show. They also hand
PDPbox a copy of the ``DataFrame``: PDPbox adds a helper column to the frame it is given.
"""
from __future__ import annotations

import contextlib
import functools
import io


@contextlib.contextmanager
def silenced():
    """Inside the block, PDPbox prints nothing to stdout and draws no progress bar."""
    import pdpbox.pdp
    import tqdm

    original = pdpbox.pdp.tqdm
    pdpbox.pdp.tqdm = functools.partial(tqdm.tqdm, disable=True)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        pdpbox.pdp.tqdm = original


def _copied(kwargs):
    if "df" in kwargs and hasattr(kwargs["df"], "copy"):
        kwargs = {**kwargs, "df": kwargs["df"].copy()}
    return kwargs


def isolate(**kwargs):
    """``pdpbox.pdp.PDPIsolate(**kwargs)``, built quietly on a copy of ``df``."""
    from pdpbox.pdp import PDPIsolate

    with silenced():
        return PDPIsolate(**_copied(kwargs))


def interact(**kwargs):
    """``pdpbox.pdp.PDPInteract(**kwargs)``, built quietly on a copy of ``df``."""
    from pdpbox.pdp import PDPInteract

    with silenced():
        return PDPInteract(**_copied(kwargs))
