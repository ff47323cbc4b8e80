"""course.tracking: MLflow with a local SQLite store, offline and quiet."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SCRIPT = """
import socket, sys
attempts = []
_connect = socket.socket.connect
def connect(self, address):
    attempts.append(address)
    return _connect(self, address)
socket.socket.connect = connect

{before}
import mlflow
from course.tracking import offline_mlflow, telemetry_enabled
offline_mlflow()
from pathlib import Path
from sklearn.linear_model import LogisticRegression
work = Path(sys.argv[1])
mlflow.set_tracking_uri(f"sqlite:///{{work / 'mlflow.db'}}")
experiment = mlflow.create_experiment("t", artifact_location=(work / "artifacts").as_uri())
mlflow.set_experiment(experiment_id=experiment)
model = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
with mlflow.start_run() as run:
    mlflow.log_param("C", 1.0)
    mlflow.log_metric("accuracy", 1.0)
    mlflow.sklearn.log_model(model, name="model", pip_requirements=["scikit-learn"])
version = mlflow.register_model(f"runs:/{{run.info.run_id}}/model", "m")
mlflow.MlflowClient().set_registered_model_alias("m", "champion", version.version)
loaded = mlflow.sklearn.load_model("models:/m@champion")
assert list(loaded.predict([[0.0], [3.0]])) == [0, 1]
assert not telemetry_enabled(), "telemetry is on"
print("remote connections:", [a for a in attempts if not (isinstance(a, tuple) and a[0] in ("127.0.0.1", "::1"))])
print("files outside work:", sorted(p.name for p in Path.cwd().iterdir() if p.name in ("mlruns", "mlartifacts")))
"""


def run_script(tmp_path, before: str) -> subprocess.CompletedProcess:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    script = textwrap.dedent(SCRIPT.format(before=before))
    return subprocess.run([sys.executable, "-c", script, str(work)], cwd=cwd, capture_output=True, text=True,
                          timeout=300, check=False)


@pytest.mark.slow
@pytest.mark.parametrize("before", ["import course.tracking", ""], ids=["helper-first", "mlflow-first"])
def test_a_full_tracking_round_trip_is_silent_offline_and_stays_in_the_work_folder(tmp_path, before):
    result = run_script(tmp_path, before)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", f"MLflow wrote to stderr: {result.stderr}"
    assert "remote connections: []" in result.stdout
    assert "files outside work: []" in result.stdout


def test_importing_the_helper_sets_the_offline_switches(monkeypatch):
    import importlib
    import os

    for name in ("MLFLOW_DISABLE_TELEMETRY", "MLFLOW_DISABLE_AGENT_HINT"):
        monkeypatch.delenv(name, raising=False)
    import course.tracking

    importlib.reload(course.tracking)
    assert os.environ["MLFLOW_DISABLE_TELEMETRY"] == "true"
    assert os.environ["MLFLOW_DISABLE_AGENT_HINT"] == "1"
