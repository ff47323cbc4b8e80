"""MLflow on one machine: nothing sent over the network, no log lines in the notebook.

MLflow reads some switches from the environment when it is imported: whether to send usage
telemetry (a background thread that talks to MLflow's servers), whether to print a hint for
coding agents, and its log level. Importing this module sets them (``OFFLINE_ENV``, also
the artifact progress bars, read later), so import it *before* ``mlflow``
(``from course.tracking import offline_mlflow`` in the setup cell, above ``import mlflow``).
:func:`offline_mlflow` then silences MLflow's event lines ("Successfully registered model
...", "Created version ...") that it writes to stderr whatever its logger level, and would
otherwise turn a student's graded cell red.

The tracking store itself stays visible in the lab: a ``sqlite:///`` URI under the lab's
scratch folder, and experiments created with an ``artifact_location`` there too.
"""
from __future__ import annotations

import logging
import os

OFFLINE_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",  # no usage reports to MLflow's servers
    "MLFLOW_DISABLE_AGENT_HINT": "1",  # no hint line when an agent's variables are set
    "MLFLOW_LOGGING_LEVEL": "ERROR",  # MLflow's own loggers, configured at import
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",  # no tqdm bar on stderr when loading a model
}
for _name, _value in OFFLINE_ENV.items():
    os.environ.setdefault(_name, _value)

QUIET_LOGGERS = ("mlflow", "alembic", "sqlalchemy", "skops")


def offline_mlflow() -> None:
    """Make sure MLflow sends nothing and prints nothing; call it once after ``import mlflow``.

    Safe to call when ``mlflow`` was imported first: the telemetry client is then switched off
    again (MLflow's own ``set_telemetry_client`` honours the variables set above).
    """
    os.environ.update({name: value for name, value in OFFLINE_ENV.items() if name not in os.environ})
    import mlflow.types.responses  # noqa: F401  its import turns MLflow's event stream back on
    from mlflow.telemetry import get_telemetry_client, set_telemetry_client
    from mlflow.utils.logging_utils import disable_logging

    if get_telemetry_client() is not None:
        set_telemetry_client()
    disable_logging()  # the stream behind eprint() and MLflow's log handler
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


def telemetry_enabled() -> bool:
    """True when MLflow would send usage telemetry (a test and a lab check read it)."""
    from mlflow.telemetry import get_telemetry_client

    return get_telemetry_client() is not None
