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
# **Description:** export a model with a serving signature, serve it over HTTP on your own
# machine, measure latency and throughput, roll out a new model safely, watch a stream for
# drift, and keep track of your experiments.
#
# Training a model is the middle of an ML project, not its end. Once a model answers real
# requests, new questions appear: is it fast enough, how do we replace it without hurting
# anyone, and how do we notice when the world stops looking like the training data? This
# lab walks through each of them on one running example, a small service that flags
# breast-tissue samples as likely malignant, and builds every piece with plain Python,
# NumPy and TensorFlow so you can see what the big serving and monitoring platforms do.
#
# **How the exercises work.** Cells that say `# YOUR CODE HERE` are yours: replace the
# `raise NotImplementedError()` line with your code. The cell after each exercise checks your
# answer and tells you what it expected when something is off. The checks you see are not
# the whole story: the grader runs more tests on other inputs, so solve the problem, not the
# example. Run the notebook from top to bottom (*Run > Run All Cells*) before you submit.

# %% [markdown]
# ## Setup
#
# Everything the lab writes (exported models, the experiment store) goes under a fresh
# temporary folder, `WORKDIR`, so nothing lands next to the notebook.

# %%
from course import check, check_that, set_seed  # first: it also quiets TensorFlow's start-up log
from course.data import train_test
from course.plotting import labelled, use_course_style

import http.client
import json
import os
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

tf.get_logger().setLevel("ERROR")  # no "Assets written to ..." line for every export
set_seed(42)
use_course_style()
WORKDIR = tempfile.mkdtemp(prefix="lab12-")
print("TensorFlow", tf.__version__, "| Keras", keras.__version__, "| artifacts in", WORKDIR)

# %% [markdown]
# ## 1. The ML project lifecycle
#
# An ML project moves through four stages:
#
# 1. **Scoping**: pick a business problem (not an AI problem), check that ML can solve it,
#    estimate its value, and agree on the metrics that will say whether it worked.
# 2. **Data**: define the data and its labels, establish a baseline, organise the data.
# 3. **Modeling**: choose and train a model, then analyse its errors; this loop also feeds
#    back into the data stage (more data, better labels).
# 4. **Deployment**: put the model in production, then **monitor and maintain** it.
#
# The loop does not stop at the first deployment. The first deployment is where you learn
# what production data really looks like; after it, most of the work is maintenance:
# watching metrics, spotting drift, collecting fresh labels, retraining and rolling out the
# next version. That is why the deployment stage loops back to the data and modeling stages.
#
# A project is judged by three kinds of metrics, agreed during scoping:
#
# | kind | examples | who cares |
# |---|---|---|
# | ML metrics | accuracy, precision, recall, AUC | the modelling team |
# | software metrics | latency, throughput, memory, cost per request, uptime | the platform team |
# | business metrics | revenue, cases handled, time saved | whoever pays for the project |
#
# Our running example: a clinic wants a service that triages breast-tissue samples (the
# Wisconsin breast cancer data that ships with scikit-learn) so that the likely malignant
# ones reach a pathologist first. Here is its scoping sheet, written as data so the lab can
# check it later.

# %%
PROJECT_SPEC = {
    "ml": {"accuracy": 0.93, "recall_malignant": 0.95},
    "software": {"p95_latency_ms": 50.0, "throughput_rows_per_s": 1000.0},
    "business": {"share_of_cases_decided_automatically": 0.80},
}
for kind, targets in PROJECT_SPEC.items():
    print(f"{kind:9s}", targets)

# %% [markdown]
# ## 2. The model we deploy
#
# We train a small Keras network on 60% of the data and keep the other 40% to play the role
# of future patients. The target is recoded so that **label 1 means malignant** (scikit-learn
# uses 0 for malignant), the class we care most about. Features are standardised with
# training statistics by `train_test`.

# %%
FEATURE_NAMES = list(load_breast_cancer().feature_names)
N_FEATURES = len(FEATURE_NAMES)
x_train, x_test, y_train, y_test = train_test("breast_cancer", test_size=0.4)
y_train, y_test = 1 - y_train, 1 - y_test  # 1 = malignant


