# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 12: Deployment and monitoring
#
# **Description:** track candidate models with MLflow and promote one through its model
# registry, export a model with a serving signature, serve it over HTTP on your own machine,
# measure latency and throughput, roll out a new model safely, and watch a stream for drift.
#
# Training a model is the middle of an ML project, not its end. Once a model answers real
# requests, new questions appear: which of our many runs is the model we ship, is it fast
# enough, how do we replace it without hurting anyone, and how do we notice when the world
# stops looking like the training data? This lab answers each on one running example: a
# service that flags breast-tissue samples as likely malignant.
#
# **How the exercises work.** Cells that say `# YOUR CODE HERE` are yours: replace the
# `raise NotImplementedError()` line with your code. The cell after each exercise checks your
# answer and tells you what it expected when something is off. The checks you see are not
# the whole story: the grader runs more tests on other inputs, so solve the problem, not the
# example. Run the notebook from top to bottom (*Run > Run All Cells*) before you submit.

# %% [markdown]
# ## Setup
#
# `course.serving` holds a small HTTP server that listens on this machine only;
# `course.tracking` keeps MLflow offline (no usage telemetry) and quiet, so it is imported
# before `mlflow`. Everything the lab writes (exports, the MLflow store) goes under
# `WORK_DIR`, a fresh scratch folder.

# %%
from course import check, check_that, needs, start_lab
from course.data import train_test
from course.plotting import labelled
from course.serving import LoopbackServer, call_json
from course.tracking import offline_mlflow  # before mlflow: no telemetry, no event lines

import json
import time

import keras
import matplotlib.pyplot as plt
import mlflow
import numpy as np
import tensorflow as tf
from mlflow import MlflowClient
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

offline_mlflow()
WORK_DIR = start_lab("lab12", seed=42)

# %% [markdown]
# ## 1. Where this lab sits in the project
#
# An ML project loops through scoping, data, modeling and deployment, and deployment loops
# back: production shows what the data really looks like, so most of the work after the
# first release is **monitoring and maintenance**. Lab 14 works through scoping, baselines
# and error analysis; this lab takes a model that passed them and puts it in production.
#
# A project is judged by ML metrics (accuracy, recall), software metrics (latency,
# throughput) and business metrics (cases handled automatically), agreed during scoping.
# Our clinic's scoping sheet, written as data so later cells check against it:

# %%
PROJECT_SPEC = {
    "ml": {"accuracy": 0.93, "recall_malignant": 0.95},
    "software": {"p95_latency_ms": 50.0, "throughput_rows_per_s": 1000.0},
    "business": {"share_of_cases_decided_automatically": 0.80},
}
for kind, targets in PROJECT_SPEC.items():
    print(f"{kind:9s}", targets)

# %% [markdown]
# ## 2. Candidate models, tracked with MLflow
#
# The Wisconsin breast cancer data ships with scikit-learn. We keep 40% of it to play the
# future patients, fit on 45% and choose between candidates on a 15% validation part.
# The target is recoded so that **label 1 means malignant**, the class we care most about.
# Features are standardised with training statistics. The first candidate, **v1**, is a
# small Keras network.

# %%
FEATURE_NAMES = list(load_breast_cancer().feature_names)
N_FEATURES = len(FEATURE_NAMES)
x_train, x_test, y_train, y_test = train_test("breast_cancer", test_size=0.4)
y_train, y_test = 1 - y_train, 1 - y_test  # 1 = malignant
x_fit, x_val, y_fit, y_val = train_test_split(x_train, y_train, test_size=0.25, random_state=0, stratify=y_train)


def scores(y_true, y_pred):
    """The two ML metrics of the scoping sheet."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return {"accuracy": float(np.mean(y_true == y_pred)), "recall_malignant": float(np.mean(y_pred[y_true == 1] == 1))}


def show(metrics):
    """Metrics rounded for printing."""
    return {name: round(value, 3) for name, value in metrics.items()}


V1_PARAMS = {"units": 16, "learning_rate": 0.01, "epochs": 15, "batch_size": 64}
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input(shape=(N_FEATURES,), name="features"),
                          keras.layers.Dense(V1_PARAMS["units"], activation="relu"),
                          keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer=keras.optimizers.Adam(V1_PARAMS["learning_rate"]), loss="binary_crossentropy")
history = model.fit(x_fit, y_fit, epochs=V1_PARAMS["epochs"], batch_size=V1_PARAMS["batch_size"],
                    validation_data=(x_val, y_val), verbose=0)
test_prob = model.predict(x_test, verbose=0)[:, 0]
print("v1 on validation:", show(scores(y_val, model.predict(x_val, verbose=0)[:, 0] >= 0.5)))

# %% [markdown]
# A month and fifty runs later, nobody remembers which settings gave which model.
# **Experiment tracking** records, for every run, its **parameters**, its **metrics** and its
# **artifacts** (models, plots, reports) in a store you can query. MLflow is the open-source
# standard. Its *tracking URI* says where the store is: here a SQLite file in `WORK_DIR`, no
# server and no network. An *experiment* groups runs; we give ours an artifact location in
# `WORK_DIR` too (by default MLflow writes `./mlruns` next to the notebook).

# %%
TRACKING_URI = f"sqlite:///{WORK_DIR / 'mlflow.db'}"
mlflow.set_tracking_uri(TRACKING_URI)
client = MlflowClient()


def new_experiment(name):
    """Create an MLflow experiment whose artifacts live under WORK_DIR; returns its id."""
    return mlflow.create_experiment(name, artifact_location=(WORK_DIR / "artifacts" / name).as_uri())


triage_experiment = new_experiment("triage")
with mlflow.start_run(experiment_id=triage_experiment, run_name="v1-keras") as v1_run:
    mlflow.log_params({"model": "keras-mlp", **V1_PARAMS})
    mlflow.log_metrics(scores(y_val, model.predict(x_val, verbose=0)[:, 0] >= 0.5))
    for epoch, loss in enumerate(history.history["val_loss"]):
        mlflow.log_metric("val_loss", loss, step=epoch)  # a metric with a history
    mlflow.log_dict({"features": FEATURE_NAMES, "label_1": "malignant"}, "data_card.json")  # an artifact
print("v1 run id:", v1_run.info.run_id)
print("artifacts:", [item.path for item in client.list_artifacts(v1_run.info.run_id)])
print("val_loss history:", [round(m.value, 3) for m in client.get_metric_history(v1_run.info.run_id, "val_loss")][:5], "...")

# %% [markdown]
# The second family of candidates, **v2**, is a logistic regression: cheaper to serve and
# easy to audit. A small sweep over its regularisation strength `C` logs one run each, with
# the fitted model as an artifact (`mlflow.sklearn.log_model`, saved in the safe `skops`
# format). Listing the pip requirements ourselves spares MLflow a slow scan of every
# imported package; the input example records the model's signature.

# %%
PIP_REQUIREMENTS = ["scikit-learn"]
for c in (0.01, 0.1, 1.0, 10.0):
    with mlflow.start_run(experiment_id=triage_experiment, run_name=f"v2-logreg-C{c}"):
        candidate = LogisticRegression(C=c, max_iter=1000).fit(x_fit, y_fit)
        mlflow.log_params({"model": "logistic_regression", "C": c})
        mlflow.log_metrics(scores(y_val, candidate.predict(x_val)))
        mlflow.sklearn.log_model(candidate, name="model", pip_requirements=PIP_REQUIREMENTS, input_example=x_val[:2])

runs = mlflow.search_runs(experiment_ids=[triage_experiment], order_by=["metrics.recall_malignant DESC"])
print(runs[["tags.mlflow.runName", "params.C", "metrics.accuracy", "metrics.recall_malignant"]].to_string(index=False))

# %% [markdown]
# `search_runs` returns a pandas table, one row per run, with `params.*` and `metrics.*`
# columns; it also filters (`filter_string="metrics.accuracy > 0.9"`) and sorts. A run that
# never logged a parameter shows `None` there (v1 has no `C`). Runs tie on accuracy (two pairs here): with
# 86 validation rows, one more error moves accuracy by 0.012, so ties are common.
#
# A run's model becomes deployable once it is **registered**: the model registry gives it a
# name and a version number, and an **alias** such as `challenger` or `champion` points at
# one version. A serving process loads `models:/<name>@<alias>`, so promoting a model (or
# rolling it back) means moving the alias; nothing is redeployed. We register the `C = 1`
# run as our challenger and load it back as a plain scikit-learn model.

# %%
baseline = runs[runs["params.C"] == "1.0"].iloc[0]
registered = mlflow.register_model(f"runs:/{baseline.run_id}/model", "triage")
client.set_registered_model_alias("triage", "challenger", registered.version)
v2 = mlflow.sklearn.load_model("models:/triage@challenger")
print(f"registered 'triage' version {registered.version} from run {baseline.run_id[:8]}; alias challenger")
print("loaded back:", type(v2).__name__, "validation scores", show(scores(y_val, v2.predict(x_val))))

# %% [markdown]
# ### Exercise 1 (a problem): promote the best run
#
# Write `promote_best(experiment_id, model_name, alias, metric="accuracy", min_recall=0.95)`.
# Every run of the experiment logged the metrics `metric` and `recall_malignant` and a model
# under the name `model`. Among the runs whose `recall_malignant` is **at least**
# `min_recall` (the scoping sheet's floor), pick the one with the **highest** `metric`; on a
# tie, the run that **started first**. Register that run's model as a new version of
# `model_name` (creating the registered model if needed), point `alias` at the new version,
# and return the version number as an `int`.
#
# If no run reaches `min_recall`, raise `ValueError` and leave the registry untouched: no
# model is better than one that misses the floor. The tools are all above (`search_runs`
# with its `filter_string` and `order_by`, `register_model`, `set_registered_model_alias`);
# how you combine them is up to you.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "f2c22e997dcbb927b2962b807c5035cf", "grade": false, "grade_id": "promote", "locked": false, "schema_version": 3, "solution": true, "task": false}
def promote_best(experiment_id, model_name, alias, metric="accuracy", min_recall=0.95):
    """Register the best run (highest ``metric`` with recall_malignant >= min_recall) and alias it."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "e789b79ff8b05b074e68cd7aa4a43da4", "grade": true, "grade_id": "promote_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def runs_of(experiment_id):
    return mlflow.search_runs(experiment_ids=[experiment_id], order_by=["start_time ASC"])


def aliased_run(model_name, alias):
    return client.get_model_version_by_alias(model_name, alias).run_id


version = promote_best(triage_experiment, "triage-best", "champion")
check_that("promote_best to return the version number as an int", isinstance(version, int), got=version)
check("the version the alias points at", int(client.get_model_version_by_alias("triage-best", "champion").version),
      version, hint="client.set_registered_model_alias(model_name, alias, version)")
table = runs_of(triage_experiment).set_index("run_id")
chosen = table.loc[aliased_run("triage-best", "champion")]
check_that("the chosen run to reach the recall floor", chosen["metrics.recall_malignant"] >= 0.95,
           got=chosen["metrics.recall_malignant"], hint="keep only runs with recall_malignant >= min_recall")
eligible = table[table["metrics.recall_malignant"] >= 0.95]
check_that("no eligible run to have a higher accuracy", chosen["metrics.accuracy"] >= eligible["metrics.accuracy"].max(),
           got=(chosen["metrics.accuracy"], eligible["metrics.accuracy"].max()))
check("the model behind models:/triage-best@champion predicts like its run's model",
      mlflow.sklearn.load_model("models:/triage-best@champion").predict(x_val),
      mlflow.sklearn.load_model(f"runs:/{chosen.name}/model").predict(x_val))
tie_experiment = new_experiment("tie-check")
tiny = LogisticRegression().fit(x_fit[:, :2], y_fit)
for accuracy in (0.90, 0.97, 0.97, 0.99):
    with mlflow.start_run(experiment_id=tie_experiment):
        mlflow.log_metrics({"accuracy": accuracy, "recall_malignant": 0.5 if accuracy == 0.99 else 0.96})
        mlflow.sklearn.log_model(tiny, name="model", pip_requirements=PIP_REQUIREMENTS)
tie_runs = runs_of(tie_experiment)
promote_best(tie_experiment, "tie-check", "best")
check("the run chosen on a tie (0.99 misses the floor; two runs share 0.97)", aliased_run("tie-check", "best"),
      tie_runs.run_id.iloc[1], hint="sort by the metric, then by start_time, earliest first")
try:
    promote_best(tie_experiment, "tie-check", "best", min_recall=0.999)
    raised = "nothing"
except ValueError:
    raised = "ValueError"
check("what promote_best raises when no run reaches the floor", raised, "ValueError")
check("the alias after a refused promotion (unchanged)", aliased_run("tie-check", "best"), tie_runs.run_id.iloc[1])
check("the version number of a second promotion to the same model", promote_best(tie_experiment, "tie-check", "best"),
      2, hint="every call registers a new version; register_model numbers them 1, 2, ...")