def build_model(units=16, seed=0):
    """A one-hidden-layer classifier that outputs the probability of malignancy."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input(shape=(N_FEATURES,), name="features"),
        keras.layers.Dense(units, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    return model


model = build_model()
model.fit(x_train, y_train, epochs=15, batch_size=64, verbose=0)
test_prob = model.predict(x_test, verbose=0)[:, 0]
test_pred = (test_prob >= 0.5).astype(int)
print(f"test accuracy {np.mean(test_pred == y_test):.3f}, "
      f"recall on malignant {np.mean(test_pred[y_test == 1] == 1):.3f}")

# %% [markdown]
# ## 3. Exporting a model for serving
#
# A serving system should not need your training code, or even Python. TensorFlow's
# **SavedModel** format stores the computation graph and the weights together, and exposes
# one or more **signatures**: named functions with typed, named inputs and outputs. The
# signature is the contract between the model and its clients; TensorFlow Serving, for
# example, calls the one named `serving_default`.
#
# Keras can write a SavedModel directly. We pass the input signature explicitly (a batch of
# any size, 30 float32 features) instead of letting Keras infer it, then reload the export
# into a fresh object with `tf.saved_model.load` and look at what a client sees.

# %%
keras_export_dir = os.path.join(WORKDIR, "triage_keras", "1")  # servers expect <name>/<version>
model.export(keras_export_dir, format="tf_saved_model", verbose=False,
             input_signature=[tf.TensorSpec(shape=(None, N_FEATURES), dtype=tf.float32, name="features")])
print("files:", sorted(os.listdir(keras_export_dir)))

served_v1 = tf.saved_model.load(keras_export_dir)  # a fresh object: no Keras model involved
serving_fn = served_v1.signatures["serving_default"]
print("signatures:", list(served_v1.signatures))
print("inputs: ", serving_fn.structured_input_signature[1])
print("outputs:", serving_fn.structured_outputs)

# %% [markdown]
# The reloaded signature takes keyword arguments named after the inputs and returns a
# dictionary of tensors. Its answers match the in-memory model. Note the output name,
# `output_0`: Keras picked it, and a client has to guess what it means.

# %%
def predict_proba(x):
    """Probability of malignancy for each row of ``x``, from the reloaded v1 export."""
    outputs = serving_fn(features=tf.constant(np.asarray(x, dtype=np.float32)))
    return outputs["output_0"].numpy()[:, 0]


print("reloaded:", np.round(predict_proba(x_test[:4]), 4))
print("in memory:", np.round(test_prob[:4], 4))

# %% [markdown]
# ### Exercise 1: a signature with meaningful outputs
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


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "86b8730c3c36302f0806fc24730759bb", "grade": true, "grade_id": "export_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
export_dir = export_for_serving(model, os.path.join(WORKDIR, "triage", "2"))
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


# %% [markdown]
# ## 4. Serving predictions over HTTP
#
# Clients rarely load a model themselves: they send a request to a prediction service. A
# common convention (TensorFlow Serving's REST API) is a `POST` to
# `/v1/models/<name>:predict` with a JSON body `{"instances": [[...], [...]]}`, one inner
# list per row, and an answer `{"predictions": [...]}`.
#
# Python's standard library is enough to build a small one. `LoopbackServer` below wraps
# `http.server` and keeps it safe to run anywhere:
#
# - it listens on **127.0.0.1** only, so nothing outside this machine can reach it, and on
#   **port 0**, which asks the operating system for any free port;
# - it answers at most `max_requests` requests and stops after `max_seconds`;
# - it runs in a background thread and is **shut down** when the `with` block ends.
#
# A *route* is a function `body -> (status, payload)`; the server turns the payload into
# JSON. A route that crashes becomes a `500` answer instead of killing the server.

# %%
class LoopbackServer:
    """A small JSON-over-HTTP server on 127.0.0.1, bounded in requests and in time."""

    def __init__(self, routes, max_requests=1000, max_seconds=60.0):
        self.routes = routes  # {(method, path): function(body bytes) -> (status, payload)}
        self.max_requests, self.max_seconds = max_requests, max_seconds
        self.served = 0
        self._stop = threading.Event()

    def __enter__(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                route = owner.routes.get((self.command, self.path))
                try:
                    status, payload = (404, {"error": f"no route for {self.command} {self.path}"}) \
                        if route is None else route(body)
                except Exception as error:  # a bug in a route must not kill the server
                    status, payload = 500, {"error": f"{type(error).__name__}: {error}"}
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                owner.served += 1

            do_GET = do_POST = _answer
            disable_nagle_algorithm = True  # send small answers at once (no 40 ms TCP delay)

            def log_message(self, *args):  # keep the notebook quiet
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.timeout = 0.05  # handle_request() returns after this when idle
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def _loop(self):
        deadline = time.monotonic() + self.max_seconds
        while not self._stop.is_set() and self.served < self.max_requests and time.monotonic() < deadline:
            self.httpd.handle_request()

    def __exit__(self, *exc_info):
        self._stop.set()
        self.thread.join(timeout=5)
        self.httpd.server_close()


def call(port, method, path, payload=None):
    """Send one request to the local server; returns (status, decoded JSON answer)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        body = None if payload is None else json.dumps(payload).encode()
        connection.request(method, path, body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()

# %% [markdown]
# Here is a first, trusting version of the prediction route, served for a handful of
# requests. It has a health endpoint too, which load balancers poll to know the service is
# up.

# %%
PREDICT_PATH = "/v1/models/triage:predict"


def naive_predict_route(body):
    rows = json.loads(body)["instances"]
    return 200, {"predictions": predict_proba(rows).tolist()}


demo_routes = {("GET", "/v1/models/triage"): lambda body: (200, {"model": "triage", "version": 1, "state": "AVAILABLE"}),
               ("POST", PREDICT_PATH): naive_predict_route}
with LoopbackServer(demo_routes, max_requests=10, max_seconds=30) as server:
    print("listening on 127.0.0.1 port", server.port)
    print(call(server.port, "GET", "/v1/models/triage"))
    print(call(server.port, "POST", PREDICT_PATH, {"instances": x_test[:2].tolist()}))
    print(call(server.port, "POST", PREDICT_PATH, {"rows": []}))  # a client mistake...
print("server stopped after", server.served, "requests; thread alive:", server.thread.is_alive())

# %% [markdown]
# The last request shows the problem: a malformed request crashed the route, and the
# client got a `500` ("the server is broken") with a Python error message, when the fault
# was on its side. Production services validate their input and answer `400 Bad Request`
# with a message the client can act on.
#
# ### Exercise 2: a prediction route that validates its input
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
#   raise.
#
# Hint: `np.asarray(rows, dtype=np.float32)` raises `ValueError` or `TypeError` for ragged
# or non-numeric rows; check `.ndim`, `.shape` and `np.isfinite` afterwards.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "455c474561c0d73e20353cdd48dbfdcc", "grade": false, "grade_id": "handle_predict", "locked": false, "schema_version": 3, "solution": true, "task": false}
def handle_predict(body, predict, n_features=N_FEATURES, threshold=0.5):
    """Validate a JSON prediction request and answer (status, payload)."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "0d9d240fb80c00992092cbb88a692b21", "grade": true, "grade_id": "handle_predict_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
good_body = json.dumps({"instances": x_test[:3].tolist()}).encode()
status, payload = handle_predict(good_body, predict_proba)
check("the status of a valid request", status, 200)
check("the predictions of a valid request", np.array(payload["predictions"]), predict_proba(x_test[:3]),
      rtol=1e-5, atol=1e-7, hint="call predict on the float32 array of rows and return its values as floats")
check("the labels of a valid request", payload["labels"], [int(p >= 0.5) for p in predict_proba(x_test[:3])],
      hint="label = 1 when the probability is at least the threshold")
check("the status for a body without 'instances'", handle_predict(b'{"rows": []}', predict_proba)[0], 400,
      hint="check that the JSON is an object with an 'instances' key before using it")
check("the status for rows of the wrong length", handle_predict(b'{"instances": [[1, 2, 3]]}', predict_proba)[0],
      400, hint="every row must have exactly n_features numbers")
routes = {("POST", PREDICT_PATH): lambda body: handle_predict(body, predict_proba)}
with LoopbackServer(routes, max_requests=5, max_seconds=30) as server:
    over_http = [call(server.port, "POST", PREDICT_PATH, {"instances": x_test[:2].tolist()})[0],
                 call(server.port, "POST", PREDICT_PATH, {"instances": "oops"})[0]]
check("statuses through the HTTP server (valid, invalid)", over_http, [200, 400],
      hint="your route must return (status, payload) and never raise")

# %% [markdown]
# ## 5. Latency and throughput: online versus batch inference
#
# Two software metrics dominate serving:
#
# - **latency**: how long one call takes. Users feel the slow calls, so we report
#   percentiles: the median (p50) and the tail (p95, p99), not the mean;
# - **throughput**: how many rows the service handles per second.
#
# **Online inference** answers each request as it arrives, one row at a time: the latency
# is low, but every call pays the fixed costs (parsing, dispatch, Python and TensorFlow
# overhead) for a single row. **Batch inference** groups many rows into one call, so the
# fixed cost is shared and throughput grows a lot, but a row may wait for its batch to
# fill, and the call itself takes longer. Nightly scoring jobs use batches; a doctor waiting
# for an answer needs online serving.
#
# We time 128 rows three ways: one row per call in the process, one row per HTTP request,
# and batches of 64 rows. Absolute times depend on the machine and its load; the ratios are
# what to look at.

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


http_routes = {("POST", PREDICT_PATH): naive_predict_route}
with LoopbackServer(http_routes, max_requests=200, max_seconds=60) as server:
    timings = {
        "online, in process": time_calls(predict_proba, [request_pool[i:i + 1] for i in range(128)]),
        "online, over HTTP": time_calls(lambda row: call(server.port, "POST", PREDICT_PATH, {"instances": row.tolist()}),
                                        [request_pool[i:i + 1] for i in range(128)]),
        "batch of 64, in process": time_calls(predict_proba, [request_pool[:64], request_pool[64:]]),
    }
for mode, latencies in timings.items():
    p50, p95 = np.percentile(latencies, [50, 95])
    print(f"{mode:24s} calls {len(latencies):3d}  p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  "
          f"throughput {128 / (latencies.sum() / 1000):9.0f} rows/s")

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
modes = list(timings)
left.bar(modes, [np.percentile(timings[m], 95) for m in modes], color=["C0", "C1", "C2"])
left.set_yscale("log")
labelled(left, "p95 latency per call", "serving mode", "milliseconds (log scale)")
right.bar(modes, [128 / (timings[m].sum() / 1000) for m in modes], color=["C0", "C1", "C2"])
right.set_yscale("log")
labelled(right, "Throughput", "serving mode", "rows per second (log scale)",
         caption="A batch call is slower than a one-row call, but it serves far more rows per second.")
for ax in (left, right):
    ax.tick_params(axis="x", labelsize=7)
plt.show()

# %% [markdown]
# ### Exercise 3: a small inference benchmark
#
# Write `benchmark_inference(predict, x, batch_size)` that sends the rows of `x` to
# `predict` in consecutive chunks of `batch_size` rows (the last chunk may be shorter),
# times each call with `time.perf_counter()`, and returns a dict with:
#
# - `"n_calls"`: the number of calls made;
# - `"latencies_ms"`: a NumPy array with the latency of each call, in milliseconds;
# - `"p50_ms"`, `"p95_ms"`, `"p99_ms"`: `np.percentile` of those latencies;
# - `"throughput_rows_per_s"`: rows served per second of serving time, that is
#   `len(x)` divided by the sum of the latencies in seconds.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "89f8cfc4f575a950a305e5f31eed1d8d", "grade": false, "grade_id": "benchmark", "locked": false, "schema_version": 3, "solution": true, "task": false}
def benchmark_inference(predict, x, batch_size):
    """Latency percentiles and throughput of ``predict`` on ``x`` in chunks of ``batch_size``."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "8f10e8d92555545578d89d2b8b5ec5d4", "grade": true, "grade_id": "benchmark_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
online = benchmark_inference(predict_proba, request_pool, batch_size=1)
batch = benchmark_inference(predict_proba, request_pool, batch_size=64)
check("online['n_calls'] for 128 rows, one per call", online["n_calls"], 128)
check("batch['n_calls'] for 128 rows in batches of 64", batch["n_calls"], 2,
      hint="step through x with range(0, len(x), batch_size)")
check_that("p50 <= p95 <= p99 for online calls", online["p50_ms"] <= online["p95_ms"] <= online["p99_ms"],
           got=(online["p50_ms"], online["p95_ms"], online["p99_ms"]))
check_that("batch throughput to be higher than online throughput",
           batch["throughput_rows_per_s"] > online["throughput_rows_per_s"],
           got=(batch["throughput_rows_per_s"], online["throughput_rows_per_s"]),
           hint="throughput is len(x) / total serving seconds; did you convert milliseconds to seconds?")

# %% [markdown]
# Compare with the scoping sheet. The software targets are about the online path, since
# that is what a waiting user experiences. (On a busy shared machine the numbers move;
# what matters is the method.)

# %%
online_p95 = float(np.percentile(timings["online, in process"], 95))
batch_throughput = 128 / (timings["batch of 64, in process"].sum() / 1000)
for name, measured, target, ok in [
        ("p95 latency (ms)", online_p95, PROJECT_SPEC["software"]["p95_latency_ms"],
         online_p95 <= PROJECT_SPEC["software"]["p95_latency_ms"]),
        ("batch throughput (rows/s)", batch_throughput, PROJECT_SPEC["software"]["throughput_rows_per_s"],
         batch_throughput >= PROJECT_SPEC["software"]["throughput_rows_per_s"])]:
    print(f"{name:26s} measured {measured:10.1f}  target {target:8.1f}  {'met' if ok else 'NOT met'}")

# %% [markdown]
# ## 6. Rolling out a new model
#
# Replacing a model in production is risky: the new one scored better offline, but
# production data may differ, and a bug in its serving code (a missing transform, columns
# in the wrong order) does not show up in offline metrics. Three patterns limit the damage:
#
# - **shadow mode**: the new model receives a copy of every request and its predictions are
#   logged, **never served**. Users see only the current model. Once labels arrive, we
#   compare the two.
# - **canary**: a small fraction of the traffic goes to the new model, and the fraction
#   grows step by step while a monitored metric stays healthy. If it degrades, traffic is
#   **rolled back** automatically to the old model.
# - **blue-green**: two complete environments, the old (blue) and the new (green). A router
#   switches all traffic to green at once, and can switch back to blue just as fast.
#
# To simulate them we need a stream of requests and two candidate models. The stream is
# synthetic: 1,200 requests drawn from the held-out patients, with a little measurement
# noise added. In a real system labels arrive later (here, once a pathologist confirms the
# diagnosis); the simulation pretends they arrive right away.

# %%
stream_rng = np.random.default_rng(7)
STREAM_SIZE, DRIFT_AT = 1200, 600
stream_rows = stream_rng.integers(0, len(x_test), STREAM_SIZE)
x_stream = (x_test[stream_rows] + stream_rng.normal(0, 0.1, (STREAM_SIZE, N_FEATURES))).astype("float32")
y_stream = y_test[stream_rows]


def v1_labels(x):
    """The production model (v1, the Keras network)."""
    x = np.asarray(x, dtype=np.float32).reshape(-1, N_FEATURES)
    return (model(x, training=False).numpy()[:, 0] >= 0.5).astype(int) if len(x) else np.zeros(0, dtype=int)


v2 = LogisticRegression(C=1.0, max_iter=1000).fit(x_train, y_train)
ALPHABETICAL = np.argsort(FEATURE_NAMES)


def v2_labels(x):
    """The candidate (v2, a cheaper logistic regression), correctly wired."""
    x = np.asarray(x).reshape(-1, N_FEATURES)
    return v2.predict(x).astype(int) if len(x) else np.zeros(0, dtype=int)


def v2_buggy_labels(x):
    """The same candidate behind a serving bug: the client sends columns in alphabetical order."""
    x = np.asarray(x).reshape(-1, N_FEATURES)
    return v2.predict(x[:, ALPHABETICAL]).astype(int) if len(x) else np.zeros(0, dtype=int)


for name, fn in [("v1", v1_labels), ("v2", v2_labels), ("v2 with the column bug", v2_buggy_labels)]:
    print(f"{name:24s} accuracy on the stream {np.mean(fn(x_stream) == y_stream):.3f}")

# %% [markdown]
# The buggy v2 is still right most of the time, which is what makes such bugs dangerous:
# nothing crashes, results are merely worse. The rollout patterns are there to catch it.
#
# ### Exercise 4: shadow mode
#
# Write `shadow_mode(x, live, candidate, batch_size=100)`. Process the requests in
# consecutive batches of `batch_size` rows. For each batch, the answer served to the users
# comes from `live(batch)`; the same batch is also sent to `candidate`, and its labels are
# only recorded. If the candidate raises an exception on a batch, record `-1` for each row
# of that batch and carry on: a shadow model must never affect the service. Return
# `(served, shadow)`, two integer NumPy arrays of length `len(x)`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "6803be6ab527e60caf2fa245b5b8bf27", "grade": false, "grade_id": "shadow", "locked": false, "schema_version": 3, "solution": true, "task": false}
def shadow_mode(x, live, candidate, batch_size=100):
    """Serve ``live``'s labels while logging ``candidate``'s labels on the same requests."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "e45fa80a2c2bc3562e049b3bf8e9e7d2", "grade": true, "grade_id": "shadow_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
served, shadow = shadow_mode(x_stream, v1_labels, v2_labels)
check("the served labels (they must come from the live model)", served, v1_labels(x_stream),
      hint="users always get live(batch); the candidate's output is only logged")
check("the shadow log", shadow, v2_labels(x_stream), hint="send every batch to the candidate too")


def broken_candidate(batch):
    raise RuntimeError("the candidate's container is not ready")


served_b, shadow_b = shadow_mode(x_stream[:250], v1_labels, broken_candidate)
check("the served labels when the candidate crashes", served_b, v1_labels(x_stream[:250]),
      hint="wrap the candidate call in try/except so its failures never reach users")
check("the shadow log when the candidate crashes", shadow_b, np.full(250, -1))

# %% [markdown]
# Once the labels arrive, the shadow log tells us how the candidate would have done,
# without any user having seen its answers. Where the two models disagree is where the
# labels are most informative. (The cell below rebuilds the two logs from the models
# directly, so it runs even before your `shadow_mode` works.)

# %%
served_log, shadow_log = v1_labels(x_stream), v2_labels(x_stream)
disagree = served_log != shadow_log
print(f"v1 and v2 disagree on {disagree.mean():.1%} of the requests")
print(f"accuracy if we had served v1: {np.mean(served_log == y_stream):.3f}, "
      f"v2: {np.mean(shadow_log == y_stream):.3f}")
print(f"on the disagreements, v2 is right {np.mean(shadow_log[disagree] == y_stream[disagree]):.0%} of the time")

# %% [markdown]
# ### Routing a fraction of the traffic
#
# A canary sends a fraction of the requests to the new model. The choice must be stable (the
# same user should not bounce between models) and cheap, so routers hash a request or user
# id into a number in [0, 1) and compare it with the fraction. `routes_to_candidate` does
# that with a multiplicative hash of the request id.

# %%
def routes_to_candidate(request_ids, fraction):
    """True for the requests that go to the candidate: hash(id) in [0, 1) below ``fraction``."""
    buckets = (np.asarray(request_ids, dtype=np.float64) * 0.6180339887498949) % 1.0
    return buckets < fraction


for fraction in (0.1, 0.5, 1.0):
    print(f"fraction {fraction:.1f}: {routes_to_candidate(np.arange(1000), fraction).mean():.3f} of 1000 requests")

# %% [markdown]
# ### Exercise 5: a canary with automatic rollback
#
# Write `canary_rollout(x, y, stable, candidate, fractions=(0.1, 0.3, 0.6, 1.0), min_accuracy=0.93)`.
# The request ids are `0 .. len(x)-1`. Split them into `len(fractions)` consecutive stages
# with `np.array_split(np.arange(len(x)), len(fractions))`. In stage `k`, the requests for
# which `routes_to_candidate(ids, fractions[k])` is true are served by `candidate`, the
# others by `stable`. At the end of each stage, compute the candidate's accuracy on the
# requests it served in that stage (you may assume there is at least one) and append it to
# a `history` list. If it is below `min_accuracy`, **roll back**: every later request goes
# to `stable`, and the candidate serves no more traffic (and gets no more history entries).
#
# Return a dict with `"served_by"` (an int array, 1 where the candidate served the request,
# 0 for stable), `"predictions"` (the labels served), `"history"` (the candidate's accuracy
# per stage it served, as floats) and `"rolled_back"` (a bool).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "4b98db730aa40dcd2eb518f9ab46f09b", "grade": false, "grade_id": "canary", "locked": false, "schema_version": 3, "solution": true, "task": false}
def canary_rollout(x, y, stable, candidate, fractions=(0.1, 0.3, 0.6, 1.0), min_accuracy=0.93):
    """Grow the candidate's share of traffic stage by stage; roll back when its accuracy drops."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "3bb39bb738c4b3c235eda623c404f7d0", "grade": true, "grade_id": "canary_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
good = canary_rollout(x_stream, y_stream, v1_labels, v2_labels)
bad = canary_rollout(x_stream, y_stream, v1_labels, v2_buggy_labels)
check("rolled_back for the healthy candidate", good["rolled_back"], False)
check("the number of history entries for the healthy candidate", len(good["history"]), 4,
      hint="one accuracy per stage while the candidate serves traffic")
check("the share of the last stage served by the healthy candidate", float(good["served_by"][900:].mean()), 1.0,
      hint="with fraction 1.0 every request of the last stage goes to the candidate")
check("rolled_back for the buggy candidate", bad["rolled_back"], True,
      hint="roll back when the candidate's accuracy in a stage is below min_accuracy")
check_that("no traffic for the buggy candidate in the last stage", bad["served_by"][900:].sum() == 0,
           got=int(bad["served_by"][900:].sum()))


# %% [markdown]
# Plotting the share of traffic the candidate received over the stream shows the two
# stories: the healthy v2 ramps up to all traffic, the buggy one is cut off early.

# %%
def reference_canary_share(candidate, window=50):
    """Share of each window of requests served by ``candidate`` (worked version of the canary)."""
    served_by = np.zeros(STREAM_SIZE, int)
    for fraction, ids in zip((0.1, 0.3, 0.6, 1.0), np.array_split(np.arange(STREAM_SIZE), 4)):
        chosen = ids[routes_to_candidate(ids, fraction)]
        served_by[chosen] = 1
        if np.mean(candidate(x_stream[chosen]) == y_stream[chosen]) < 0.93:
            break
    return served_by.reshape(-1, window).mean(axis=1)


fig, ax = plt.subplots()
starts = np.arange(0, STREAM_SIZE, 50)
ax.step(starts, reference_canary_share(v2_labels), where="post", label="v2 (healthy)")
ax.step(starts, reference_canary_share(v2_buggy_labels), where="post", label="v2 with the column bug")
ax.legend()
labelled(ax, "Canary rollout: candidate's share of traffic", "request number", "share served by the candidate",
         caption="The healthy candidate ramps up to 100%; the buggy one is rolled back at its first unhealthy stage.")
plt.show()

# %% [markdown]
# ### Blue-green: switch and switch back
#
# A blue-green router keeps both versions running and moves **all** traffic at once. Here
# the green environment hosts the buggy v2. We switch at request 400 and check the accuracy
# of each block of 50 requests once its labels arrive; when a block falls below the floor,
# the router switches straight back to blue.

# %%
class BlueGreenRouter:
    """Two environments, one of them live; switching is instant in both directions."""

    def __init__(self, blue, green):
        self.environments = {"blue": blue, "green": green}
        self.live = "blue"

    def switch(self):
        self.live = "green" if self.live == "blue" else "blue"

    def predict(self, x):
        return self.environments[self.live](x)


router = BlueGreenRouter(blue=v1_labels, green=v2_buggy_labels)
block_accuracy, block_env = [], []
for start in range(0, STREAM_SIZE, 50):
    if start == 400:
        router.switch()
        print(f"request {start}: switched to {router.live}")
    block = slice(start, start + 50)
    block_accuracy.append(np.mean(router.predict(x_stream[block]) == y_stream[block]))
    block_env.append(router.live)
    if router.live == "green" and block_accuracy[-1] < 0.93:
        router.switch()
        print(f"request {start + 50}: accuracy {block_accuracy[-1]:.2f} below the floor, switched back to {router.live}")

fig, ax = plt.subplots()
colors = ["C0" if env == "blue" else "C2" for env in block_env]
ax.bar(np.arange(0, STREAM_SIZE, 50), block_accuracy, width=45, align="edge", color=colors)
ax.axhline(0.93, color="C3", linestyle="--", label="accuracy floor")
ax.set_ylim(0.7, 1.0)
ax.legend(loc="lower right")
labelled(ax, "Blue-green deployment with a switch back", "request number", "accuracy of the block",
         caption="Blue bars: v1 (blue environment); the green bar: the buggy v2, live for one block only.")
plt.show()

# %% [markdown]
# ### Degrees of automation
#
# Deployment is not all or nothing. From least to most automated:
#
# 1. **human only**: no model in the loop;
# 2. **shadow mode**: the model runs, humans decide, and we compare;
# 3. **AI assistance**: the model's output is shown to the human, who decides;
# 4. **partial automation**: the model decides when it is confident, and sends the
#    uncertain cases to a human;
# 5. **full automation**: the model decides everything.
#
# Partial automation is often the sweet spot in medicine. With a confidence threshold τ,
# the model decides when `max(p, 1 - p) >= τ`. Sweeping τ shows the trade-off between the
# share of cases automated (a business metric) and the accuracy on those cases.

# %%
stream_prob = predict_proba(x_stream)
confidence = np.maximum(stream_prob, 1 - stream_prob)
taus = np.linspace(0.5, 0.995, 34)
coverage = np.array([np.mean(confidence >= t) for t in taus])
automated_accuracy = np.array([np.mean((stream_prob[confidence >= t] >= 0.5) == y_stream[confidence >= t]) for t in taus])

fig, ax = plt.subplots()
ax.plot(taus, coverage, label="share of cases decided by the model")
ax.plot(taus, automated_accuracy, label="accuracy on those cases")
ax.axhline(PROJECT_SPEC["business"]["share_of_cases_decided_automatically"], color="C3", linestyle=":",
           label="business target for the share")
ax.legend(loc="lower left")
labelled(ax, "Partial automation: confidence threshold", "confidence threshold τ", "fraction",
         caption="τ = 0.5 is full automation; raising τ hands more cases to pathologists and makes fewer mistakes.")
plt.show()
best = taus[coverage >= PROJECT_SPEC["business"]["share_of_cases_decided_automatically"]].max()
print(f"highest τ that still automates 80% of cases: {best:.3f}, "
      f"accuracy there {automated_accuracy[taus == best][0]:.3f}")

# %% [markdown]
# ## 7. Monitoring: data drift and concept drift
#
# A deployed model meets a world that keeps changing. Two kinds of change matter:
#
# - **data drift**: the distribution of the inputs `x` changes (a new measuring device, a
#   new population of patients). The model may or may not suffer.
# - **concept drift**: the mapping from `x` to `y` changes (a new diagnostic guideline, a
#   new fraud pattern). The inputs look the same, but the right answers are different, so
#   the model is wrong more often.
#
# Changes can be gradual or sudden. Monitoring watches both the inputs (no labels needed,
# available right away) and the model's performance (needs labels, usually delayed).
#
# We build two synthetic versions of the stream, both changing at request 600:
#
# - **stream A (data drift)**: a new imaging device reports the three *texture* features
#   1.5 standard deviations higher; labels follow the old rule.
# - **stream B (concept drift)**: the inputs do not change, but a revised guideline labels
#   every sample whose *mean concavity* is above the training set's 40th percentile as
#   malignant.

# %%
TEXTURE = [i for i, name in enumerate(FEATURE_NAMES) if "texture" in name]
x_stream_a = x_stream.copy()
x_stream_a[DRIFT_AT:, TEXTURE] += 1.5
y_stream_a = y_stream.copy()

concavity = FEATURE_NAMES.index("mean concavity")
x_stream_b = x_stream.copy()
y_stream_b = y_stream.copy()
stricter = x_stream_b[DRIFT_AT:, concavity] > np.quantile(x_train[:, concavity], 0.4)
y_stream_b[DRIFT_AT:][stricter] = 1
print("drifted features in A:", [str(FEATURE_NAMES[i]) for i in TEXTURE])
print(f"malignant share in B: before {y_stream_b[:DRIFT_AT].mean():.2f}, after {y_stream_b[DRIFT_AT:].mean():.2f}")

# %% [markdown]
# A monitoring job looks at consecutive windows of requests. For the inputs, a simple
# statistic is the largest *mean shift* over the features, in units of the training
# standard deviation. For performance, it is the accuracy on the window once its labels
# are in. Each gets an alert threshold.

# %%
WINDOW = 200
train_mean, train_std = x_train.mean(axis=0), x_train.std(axis=0)


def largest_mean_shift(window_x):
    return float(np.max(np.abs(window_x.mean(axis=0) - train_mean) / train_std))


windows = np.arange(0, STREAM_SIZE, WINDOW)
pred_a = (predict_proba(x_stream_a) >= 0.5).astype(int)  # what the served v1 answered
pred_b = (predict_proba(x_stream_b) >= 0.5).astype(int)
monitor = {}
for name, xs, ys, predictions in [("A: data drift", x_stream_a, y_stream_a, pred_a),
                                  ("B: concept drift", x_stream_b, y_stream_b, pred_b)]:
    monitor[name] = {
        "mean shift": [largest_mean_shift(xs[s:s + WINDOW]) for s in windows],
        "accuracy": [np.mean(predictions[s:s + WINDOW] == ys[s:s + WINDOW]) for s in windows],
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
# The two kinds of drift look different: stream A raises an input alert and the model
# copes; stream B leaves the inputs alone while accuracy collapses. Monitoring only the
# inputs would have missed B, and monitoring only accuracy would have missed A, which is
# the early warning that the data has changed.
#
# The mean is a weak summary, though: a change in spread or shape keeps the mean. The
# **population stability index** (PSI), used widely in credit scoring and model monitoring,
# compares whole distributions. Cut the reference values into bins, measure the share `r_i`
# of the reference and `c_i` of the current window in each bin, and sum
#
# $$\mathrm{PSI} = \sum_i (c_i - r_i) \ln\frac{c_i}{r_i}.$$
#
# A rule of thumb reads PSI < 0.1 as stable and PSI > 0.25 as a large shift.
#
# ### Exercise 6: the population stability index
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


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "1d011bd9123e61f21da73946d4e54e58", "grade": true, "grade_id": "psi_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
texture_mean = FEATURE_NAMES.index("mean texture")
check("psi of a feature against itself", psi(x_train[:, texture_mean], x_train[:, texture_mean]), 0.0, atol=1e-12,
      hint="identical distributions have identical shares in every bin")
before = psi(x_train[:, texture_mean], x_stream_a[:DRIFT_AT, texture_mean])
after = psi(x_train[:, texture_mean], x_stream_a[DRIFT_AT:, texture_mean])
check_that("psi of 'mean texture' to be small before the drift (< 0.25)", before < 0.25, got=before)
check_that("psi of 'mean texture' to be large after the drift (> 1)", after > 1.0, got=after,
           hint="count the current values with the reference's bin edges, not with their own quantiles")


# %% [markdown]
# ### Exercise 7: a monitoring job with alerts
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
# Why a PSI threshold of 1.0 rather than the textbook 0.25? With 30 features and windows of
# 200 requests, sampling noise alone brings the *largest* of 30 PSIs close to 0.25: on the
# windows of our two streams whose inputs did not change it ranges from about 0.17 to 0.30,
# so a 0.25 threshold would already fire once on clean data, while the texture shift of
# stream A gives a PSI above 4. A monitor that cries wolf gets ignored: calibrate thresholds
# on windows you know are clean, and leave a margin.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "13d90e6ae50c7fe855b55e0efcabbc24", "grade": false, "grade_id": "monitor", "locked": false, "schema_version": 3, "solution": true, "task": false}
def monitor_stream(reference, x, y_true, y_pred, window=200, psi_threshold=1.0, min_accuracy=0.9):
    """Per-window input drift (largest PSI) and accuracy, with alerts."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "1789ba4dcb9e3318c25e77720bf2e816", "grade": true, "grade_id": "monitor_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
report_a = monitor_stream(x_train, x_stream_a, y_stream_a, pred_a)
report_b = monitor_stream(x_train, x_stream_b, y_stream_b, pred_b)
check("the number of windows in a 1,200-request stream", len(report_a["psi"]), 6)
check("data-drift alerts on stream A", report_a["data_drift"], np.arange(6) >= 3,
      hint="a window alerts when its largest PSI over the features is above psi_threshold")
check("data-drift alerts on stream B (inputs unchanged)", report_b["data_drift"], np.zeros(6, bool))
check("performance alerts on stream B", report_b["performance_drop"], np.arange(6) >= 3,
      hint="compare y_pred with y_true inside each window")
check("the first alert on stream B", report_b["first_alert"], 3)

# %% [markdown]
# ### When an alert fires
#
# An alert starts an investigation, not an automatic retrain:
#
# 1. **Is it real?** Many alerts come from broken pipelines (a renamed column, a unit
#    change, a sensor fault). Fixing the pipeline is then the cure, not retraining.
# 2. **Does it hurt?** Stream A's input alert came with a loss of a few points of accuracy,
#    still above the floor; it is a reason to watch closely and collect labels, maybe nothing
#    more.
# 3. **Retrain** when performance has dropped because the world changed (stream B): gather
#    fresh labelled data from after the change, retrain (from scratch, or warm-started from
#    the current weights), validate on the most recent data, and roll the new version out
#    with shadow mode or a canary, exactly as in section 6.
#
# Here we warm-start from the production weights: the in-memory Keras model trains 30 more
# epochs on the labelled window that raised the alert (requests 600 to 799), and we
# compare both versions on the rest of stream B. The exported v1 keeps serving meanwhile,
# untouched on disk.

# %%
alert_window = int(np.flatnonzero(np.array(monitor["B: concept drift"]["accuracy"]) < 0.9)[0])
fresh = slice(windows[alert_window], windows[alert_window] + WINDOW)
later = slice(windows[alert_window] + WINDOW, STREAM_SIZE)
model.fit(x_stream_b[fresh], y_stream_b[fresh], epochs=30, batch_size=64, verbose=0)
retrained_pred = (model.predict(x_stream_b[later], verbose=0)[:, 0] >= 0.5).astype(int)
old_accuracy = np.mean(pred_b[later] == y_stream_b[later])
new_accuracy = np.mean(retrained_pred == y_stream_b[later])
print(f"retrained on requests {fresh.start}-{fresh.stop - 1}; accuracy on requests {later.start}-{later.stop - 1}: "
      f"v1 {old_accuracy:.3f} -> retrained {new_accuracy:.3f}")

# %% [markdown]
# ## 8. Experiment tracking
#
# Retraining, tuning and comparing candidates produce many runs, and a month later nobody
# remembers which settings gave which model. **Experiment tracking** records, for every
# run, its **parameters** (hyperparameters, data version, code version), its **metrics**,
# and its **artifacts** (the model, plots, reports) in a store you can query. Tools such as
# MLflow, Weights & Biases, Neptune and TensorBoard's HParams plugin do this at scale.
#
# The simplest tracker is one JSON line per run in a file:

# %%
log_path = os.path.join(WORKDIR, "runs.jsonl")
with open(log_path, "a") as log:
    log.write(json.dumps({"params": {"model": "keras-mlp", "units": 16, "epochs": 15},
                          "metrics": {"test_accuracy": float(np.mean(test_pred == y_test))}}) + "\n")
with open(log_path) as log:
    print(log.read())

# %% [markdown]
# A single file cannot hold artifacts such as weights or plots. Trackers like MLflow give
# every run its own folder instead.
#
# ### Exercise 8: a local run store
#
# Write `log_run(store_dir, params, metrics, artifacts=None)` that creates the folder of a
# new run, `store_dir/run-0001` for the first run, `run-0002` for the next, and so on (find
# the next number from the `run-*` folders already in `store_dir`, which may not exist
# yet). Inside, write `params.json` and `metrics.json` (with `json.dump`), and for each
# `name, content` in `artifacts` (a dict of strings) the file `artifacts/<name>`. Return
# the run id, for example `"run-0001"`.
#
# Then write `best_run(store_dir, metric, higher_is_better=True)` that **reads every run
# back from disk** and returns `{"run_id": ..., "params": ..., "metrics": ...}` for the run
# with the best value of `metric`. Ignore runs that did not record that metric; on a tie,
# keep the earliest run; return `None` when no run has the metric.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "e9bdf650ecdf648aeac32f93b79363f7", "grade": false, "grade_id": "tracking", "locked": false, "schema_version": 3, "solution": true, "task": false}
def log_run(store_dir, params, metrics, artifacts=None):
    """Write one run (parameters, metrics, artifacts) to a new folder of ``store_dir``; return its id."""
    # YOUR CODE HERE
    raise NotImplementedError()


def best_run(store_dir, metric, higher_is_better=True):
    """The run of ``store_dir`` with the best ``metric``, read from disk, or None."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "c9a5292b62f213ca0d602fa82481da8d", "grade": true, "grade_id": "tracking_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
store = os.path.join(tempfile.mkdtemp(dir=WORKDIR), "store")
first = log_run(store, {"C": 0.1}, {"accuracy": 0.91, "log_loss": 0.30}, {"notes.txt": "first try"})
second = log_run(store, {"C": 1.0}, {"accuracy": 0.95, "log_loss": 0.20})
third = log_run(store, {"C": 10.0}, {"accuracy": 0.93, "log_loss": 0.25})
check("the run ids", [first, second, third], ["run-0001", "run-0002", "run-0003"],
      hint="number the runs from the run-* folders already in the store, starting at 1, with 4 digits")
with open(os.path.join(store, "run-0002", "params.json")) as f:
    check("run-0002/params.json read back", json.load(f), {"C": 1.0}, hint="write params with json.dump")
with open(os.path.join(store, "run-0001", "artifacts", "notes.txt")) as f:
    check("the artifact run-0001/artifacts/notes.txt", f.read(), "first try")
check("best_run(store, 'accuracy')['run_id']", best_run(store, "accuracy")["run_id"], "run-0002")
check("best_run by lowest log_loss", best_run(store, "log_loss", higher_is_better=False)["params"], {"C": 1.0},
      hint="with higher_is_better=False the best run has the smallest value")

# %% [markdown]
# With the store in place, a small sweep over the regularisation strength of the v2
# logistic regression is logged run by run, with the coefficients as an artifact, and the
# best run is one query away.

# %%
sweep_store = os.path.join(WORKDIR, "experiments")
for c in (0.01, 0.1, 1.0, 10.0):
    candidate = LogisticRegression(C=c, max_iter=1000).fit(x_train, y_train)
    accuracy = float(np.mean(candidate.predict(x_test) == y_test))
    recall = float(np.mean(candidate.predict(x_test[y_test == 1]) == 1))
    log_run(sweep_store, {"model": "logistic_regression", "C": c},
            {"test_accuracy": accuracy, "recall_malignant": recall},
            {"coefficients.json": json.dumps(candidate.coef_.round(4).tolist())})
winner = best_run(sweep_store, "recall_malignant")
print("runs:", sorted(os.listdir(sweep_store)))
print("best by recall on malignant:", winner)

# %% [markdown]
# ## What you built
#
# - The lifecycle does not end at deployment: monitoring and maintenance loop back to data
#   and modeling, judged by ML, software and business metrics set during scoping.
# - A SavedModel with an explicit `serving_default` signature is a contract with named,
#   typed inputs and outputs, served here over HTTP on loopback with input validation.
# - Online inference keeps latency low; batch inference shares fixed costs and multiplies
#   throughput. Report latency as percentiles.
# - Shadow mode, canaries with automatic rollback and blue-green switches limit the damage
#   of a bad model; automation can grow step by step from human-only to full automation.
# - Data drift shows in the inputs, concept drift in the performance; monitor both, with
#   thresholds calibrated on clean data, and retrain when the world has really changed.
# - An experiment store makes every run's parameters, metrics and artifacts queryable.