promote_best(tie_experiment, "tie-check", "best", metric="recall_malignant", min_recall=0.0)
check("the run chosen by metric='recall_malignant' with min_recall=0.0 (three runs share 0.96)",
      aliased_run("tie-check", "best"), tie_runs.run_id.iloc[0],
      hint="rank by the column metrics.<metric> for the metric you are given, not always by accuracy")
try:
    promote_best(tie_experiment, "tie-check-never", "best", min_recall=0.999)
except ValueError:
    pass
check("registered models named 'tie-check-never' after a refused promotion",
      [m.name for m in client.search_registered_models(filter_string="name = 'tie-check-never'")], [],
      hint="raise the ValueError before you register anything: the registry must stay untouched")

# %% [markdown]
# ## 3. Exporting a model for serving
#
# A serving system should not need your training code, or even Python. TensorFlow's
# **SavedModel** format stores the graph and the weights together and exposes
# **signatures**: named functions with typed, named inputs and outputs, the contract between
# the model and its clients (TensorFlow Serving calls the one named `serving_default`).
# Keras writes one directly; we pass the input signature explicitly, reload the export into
# a fresh object and look at what a client sees.

# %%
keras_export_dir = str(WORK_DIR / "triage_keras" / "1")  # servers expect <name>/<version>
model.export(keras_export_dir, format="tf_saved_model", verbose=False,
             input_signature=[tf.TensorSpec(shape=(None, N_FEATURES), dtype=tf.float32, name="features")])
served_v1 = tf.saved_model.load(keras_export_dir)  # a fresh object: no Keras model involved
serving_fn = served_v1.signatures["serving_default"]
print("signatures:", list(served_v1.signatures))
print("inputs: ", serving_fn.structured_input_signature[1])
print("outputs:", serving_fn.structured_outputs)


def predict_proba(x):
    """Probability of malignancy for each row of ``x``, from the reloaded v1 export."""
    outputs = serving_fn(features=tf.constant(np.asarray(x, dtype=np.float32)))
    return outputs["output_0"].numpy()[:, 0]


print("reloaded:", np.round(predict_proba(x_test[:4]), 4), "| in memory:", np.round(test_prob[:4], 4))

# %% [markdown]
# The answers match the in-memory model. But the output is called `output_0`: Keras picked
# the name, and a client has to guess what it means.
#
# ### Exercise 2: a signature with meaningful outputs
#
# Write `export_for_serving(model, export_dir, threshold=0.5)` that saves `model` with
# `tf.saved_model.save` and an explicit `serving_default` signature:
#
# - one input named `features`: float32, shape `[None, n_features]` (take `n_features` from
#   `model.input_shape`);
# - two outputs: `probability` (float32, shape `[None]`, the model's output for each row)
#   and `label` (int64, shape `[None]`, 1 where `probability >= threshold`, else 0).
#
# A common way is a small `tf.Module` that holds the model and a method decorated with
# `@tf.function(input_signature=[tf.TensorSpec(...)])` that returns a dict. Return
# `export_dir`.
#
# Then write `load_predictor(export_dir)`: reload the export with `tf.saved_model.load` and
# return a function that takes a NumPy array and returns `{"probability": ..., "label": ...}`
# as NumPy arrays. Keep a reference to the loaded object inside that function (a closure),
# so it is not garbage-collected while the signature is in use.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "d76aaa6a78f51bd3cdb660dcc6587697", "grade": false, "grade_id": "export", "locked": false, "schema_version": 3, "solution": true, "task": false}
def export_for_serving(model, export_dir, threshold=0.5):
    """Save ``model`` as a SavedModel with a 'serving_default' signature (features -> probability, label)."""
    # YOUR CODE HERE
    raise NotImplementedError()


def load_predictor(export_dir):
    """A function x -> {'probability', 'label'} (NumPy arrays) backed by the reloaded export."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "39fefd4d6f3837f4cacfe794bc7f342a", "grade": true, "grade_id": "export_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
export_dir = export_for_serving(model, str(WORK_DIR / "triage" / "2"))
signature = tf.saved_model.load(export_dir).signatures["serving_default"]
inputs = signature.structured_input_signature[1]
check("the signature's input names", sorted(inputs), ["features"],
      hint="name the TensorSpec: tf.TensorSpec(shape=[None, n], dtype=tf.float32, name='features')")
check("the input shape", tuple(inputs["features"].shape.as_list()), (None, N_FEATURES),
      hint="use None for the batch dimension so clients may send any number of rows")
check("the signature's output names", sorted(signature.structured_outputs), ["label", "probability"],
      hint="return a dict {'probability': ..., 'label': ...} from the tf.function")
check("the dtype of the 'label' output", signature.structured_outputs["label"].dtype, tf.int64,
      hint="tf.cast(probability >= threshold, tf.int64)")
predictor = load_predictor(export_dir)
answer = predictor(x_test[:5])
check("predictor(x_test[:5])['probability']", answer["probability"], test_prob[:5], rtol=1e-4, atol=1e-6,
      hint="flatten the (batch, 1) model output to shape (batch,) with tf.reshape(..., [-1])")
check("predictor(x_test[:5])['label']", answer["label"], (test_prob[:5] >= 0.5).astype(np.int64),
      hint="label is 1 where probability >= threshold")
low = load_predictor(export_for_serving(model, str(WORK_DIR / "triage_low" / "1"), threshold=0.3))
check("labels of an export with threshold=0.3", low(x_test[:20])["label"], (test_prob[:20] >= 0.3).astype(np.int64),
      hint="compare with the threshold argument, not with 0.5")

# %% [markdown]
# ## 4. Serving predictions over HTTP
#
# Clients rarely load a model themselves: they send a request to a prediction service. A
# common convention (TensorFlow Serving's REST API) is a `POST` to
# `/v1/models/<name>:predict` with a JSON body `{"instances": [[...], [...]]}`, one inner
# list per row, answered with `{"predictions": [...]}`.
#
# `LoopbackServer` (from `course.serving`) wraps Python's `http.server`: it listens on
# **127.0.0.1** only, on a free port the system picks, answers at most `max_requests`
# requests, stops after `max_seconds`, and shuts down when its `with` block ends. A *route*
# is a function `body bytes -> (status, payload)`; a route that raises becomes a `500`.
# Here is a first, trusting route, and a health endpoint that load balancers poll.

# %%
PREDICT_PATH = "/v1/models/triage:predict"


def naive_predict_route(body):
    rows = json.loads(body)["instances"]
    return 200, {"predictions": predict_proba(rows).tolist()}


demo_routes = {("GET", "/v1/models/triage"): lambda body: (200, {"model": "triage", "version": 1, "state": "AVAILABLE"}),
               ("POST", PREDICT_PATH): naive_predict_route}
with LoopbackServer(demo_routes, max_requests=10, max_seconds=30) as server:
    print("listening on 127.0.0.1 port", server.port)
    print(call_json(server.port, "GET", "/v1/models/triage"))
    print(call_json(server.port, "POST", PREDICT_PATH, {"instances": x_test[:2].tolist()}))
    print(call_json(server.port, "POST", PREDICT_PATH, {"rows": []}))  # a client mistake...
print("server stopped after", server.served, "requests; still running:", server.running)

# %% [markdown]
# The last request crashed the route, and the client got a `500` ("the server is broken")
# with a Python error message, when the fault was on its side. Production services validate
# their input and answer `400 Bad Request` with a message the client can act on.
#
# ### Exercise 3 (a problem): a prediction route that validates its input
#
# Write `handle_predict(body, predict, n_features=30, threshold=0.5)`. `body` is the raw
# request body (bytes) and `predict` a function from a float32 array of shape
# `(rows, n_features)` to one probability per row (like `predict_proba`).
#
# - If `body` is valid JSON holding an object with a key `"instances"` whose value is a
#   **non-empty** list of rows, each a list of exactly `n_features` **finite** numbers,
#   return `(200, {"predictions": [...], "labels": [...]})`: the probabilities as Python
#   floats and the labels (1 when the probability is at least `threshold`) as Python ints.
# - Otherwise return `(400, {"error": "<a short message saying what is wrong>"})`. Never
#   raise, whatever the body holds.
#
# Which checks you need, and in what order, is for you to work out; the visible checks try
# one malformed body of each kind the rules name, the grader tries others.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "455c474561c0d73e20353cdd48dbfdcc", "grade": false, "grade_id": "handle_predict", "locked": false, "schema_version": 3, "solution": true, "task": false}
def handle_predict(body, predict, n_features=N_FEATURES, threshold=0.5):
    """Validate a JSON prediction request and answer (status, payload)."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "77f6aa281cb508707618425e0e59adf4", "grade": true, "grade_id": "handle_predict_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
status, payload = handle_predict(json.dumps({"instances": x_test[:3].tolist()}).encode(), predict_proba)
check("the status of a valid request", status, 200)
check("the predictions of a valid request", np.array(payload["predictions"]), predict_proba(x_test[:3]),
      rtol=1e-5, atol=1e-7, hint="call predict on the float32 array of rows and return its values as floats")
check("the labels of a valid request", payload["labels"], [int(p >= 0.5) for p in predict_proba(x_test[:3])],
      hint="label = 1 when the probability is at least the threshold")
check_that("predictions to be Python floats and labels Python ints",
           all(type(p) is float for p in payload["predictions"]) and all(type(v) is int for v in payload["labels"]),
           got=(type(payload["predictions"][0]).__name__, type(payload["labels"][0]).__name__))
_, payload = handle_predict(json.dumps({"instances": x_test[:3].tolist()}).encode(), predict_proba, threshold=0.99)
check("the labels with threshold=0.99", payload["labels"], [int(p >= 0.99) for p in predict_proba(x_test[:3])])
for what, bad in [("a body that is not JSON", b"{oops"), ("a JSON list instead of an object", b"[1, 2]"),
                  ("a body without 'instances'", b'{"rows": []}'), ("an empty list of rows", b'{"instances": []}'),
                  ("rows of the wrong length", b'{"instances": [[1, 2, 3]]}'),
                  ("a non-numeric feature", json.dumps({"instances": [["a"] * N_FEATURES]}).encode()),
                  ("a NaN feature", json.dumps({"instances": [[float("nan")] * N_FEATURES]}).encode())]:
    status, payload = handle_predict(bad, predict_proba)
    check(f"the status for {what}", status, 400, hint="validate before calling predict; never let it raise")
    check_that(f"an 'error' message for {what}", isinstance(payload, dict) and isinstance(payload.get("error"), str),
               got=payload)
with LoopbackServer({("POST", PREDICT_PATH): lambda body: handle_predict(body, predict_proba)}, max_requests=5,
                    max_seconds=30) as server:
    over_http = [call_json(server.port, "POST", PREDICT_PATH, {"instances": x_test[:2].tolist()})[0],
                 call_json(server.port, "POST", PREDICT_PATH, {"instances": "oops"})[0]]
check("statuses through the HTTP server (valid, invalid)", over_http, [200, 400],
      hint="your route must return (status, payload) and never raise")

# %% [markdown]
# ## 5. Latency and throughput: online versus batch inference
#
# Two software metrics dominate serving: **latency**, how long one call takes (reported as
# percentiles, p50 and the tail p95, because users feel the slow calls), and **throughput**,
# rows handled per second. **Online inference** answers each request as it arrives: low
# latency, but every call pays the fixed costs (parsing, dispatch, Python and TensorFlow
# overhead) for one row. **Batch inference** groups rows into one call, so the fixed cost is
# shared and throughput grows, at the price of waiting for the batch. Nightly scoring jobs
# use batches; a doctor waiting for an answer needs online serving.
#
# We time 128 rows three ways. Absolute times depend on the machine and its load (they
# change from run to run); the ratios are what to look at.

# %%
request_pool = np.tile(x_test, (2, 1))[:128]


def time_calls(function, chunks):
    """Latency in milliseconds of function(chunk) for each chunk."""
    latencies = []
    for chunk in chunks:
        start = time.perf_counter()
        function(chunk)
        latencies.append((time.perf_counter() - start) * 1000)
    return np.array(latencies)


one_row_chunks = [request_pool[i:i + 1] for i in range(128)]
with LoopbackServer({("POST", PREDICT_PATH): naive_predict_route}, max_requests=200, max_seconds=60) as server:
    timings = {
        "online, in process": time_calls(predict_proba, one_row_chunks),
        "online, over HTTP": time_calls(lambda row: call_json(server.port, "POST", PREDICT_PATH,
                                                              {"instances": row.tolist()}), one_row_chunks),
        "batch of 64, in process": time_calls(predict_proba, [request_pool[:64], request_pool[64:]]),
    }
throughput = {mode: 128 / (latencies.sum() / 1000) for mode, latencies in timings.items()}
for mode, latencies in timings.items():
    p50, p95 = np.percentile(latencies, [50, 95])
    print(f"{mode:24s} calls {len(latencies):3d}  p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  "
          f"throughput {throughput[mode]:9.0f} rows/s")

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
left.bar(list(timings), [np.percentile(t, 95) for t in timings.values()], color=["C0", "C1", "C2"])
right.bar(list(timings), list(throughput.values()), color=["C0", "C1", "C2"])
for ax in (left, right):
    ax.set_yscale("log")
    ax.tick_params(axis="x", labelsize=7)
labelled(left, "p95 latency per call", "serving mode", "milliseconds (log scale)")
labelled(right, "Throughput", "serving mode", "rows per second (log scale)",
         caption="One row or 64, a call takes the same order of time (load moves it); batching buys rows per second.")
plt.show()

spec = PROJECT_SPEC["software"]
online_p95 = float(np.percentile(timings["online, in process"], 95))
print(f"online p95 {online_p95:.1f} ms (target <= {spec['p95_latency_ms']}): "
      f"{'met' if online_p95 <= spec['p95_latency_ms'] else 'NOT met'}")
print(f"batch throughput {throughput['batch of 64, in process']:.0f} rows/s (target >= {spec['throughput_rows_per_s']}): "
      f"{'met' if throughput['batch of 64, in process'] >= spec['throughput_rows_per_s'] else 'NOT met'}")

# %% [markdown]
# ## 6. Rolling out a new model
#
# The registry's challenger, v2, scored well offline. But production data may differ, and a
# bug in serving code (a missing transform, columns in the wrong order) does not show in
# offline metrics. Three patterns limit the damage:
#
# - **shadow mode**: the new model gets a copy of every request; its predictions are
#   logged, **never served**. Once labels arrive we compare the two.
# - **canary**: a small fraction of the traffic goes to the new model, growing step by step
#   while a monitored metric stays healthy; if it degrades, traffic is **rolled back**.
# - **blue-green**: two complete environments; a router moves all traffic from the old
#   (blue) to the new (green) at once, and can move it back as fast.
#
# The request stream is synthetic: 1,200 requests drawn from the held-out patients with a
# little measurement noise added. In a real system labels arrive later (once a pathologist
# confirms the diagnosis); the simulation pretends they arrive at once. Beside the healthy
# v2 we wire the same model behind a serving bug: a client that sends the columns in
# alphabetical order.

# %%
stream_rng = np.random.default_rng(7)
STREAM_SIZE, DRIFT_AT = 1200, 600
stream_rows = stream_rng.integers(0, len(x_test), STREAM_SIZE)
x_stream = (x_test[stream_rows] + stream_rng.normal(0, 0.1, (STREAM_SIZE, N_FEATURES))).astype("float32")
y_stream = y_test[stream_rows]
ALPHABETICAL = np.argsort(FEATURE_NAMES)


def v1_labels(x):
    """The production model (v1, the Keras network)."""
    return (predict_proba(np.asarray(x).reshape(-1, N_FEATURES)) >= 0.5).astype(int)


def v2_labels(x):
    """The challenger (v2, loaded from the registry), correctly wired."""
    return v2.predict(np.asarray(x).reshape(-1, N_FEATURES)).astype(int)


def v2_buggy_labels(x):
    """The same challenger behind a serving bug: columns in alphabetical order."""
    return v2.predict(np.asarray(x).reshape(-1, N_FEATURES)[:, ALPHABETICAL]).astype(int)


for name, fn in [("v1", v1_labels), ("v2", v2_labels), ("v2 with the column bug", v2_buggy_labels)]:
    print(f"{name:24s}", show(scores(y_stream, fn(x_stream))))

# %% [markdown]
# The buggy v2 is still right most of the time, which is what makes such bugs dangerous:
# nothing crashes, results are merely worse.
#
# **Shadow mode** in code: every batch goes to both models, users get the live model's
# answer, and the candidate's answer is only logged. A shadow model must never affect the
# service, so its failures are caught and logged as `-1`; here its container is not ready
# for the first two batches.

# %%
def shadow_mode(x, live, candidate, batch_size=100):
    """Serve ``live``'s labels while logging ``candidate``'s labels (-1 where it failed)."""
    served, shadow = [], []
    for start in range(0, len(x), batch_size):
        batch = x[start:start + batch_size]
        served.append(np.asarray(live(batch), dtype=int))
        try:
            shadow.append(np.asarray(candidate(batch), dtype=int))
        except Exception:  # log the failure, never let it reach a user
            shadow.append(np.full(len(batch), -1, dtype=int))
    return np.concatenate(served), np.concatenate(shadow)


calls = []


def warming_up_v2(batch):
    calls.append(len(batch))
    if len(calls) <= 2:
        raise RuntimeError("the candidate's container is not ready")
    return v2_labels(batch)


served_log, shadow_log = shadow_mode(x_stream, v1_labels, warming_up_v2)
logged = shadow_log >= 0
disagree = logged & (served_log != shadow_log)
print(f"shadow log: {np.sum(~logged)} requests lost while the candidate failed, {logged.sum()} logged")
print(f"on the logged requests v1 and v2 disagree {disagree.sum()} times; v2 is right "
      f"{np.sum(shadow_log[disagree] == y_stream[disagree])} of them, v1 {np.sum(served_log[disagree] == y_stream[disagree])}")

# %% [markdown]
# ### Exercise 4: a canary with automatic rollback
#
# A canary's traffic split must be stable (one user should not bounce between models) and
# cheap, so routers hash a request or user id into [0, 1) and compare it with the fraction.
# `routes_to_candidate` below does that with a multiplicative hash of the request id.
#
# Write `canary_rollout(x, y, stable, candidate, fractions=(0.1, 0.3, 0.6, 1.0), min_accuracy=0.93)`.
# The request ids are `0 .. len(x)-1`; split them into consecutive stages with
# `np.array_split(np.arange(len(x)), len(fractions))`. In stage `k`, the requests for which
# `routes_to_candidate(ids, fractions[k])` is true are served by `candidate`, the others by
# `stable`. At the end of each stage, compute the candidate's accuracy on the requests it
# served in that stage (assume there is at least one) and append it to a `history` list. If
# it is below `min_accuracy`, **roll back**: every later request goes to `stable`, and the
# candidate gets no more traffic and no more history entries.
#
# Return a dict with `"served_by"` (an int array, 1 where the candidate served the request,
# 0 for stable), `"predictions"` (the labels served), `"history"` (the candidate's accuracy
# per stage it served, as floats) and `"rolled_back"` (a bool).

# %%
def routes_to_candidate(request_ids, fraction):
    """True for the requests that go to the candidate: hash(id) in [0, 1) below ``fraction``."""
    buckets = (np.asarray(request_ids, dtype=np.float64) * 0.6180339887498949) % 1.0
    return buckets < fraction


print("share routed at fraction 0.1 / 0.5:", [float(routes_to_candidate(np.arange(1000), f).mean()) for f in (0.1, 0.5)])

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "4b98db730aa40dcd2eb518f9ab46f09b", "grade": false, "grade_id": "canary", "locked": false, "schema_version": 3, "solution": true, "task": false}
def canary_rollout(x, y, stable, candidate, fractions=(0.1, 0.3, 0.6, 1.0), min_accuracy=0.93):
    """Grow the candidate's share of traffic stage by stage; roll back when its accuracy drops."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "eb90d8be81aaed367efc96dc9235bc7e", "grade": true, "grade_id": "canary_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
good = canary_rollout(x_stream, y_stream, v1_labels, v2_labels)
bad = canary_rollout(x_stream, y_stream, v1_labels, v2_buggy_labels)
check("rolled_back for the healthy candidate", good["rolled_back"], False)
check("the number of history entries for the healthy candidate", len(good["history"]), 4,
      hint="one accuracy per stage while the candidate serves traffic")
check("the share of the last stage served by the healthy candidate", float(good["served_by"][900:].mean()), 1.0,
      hint="with fraction 1.0 every request of the last stage goes to the candidate")
check("the predictions served", good["predictions"], np.where(good["served_by"] == 1, v2_labels(x_stream),
                                                              v1_labels(x_stream)))
check("rolled_back for the buggy candidate", bad["rolled_back"], True,
      hint="roll back when the candidate's accuracy in a stage is below min_accuracy")
check("the buggy candidate's history (one entry: it fails its first stage)", len(bad["history"]), 1)
check_that("no traffic for the buggy candidate after its first stage", bad["served_by"][300:].sum() == 0,
           got=int(bad["served_by"][300:].sum()))

# %% [markdown]
# The candidate's share of traffic over the stream tells the two stories: the healthy v2
# ramps up to all traffic, the buggy one is cut off after its first stage.

# %%
with needs("exercise 4 (canary_rollout)"):
    fig, ax = plt.subplots()
    starts = np.arange(0, STREAM_SIZE, 50)
    for name, candidate in [("v2 (healthy)", v2_labels), ("v2 with the column bug", v2_buggy_labels)]:
        share = canary_rollout(x_stream, y_stream, v1_labels, candidate)["served_by"].reshape(-1, 50).mean(axis=1)
        ax.step(starts, share, where="post", label=name)
    ax.legend()
    labelled(ax, "Canary rollout: candidate's share of traffic", "request number", "share served by the candidate",
             caption="The healthy candidate ramps up to 100%; the buggy one is rolled back after its first stage.")
    plt.show()

# %% [markdown]
# ### The rollout call
#
# The evidence a release manager sees before deciding. Shadow mode gives both models'
# scores on the same labelled requests; the canary shows how many requests each stage
# gave the candidate and its accuracy there (computed here without your exercise).

# %%
print(f"shadow mode, the same {logged.sum()} logged requests:")
for name, log in [("v1 (live)", served_log), ("v2 (challenger)", shadow_log)]:
    print(f"  {name:16s}", show(scores(y_stream[logged], log[logged])))
print("canary of the healthy v2 (floor 0.93):")
for k, (fraction, stage) in enumerate(zip((0.1, 0.3, 0.6, 1.0), np.array_split(np.arange(STREAM_SIZE), 4))):
    chosen = stage[routes_to_candidate(stage, fraction)]
    print(f"  stage {k + 1}: fraction {fraction:.1f}, {len(chosen):3d} requests to v2, "
          f"accuracy {np.mean(v2_labels(x_stream[chosen]) == y_stream[chosen]):.3f}, "
          f"recall on malignant {scores(y_stream[chosen], v2_labels(x_stream[chosen]))['recall_malignant']:.3f}")
print(f"offline, on validation: v1 {show(scores(y_val, predict_proba(x_val) >= 0.5))}, v2 {show(scores(y_val, v2.predict(x_val)))}")

# %% [markdown]
# **Question (3 points).** Would you promote v2 to `champion` now, keep it in canary longer,
# or roll back to v1? Decide, in a few sentences. A full-mark answer (1) makes one decision;
# (2) supports it with the numbers above, comparing both models against the scoping sheet's
# floors (accuracy 0.93, recall on malignant 0.95) and not only against each other; (3)
# names one limit of this evidence (how many requests a stage holds, what a 1,200-request
# synthetic stream can and cannot show, labels that arrive late in reality); and (4) says
# what would make you reverse the decision.

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "2c67bb4cce4c5f26830ee5fbe95e06b1", "grade": true, "grade_id": "rollout_call", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# YOUR ANSWER HERE

# %% [markdown]
# In the registry, promotion is one call: point `champion` at v2's version. A serving
# process that loads `models:/triage@champion` at start-up picks it up on its next restart;
# rolling back is the same call with the old version.

# %%
client.set_registered_model_alias("triage", "champion", registered.version)
champion = mlflow.sklearn.load_model("models:/triage@champion")
champion_version = client.get_model_version_by_alias("triage", "champion")
print(f"champion -> version {champion_version.version} (run {champion_version.run_id[:8]}), "
      f"same answers as v2 on the stream: {bool(np.array_equal(champion.predict(x_stream), v2.predict(x_stream)))}")

# %% [markdown]
# **Blue-green** needs no fractions: the router holds both environments and moves all
# traffic at once. Here green hosts the buggy v2; we switch at request 400, check each
# block of 50 requests once its labels arrive, and switch straight back when a block falls
# below the floor.

# %%
environments, live, live_log = {"blue": v1_labels, "green": v2_buggy_labels}, "blue", []
for start in range(0, STREAM_SIZE, 50):
    live = "green" if start == 400 else live
    block_accuracy = np.mean(environments[live](x_stream[start:start + 50]) == y_stream[start:start + 50])
    live_log.append(live)
    if live == "green" and block_accuracy < 0.93:
        print(f"block at {start}: green's accuracy {block_accuracy:.2f} is below the floor, back to blue")
        live = "blue"
print("blocks served by green:", live_log.count("green"), "of", len(live_log))

# %% [markdown]
# ### Degrees of automation
#
# Deployment is not all or nothing: human only, shadow mode, AI assistance (the human
# decides with the model's answer in view), **partial automation** (the model decides when
# it is confident and sends the rest to a human), full automation. Partial automation is
# often the sweet spot in medicine. With a confidence threshold τ, the model decides when
# `max(p, 1 - p) >= τ`; sweeping τ trades the share of cases automated (the business
# metric) against the accuracy on them.

# %%
stream_prob = predict_proba(x_stream)
confidence = np.maximum(stream_prob, 1 - stream_prob)
taus = np.linspace(0.5, 0.995, 34)
coverage = np.array([np.mean(confidence >= t) for t in taus])
automated_accuracy = np.array([np.mean((stream_prob[confidence >= t] >= 0.5) == y_stream[confidence >= t]) for t in taus])
target_share = PROJECT_SPEC["business"]["share_of_cases_decided_automatically"]

fig, ax = plt.subplots()
ax.plot(taus, coverage, label="share of cases decided by the model")
ax.plot(taus, automated_accuracy, label="accuracy on those cases")
ax.axhline(target_share, color="C3", linestyle=":", label="business target for the share")
ax.legend(loc="lower left")
labelled(ax, "Partial automation: confidence threshold", "confidence threshold τ", "fraction",
         caption="τ = 0.5 is full automation; raising τ hands more cases to pathologists and makes fewer mistakes.")
plt.show()
best_tau = taus[coverage >= target_share].max()
print(f"highest τ that still automates {target_share:.0%} of cases: {best_tau:.3f}, "
      f"accuracy there {automated_accuracy[taus == best_tau][0]:.3f}")

# %% [markdown]
# ## 7. Monitoring: data drift and concept drift
#
# A deployed model meets a world that keeps changing. **Data drift**: the distribution of
# the inputs changes (a new measuring device, a new population); the model may or may not
# suffer. **Concept drift**: the mapping from inputs to labels changes (a new diagnostic
# guideline); the inputs look the same, but the right answers differ. Monitoring watches
# the inputs (no labels needed, available at once) and the performance (labels, usually
# late). Two synthetic versions of the stream change at request 600:
#
# - **stream A (data drift)**: a new imaging device reports the three *texture* features
#   1.5 standard deviations higher; labels follow the old rule;
# - **stream B (concept drift)**: inputs unchanged, but a revised guideline labels every
#   sample whose *mean concavity* is above the training set's 40th percentile malignant.

# %%
TEXTURE = [i for i, name in enumerate(FEATURE_NAMES) if "texture" in name]
x_stream_a, y_stream_a = x_stream.copy(), y_stream.copy()
x_stream_a[DRIFT_AT:, TEXTURE] += 1.5
concavity = FEATURE_NAMES.index("mean concavity")
x_stream_b, y_stream_b = x_stream.copy(), y_stream.copy()
y_stream_b[DRIFT_AT:][x_stream_b[DRIFT_AT:, concavity] > np.quantile(x_train[:, concavity], 0.4)] = 1
print("drifted features in A:", [str(FEATURE_NAMES[i]) for i in TEXTURE])
print(f"malignant share in B: before {y_stream_b[:DRIFT_AT].mean():.2f}, after {y_stream_b[DRIFT_AT:].mean():.2f}")

# %% [markdown]
# A monitoring job looks at consecutive windows of requests. For the inputs, a simple
# statistic is the largest *mean shift* over the features, in training standard deviations;
# for performance, the accuracy on the window once its labels are in.

# %%
WINDOW = 200
train_mean, train_std = x_train.mean(axis=0), x_train.std(axis=0)
windows = np.arange(0, STREAM_SIZE, WINDOW)
pred_a = (predict_proba(x_stream_a) >= 0.5).astype(int)  # what the served v1 answered
pred_b = (predict_proba(x_stream_b) >= 0.5).astype(int)
monitor = {}
for name, xs, ys, predictions in [("A: data drift", x_stream_a, y_stream_a, pred_a),
                                  ("B: concept drift", x_stream_b, y_stream_b, pred_b)]:
    monitor[name] = {
        "mean shift": [float(np.max(np.abs(xs[s:s + WINDOW].mean(axis=0) - train_mean) / train_std)) for s in windows],
        "accuracy": [float(np.mean(predictions[s:s + WINDOW] == ys[s:s + WINDOW])) for s in windows],
    }

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
for name, values in monitor.items():
    left.plot(windows, values["mean shift"], marker="o", label=name)
    right.plot(windows, values["accuracy"], marker="o", label=name)
left.axhline(0.75, color="C3", linestyle="--", label="alert threshold")
right.axhline(0.9, color="C3", linestyle="--", label="alert threshold")
for ax in (left, right):
    ax.axvline(DRIFT_AT, color="grey", linestyle=":")
    ax.legend(fontsize=8)
labelled(left, "Inputs: largest mean shift", "first request of the window", "shift (training std units)")
labelled(right, "Performance: accuracy", "first request of the window", "accuracy",
         caption="Data drift moves the inputs but hurts the model only a little; concept drift hurts it with no input change.")
plt.show()

# %% [markdown]
# Stream A raises an input alert and the model copes; stream B leaves the inputs alone while
# accuracy falls. Monitoring only the inputs would miss B; monitoring only accuracy would
# miss A's early warning that the data has changed.
#
# The mean is a weak summary: a change in spread or shape keeps it. The **population
# stability index** (PSI), widely used in credit scoring and model monitoring, compares
# whole distributions. Cut the reference values into bins, measure the share `r_i` of the
# reference and `c_i` of the current window in each bin, and sum
#
# $$\mathrm{PSI} = \sum_i (c_i - r_i) \ln\frac{c_i}{r_i}.$$
#
# A rule of thumb reads PSI < 0.1 as stable and PSI > 0.25 as a large shift.
#
# ### Exercise 5: the population stability index
#
# Write `psi(reference, current, n_bins=10)` for two 1-D arrays:
#
# 1. the bin edges are the interior quantiles of the reference,
#    `np.quantile(reference, np.linspace(0, 1, n_bins + 1)[1:-1])`;
# 2. the bin of each value is `np.searchsorted(edges, values, side="right")` (bin 0 below
#    the first edge, bin `n_bins - 1` above the last, so every value lands in a bin);
# 3. the shares are the counts per bin divided by the number of values, raised to at least
#    `1e-4` with `np.maximum` (an empty bin would make the logarithm infinite);
# 4. return the sum above as a Python float.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "73b30896091d719941b276311dd7c20e", "grade": false, "grade_id": "psi", "locked": false, "schema_version": 3, "solution": true, "task": false}
def psi(reference, current, n_bins=10):
    """Population stability index of ``current`` against ``reference`` (quantile bins of the reference)."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "125cd9b9c8d16eab288d99aca5fd15eb", "grade": true, "grade_id": "psi_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
texture_mean = FEATURE_NAMES.index("mean texture")
check("psi of a feature against itself", psi(x_train[:, texture_mean], x_train[:, texture_mean]), 0.0, atol=1e-12,
      hint="identical distributions have identical shares in every bin")
before = psi(x_train[:, texture_mean], x_stream_a[:DRIFT_AT, texture_mean])
after = psi(x_train[:, texture_mean], x_stream_a[DRIFT_AT:, texture_mean])
check_that("psi of 'mean texture' to be small before the drift (< 0.25)", before < 0.25, got=before)
check_that("psi of 'mean texture' to be large after the drift (> 1)", after > 1.0, got=after,
           hint="count the current values with the reference's bin edges, not with their own quantiles")
check_that("psi to be a Python float", type(before) is float, got=type(before).__name__)
far = psi(np.arange(100.0), np.full(10, 1000.0), n_bins=4)
check("psi when every current value is above the reference (4 bins, empty bins count as 1e-4)", far,
      3 * (1e-4 - 0.25) * np.log(1e-4 / 0.25) + (1 - 0.25) * np.log(1 / 0.25), rtol=1e-9,
      hint="raise each share to at least 1e-4 before taking the logarithm")


# %% [markdown]
# ### Exercise 6: a monitoring job with alerts
#
# Write `monitor_stream(reference, x, y_true, y_pred, window=200, psi_threshold=1.0, min_accuracy=0.9)`.
# For each full window of `window` consecutive requests (ignore a shorter last window):
#
# - `psi`: the **largest** PSI over the features, `psi(reference[:, j], window_x[:, j])`;
# - `accuracy`: the share of `y_pred == y_true` in the window.
#
# Return a dict of NumPy arrays with one entry per window, `"psi"`, `"accuracy"`,
# `"data_drift"` (`psi > psi_threshold`) and `"performance_drop"` (`accuracy < min_accuracy`),
# plus `"first_alert"`: the index of the first window with either alert, or `None`.
#
# Why 1.0 and not the textbook 0.25? With 30 features and windows of 200 requests, sampling
# noise alone pushes the *largest* of 30 PSIs near 0.25: on the windows of our streams whose
# inputs did not change it ranges from about 0.17 to 0.30, while the texture shift of
# stream A gives a PSI above 4. A monitor that cries wolf gets ignored: calibrate thresholds
# on windows you know are clean, and leave a margin.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "13d90e6ae50c7fe855b55e0efcabbc24", "grade": false, "grade_id": "monitor", "locked": false, "schema_version": 3, "solution": true, "task": false}
def monitor_stream(reference, x, y_true, y_pred, window=200, psi_threshold=1.0, min_accuracy=0.9):
    """Per-window input drift (largest PSI) and accuracy, with alerts."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "93dda81552c1d63c5926ee226d5b0754", "grade": true, "grade_id": "monitor_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
report_a = monitor_stream(x_train, x_stream_a, y_stream_a, pred_a)
report_b = monitor_stream(x_train, x_stream_b, y_stream_b, pred_b)
check("the number of windows in a 1,200-request stream", len(report_a["psi"]), 6)
check("data-drift alerts on stream A", report_a["data_drift"], np.arange(6) >= 3,
      hint="a window alerts when its largest PSI over the features is above psi_threshold")
check("data-drift alerts on stream B (inputs unchanged)", report_b["data_drift"], np.zeros(6, bool))
check("performance alerts on stream B", report_b["performance_drop"], np.arange(6) >= 3,
      hint="compare y_pred with y_true inside each window")
check("the first alert on stream B", report_b["first_alert"], 3)
short = monitor_stream(x_train, x_stream_b[:450], y_stream_b[:450], pred_b[:450])
check("windows in a 450-request stream (the last 50 requests are ignored)", len(short["psi"]), 2)
check("first_alert when nothing fires", short["first_alert"], None, hint="return None, not -1, without alerts")

# %% [markdown]
# ### When an alert fires
#
# An alert starts an investigation, not an automatic retrain. **Is it real?** Many alerts
# come from broken pipelines (a renamed column, a unit change, a sensor fault); then fixing
# the pipeline is the cure. **Does it hurt?** Stream A's input alert came with a loss of
# 5 to 8 points of accuracy, down to 0.90 at worst, right at the floor: watch closely and
# collect labels.
# **Retrain** when performance dropped because the world changed (stream B): gather fresh
# labelled data from after the change, retrain, validate on recent data, and roll the new
# version out with shadow mode or a canary, as in section 6.
#
# Here we warm-start v1 on the labelled window that raised the alert (requests 600 to 799),
# 30 more epochs, compare both versions on the rest of stream B, and log the retrain as an
# MLflow run so the next person knows where the new weights came from. The exported v1
# keeps serving meanwhile, untouched on disk.

# %%
alert_window = int(np.flatnonzero(np.array(monitor["B: concept drift"]["accuracy"]) < 0.9)[0])
fresh = slice(windows[alert_window], windows[alert_window] + WINDOW)
later = slice(windows[alert_window] + WINDOW, STREAM_SIZE)
model.fit(x_stream_b[fresh], y_stream_b[fresh], epochs=30, batch_size=64, verbose=0)
retrained_pred = (model.predict(x_stream_b[later], verbose=0)[:, 0] >= 0.5).astype(int)
with mlflow.start_run(experiment_id=triage_experiment, run_name="v1-retrained-after-drift"):
    mlflow.log_params({"model": "keras-mlp", "warm_start_from": v1_run.info.run_id, "extra_epochs": 30,
                       "data": f"stream B requests {fresh.start}-{fresh.stop - 1}"})
    mlflow.log_metrics({f"later_{k}": v for k, v in scores(y_stream_b[later], retrained_pred).items()})
print(f"accuracy on requests {later.start}-{later.stop - 1}: v1 {np.mean(pred_b[later] == y_stream_b[later]):.3f} "
      f"-> retrained {np.mean(retrained_pred == y_stream_b[later]):.3f}")
print("runs in the triage experiment:", len(mlflow.search_runs(experiment_ids=[triage_experiment])))

# %% [markdown]
# ## What you built
#
# - An MLflow store on your own disk: runs with parameters, metrics (with histories) and
#   artifacts, compared with `search_runs`; a model registry whose aliases
#   (`models:/triage@champion`) make promotion and rollback one call.
# - A SavedModel with an explicit `serving_default` signature: named, typed inputs and
#   outputs, served over HTTP on loopback with input validation.
# - Online inference keeps latency low; batch inference shares fixed costs and multiplies
#   throughput. Report latency as percentiles.
# - Shadow mode, canaries with automatic rollback and blue-green switches limit the damage
#   of a bad model; a rollout decision weighs the evidence against the scoping floors.
# - Data drift shows in the inputs, concept drift in the performance; monitor both, with
#   thresholds calibrated on clean data, and retrain when the world has really changed.
