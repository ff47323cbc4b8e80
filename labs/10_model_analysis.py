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
# # Lab 10: Model analysis
#
# **Description:** slice a model's metrics with TensorFlow Model Analysis and gate a
# candidate model against a baseline; measure fairness per group with fairlearn and
# post-process it; debug models with residual and sensitivity analysis, random and
# adversarial (FGSM) attacks and benchmark models.
#
# A single test-set number, "82% accurate", is an average over everyone the model will ever
# see. Averages hide things: a model can be excellent for the large groups in the data and
# poor for a small one, confident in a region where it has never seen an example, or no better
# than a one-line rule. Model analysis is the habit of looking *inside* that average before a
# model ships, and of keeping on looking once it runs in production.
#
# We work with the Titanic passenger list that ships with PDPbox (891 passengers, whether
# they survived, their sex, ticket class, age, fare and family aboard). It is small, fast to
# model, and has groups (sex, class) whose outcomes differ a lot, which is exactly what slicing
# and fairness analysis are about.
#
# **How the exercises work.** Cells that say `# YOUR CODE HERE` are yours: replace the
# `raise NotImplementedError()` line with your code. The cell after each exercise checks your
# answer and tells you what it expected when something is off. The grader runs more tests on
# other inputs, so solve the problem, not the example. Run the notebook from top to bottom
# (*Run > Run All Cells*) before you submit.

# %% [markdown]
# ## Setup
#
# TensorFlow Model Analysis (TFMA) loads TensorFlow and Apache Beam, so this first cell takes
# several seconds. `config_pb2` is TFMA's configuration module: in TFMA 0.52 the
# configuration classes (`EvalConfig`, `ModelSpec`, ...) live there, not at the top level of
# `tfma`. TFMA logs through absl, whose level TensorFlow resets when it saves a model, so we
# set absl's own verbosity, which survives that; `start_lab` quiets Beam's logger.

# %%
from course import check, check_that, needs, start_lab  # first: it also quiets TensorFlow's start-up log
from course.data import load_titanic, train_test
from course.plotting import add_caption, labelled

import json
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf
import tensorflow_model_analysis as tfma
from absl import logging as absl_logging
from fairlearn.metrics import MetricFrame, count, false_negative_rate, false_positive_rate, selection_rate, true_positive_rate
from fairlearn.postprocessing import ThresholdOptimizer
from google.protobuf import text_format
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score, roc_curve
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from tensorflow_model_analysis.proto import config_pb2

absl_logging.set_verbosity(absl_logging.ERROR)  # TFMA's "support for TF 2.0 is in beta" notice
WORK_DIR = start_lab("lab10", seed=10)

# %%
print("TFMA", tfma.__version__, "| TensorFlow", tf.__version__, "| scratch folder:", WORK_DIR.name)

# %% [markdown]
# ## 1. Black-box evaluation and model introspection
#
# There are two ways to look at a trained model.
#
# - **Black-box evaluation** treats the model as a function: feed it examples, compare its
#   outputs with the truth, compute metrics. It works for any model and is what TensorBoard's
#   curves or a test-set score give you. It says *how well* the model does, not *why*.
# - **Model introspection** opens the box: the weights of a linear model, the splits of a
#   tree, the activations of a network's layers. It can explain a failure, but each model
#   family needs its own tools.
#
# Most of this lab is black-box analysis done carefully: the same metrics, computed on the
# right subsets and compared with the right references. Lab 11 goes further into explaining
# individual predictions. First, the data and a model: a small gradient-boosted tree ensemble
# that predicts survival from eight columns.

# %%
titanic = load_titanic()
FEATURES = ["Pclass", "Sex", "Age", "SibSp", "Parch", "Fare", "Embarked_C", "Embarked_Q"]
train, test = train_test_split(titanic, test_size=0.35, random_state=10, stratify=titanic["Survived"])
X_train, y_train = train[FEATURES], train["Survived"].to_numpy()
X_test, y_test = test[FEATURES], test["Survived"].to_numpy()
print(f"train {len(train)} passengers, test {len(test)}; Sex is 1 for men, 0 for women")
train[FEATURES + ["Survived"]].head()

# %%
model = GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=0)
model.fit(X_train, y_train)
test_scores = model.predict_proba(X_test)[:, 1]
print(f"black box: test accuracy {accuracy_score(y_test, test_scores > 0.5):.3f}, "
      f"AUC {roc_auc_score(y_test, test_scores):.3f}")

# %% [markdown]
# A glimpse of introspection: a tree ensemble records how much each feature reduced the
# training loss across all its splits. This is specific to trees, and it describes the
# training data rather than the test set, but it already tells us which columns the model
# leans on.

# %%
importance = pd.Series(model.feature_importances_, index=FEATURES).sort_values()
fig, ax = plt.subplots()
ax.barh(importance.index, importance.values)
top_four = importance.nlargest(4)
labelled(ax, "What the trees split on", "share of the training-loss reduction", "feature",
         caption=f"Introspection: {', '.join(top_four.index)} account for {top_four.sum():.0%} of the "
                 f"loss reduction, {top_four.index[0]} alone for {top_four.iloc[0]:.0%}.")
plt.show()

# %% [markdown]
# ## 2. Metrics per slice with TensorFlow Model Analysis
#
# TFMA computes evaluation metrics over large datasets with Apache Beam, the same engine that
# runs TFX pipelines, and it computes them **per slice**: for every value of a feature, or
# every combination of values of several features. Here Beam runs in-process (its
# `DirectRunner`) on a few hundred rows; the same configuration would run on a cluster over
# billions.
#
# An analysis is described by an `EvalConfig` protocol buffer with three parts:
#
# - `model_specs`: where the labels and predictions are. For a saved TensorFlow model this
#   names its signature; for a table of predictions that are already computed, as here, it
#   names the `label_key` and `prediction_key` columns.
# - `metrics_specs`: which metrics, each a `MetricConfig(class_name=..., config=...)` where
#   `config` is a JSON string of the metric's arguments (thresholds, for example).
# - `slicing_specs`: which subsets. An empty `SlicingSpec()` is the whole dataset,
#   `feature_keys=["sex"]` makes one slice per value of `sex`, and
#   `feature_keys=["sex", "class"]` is a *feature cross*: one slice per (sex, class) pair.
#
# TFMA reads a pandas table with `tfma.analyze_raw_data`. We give it the test labels, the
# model's predicted probabilities and two columns to slice on, with readable values.

# %%
eval_frame = pd.DataFrame({
    "label": y_test.astype(float),
    "prediction": test_scores,
    "sex": np.where(X_test["Sex"] == 1, "male", "female"),
    "class": X_test["Pclass"].map({1: "1st", 2: "2nd", 3: "3rd"}).to_numpy(),
})
eval_frame.head()

# %%
THRESHOLDS = [0.3, 0.5, 0.7]


def metric(class_name, **arguments):
    """One TFMA metric; keyword arguments become its JSON config."""
    return config_pb2.MetricConfig(class_name=class_name, config=json.dumps(arguments) if arguments else "")


eval_config = config_pb2.EvalConfig(
    model_specs=[config_pb2.ModelSpec(label_key="label", prediction_key="prediction")],
    metrics_specs=[config_pb2.MetricsSpec(metrics=[
        metric("ExampleCount"),
        metric("BinaryAccuracy", threshold=0.5),
        metric("AUC"),
        metric("MeanLabel"),
        metric("MeanPrediction"),
        metric("TPR", thresholds=THRESHOLDS),
        metric("FPR", thresholds=THRESHOLDS),
        metric("FNR", thresholds=THRESHOLDS),
    ])],
    slicing_specs=[
        config_pb2.SlicingSpec(),                              # overall
        config_pb2.SlicingSpec(feature_keys=["sex"]),          # one feature
        config_pb2.SlicingSpec(feature_keys=["sex", "class"]),  # a feature cross
    ],
)
print(eval_config)

# %% [markdown]
# Running the analysis builds and executes a Beam pipeline: it reads the rows, assigns each
# to its slices, accumulates every metric per slice in one pass, and writes the results to
# `output_path` (a folder under the lab's scratch folder `WORK_DIR`), from which `analyze_raw_data`
# loads them back as an `EvalResult`.

# %%
eval_result = tfma.analyze_raw_data(eval_frame, eval_config, output_path=str(WORK_DIR / "tfma"))
print(len(eval_result.slicing_metrics), "slices; files written:", sorted(p.name for p in (WORK_DIR / "tfma").iterdir()))

# %% [markdown]
# `eval_result.slicing_metrics` is a list of `(slice_key, metrics)` pairs. A slice key is a
# tuple of `(feature, value)` pairs, sorted by feature name, and the empty tuple is the
# overall slice. The metrics are nested by output name and sub-key (both empty for a
# single-output model), then by metric name. A single number is stored under `doubleValue`;
# a metric computed at several thresholds is an `arrayValue` holding one value per threshold.

# %%
for slice_key, metrics in eval_result.slicing_metrics:
    if slice_key == (("sex", "female"),):
        for name, value in metrics[""][""].items():
            print(f"{name:16s} {value}")


# %% [markdown]
# Slice keys read badly in a table, so here is a helper that names a slice the way we will
# use it from now on: `Overall`, `sex=female`, `class=1st & sex=male`.

# %%
def slice_name(slice_key):
    """Readable name of a TFMA slice key: 'Overall' or 'feature=value & ...'."""
    if not slice_key:
        return "Overall"
    return " & ".join(f"{feature}={value}" for feature, value in slice_key)


print([slice_name(key) for key, _ in eval_result.slicing_metrics])


# %% [markdown]
# ### Exercise 1: the per-slice metrics as a table
#
# Write `slice_table(result)` that turns an `EvalResult` into a pandas `DataFrame` with one
# row per slice, indexed by `slice_name(slice_key)`, and one column per metric that holds a
# single number (`doubleValue`), named as TFMA names it (`example_count`, `binary_accuracy`,
# `auc`, ...). Skip the metrics stored as arrays. Sort the rows by their index.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "189832891ef3aa3ae56ecbc6e1fe7ff5", "grade": false, "grade_id": "slice_table", "locked": false, "schema_version": 3, "solution": true, "task": false}
def slice_table(result):
    """One row per slice (index: slice name), one column per scalar metric."""
    # YOUR CODE HERE
    raise NotImplementedError()


table = slice_table(eval_result)
table

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "3a0ce2584f7f13dd8ef346fde926363a", "grade": true, "grade_id": "slice_table_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check("the overall example count", table.loc["Overall", "example_count"], float(len(eval_frame)),
      hint="index the rows by slice_name(slice_key); the overall slice has the empty key ()")
women = eval_frame[eval_frame["sex"] == "female"]
check("binary_accuracy of the slice 'sex=female'", table.loc["sex=female", "binary_accuracy"],
      np.mean((women["prediction"] > 0.5) == women["label"]), rtol=1e-6,
      hint="read metrics[''][''][name]['doubleValue'] for each metric of each slice")
check_that("the table to have no array-valued columns such as 'tpr'", "tpr" not in table.columns,
           got=list(table.columns), hint="keep only the metrics that have a 'doubleValue'")
check_that("the rows to be sorted by slice name", list(table.index) == sorted(table.index), got=list(table.index),
           hint="end with .sort_index()")

# %% [markdown]
# The table already tells a story. Compare the accuracy of each slice with the overall one,
# and remember the size of each slice: a slice of 20 passengers can swing by 5 points when a
# single prediction changes.

# %%
with needs("exercise 1 (`slice_table`)"):
    cross = table[table.index.str.contains("&")]
    fig, ax = plt.subplots()
    ax.barh(cross.index, cross["binary_accuracy"])
    for row, (accuracy, size) in enumerate(zip(cross["binary_accuracy"], cross["example_count"])):
        ax.text(accuracy + 0.01, row, f"n={size:.0f}", va="center", fontsize=8)
    ax.axvline(table.loc["Overall", "binary_accuracy"], color="black", linestyle="--", label="overall")
    ax.set_xlim(0, 1.1)
    ax.legend(loc="lower right")
    labelled(ax, "Accuracy per sex and class slice", "accuracy at threshold 0.5", "slice",
             caption="The overall accuracy hides slices that are much worse than the average.")
    plt.show()


# %% [markdown]
# ### Exercise 2: find the worst slice
#
# Write `worst_slice(table, metric="binary_accuracy", min_examples=20)` that returns the name
# (the index) of the slice with the lowest value of `metric` among the slices with at least
# `min_examples` examples (`example_count`). Tiny slices are left out because their metrics
# are mostly noise. Return a plain string.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "69da99cb41a6556c482407660d9c115d", "grade": false, "grade_id": "worst_slice", "locked": false, "schema_version": 3, "solution": true, "task": false}
def worst_slice(table, metric="binary_accuracy", min_examples=20):
    """Name of the slice with the lowest ``metric`` among slices of at least ``min_examples`` rows."""
    # YOUR CODE HERE
    raise NotImplementedError()


print("worst slice by accuracy:", worst_slice(table))
print("worst slice by AUC:", worst_slice(table, "auc"))

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "9f52989d8398cdb7a9ef688323169f1c", "grade": true, "grade_id": "worst_slice_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
toy = pd.DataFrame({"example_count": [100.0, 50.0, 5.0, 30.0], "binary_accuracy": [0.8, 0.7, 0.2, 0.75]},
                   index=["Overall", "sex=male", "class=1st & sex=male", "sex=female"])
check("worst_slice(toy)", worst_slice(toy), "sex=male",
      hint="drop the slices with example_count below min_examples first: the 5-example slice does not count")
check("worst_slice(toy, min_examples=1)", worst_slice(toy, min_examples=1), "class=1st & sex=male")
toy_auc = toy.assign(auc=[0.9, 0.85, 0.1, 0.6])
check("worst_slice(toy_auc, 'auc')", worst_slice(toy_auc, "auc"), "sex=female",
      hint="rank the slices by the column named by `metric`, not always by binary_accuracy")
check_that("worst_slice() to return a plain str", type(worst_slice(toy)) is str, got=type(worst_slice(toy)),
           hint="wrap the index label in str(...)")


# %% [markdown]
# Look at the worst slice by AUC before trusting it: second-class women almost all survived,
# so only three of the 23 in that slice are negatives, and an AUC computed from three
# negatives is mostly noise. `min_examples` guards against small slices, but what a ranking
# metric needs is enough examples of *both* classes (compare `mean_label` with 0 and 1).

# %% [markdown]
# ## 3. TFMA on exported models: a release gate
#
# So far TFMA read predictions we had already computed. In a production pipeline it runs the
# **exported models themselves**: it loads each SavedModel, feeds it the evaluation data as
# serialized `tf.Example` records, and computes the same per-slice metrics for every model
# at once. With two models it does one more thing that matters before a release: it compares
# a **candidate** with the **baseline** (the model in production now) and *validates* the
# candidate against thresholds you set. A TFX pipeline pushes a model to serving only when
# that validation passes.
#
# We need TensorFlow models for that. Four small models of survival, each a scikit-learn
# scaler and classifier whose weights we copy into a `tf.Module` with a `serving_default`
# signature that parses `tf.Example` records (the format TFMA and TF Serving read):
#
# - `baseline`: a logistic regression, the model "in production";
# - `candidate`: a small neural network (one hidden layer of 16 units);
# - `no_sex`: the same network trained without the `Sex` column;
# - `labels_only`: the candidate exported with a bug: it serves hard 0/1 labels instead of
#   probabilities (someone exported `predict` instead of `predict_proba`).

# %%
def fit_pipeline(estimator, features):
    return make_pipeline(StandardScaler(), estimator).fit(X_train[features], y_train)


class ServedModel(tf.Module):
    """A fitted scaler + logistic regression or MLP as a TensorFlow graph that reads tf.Examples."""

    def __init__(self, pipeline, features, hard_labels=False):
        super().__init__()
        scaler, estimator = pipeline[0], pipeline[-1]
        self.columns = [FEATURES.index(f) for f in features]
        self.mean = tf.constant(scaler.mean_, tf.float32)
        self.scale = tf.constant(scaler.scale_, tf.float32)
        is_network = isinstance(estimator, MLPClassifier)
        weights = estimator.coefs_ if is_network else [estimator.coef_.T]
        biases = estimator.intercepts_ if is_network else [estimator.intercept_]
        self.layers = [(tf.constant(w, tf.float32), tf.constant(b, tf.float32)) for w, b in zip(weights, biases)]
        self.hard_labels = hard_labels

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def serve(self, examples):
        parsed = tf.io.parse_example(examples, {f: tf.io.FixedLenFeature([], tf.float32) for f in FEATURES})
        h = (tf.gather(tf.stack([parsed[f] for f in FEATURES], axis=1), self.columns, axis=1) - self.mean) / self.scale
        for i, (w, b) in enumerate(self.layers):
            h = h @ w + b
            h = tf.nn.relu(h) if i < len(self.layers) - 1 else h
        survival = tf.sigmoid(h[:, 0])
        return {"survival": tf.cast(survival > 0.5, tf.float32) if self.hard_labels else survival}


no_sex_features = [f for f in FEATURES if f != "Sex"]
network = fit_pipeline(MLPClassifier((16,), alpha=1.0, max_iter=600, random_state=0), FEATURES)
served = {
    "baseline": ServedModel(fit_pipeline(LogisticRegression(), FEATURES), FEATURES),
    "candidate": ServedModel(network, FEATURES),
    "no_sex": ServedModel(fit_pipeline(MLPClassifier((16,), alpha=1.0, max_iter=600, random_state=0), no_sex_features),
                          no_sex_features),
    "labels_only": ServedModel(network, FEATURES, hard_labels=True),
}
MODEL_PATHS = {}
for name, module in served.items():
    MODEL_PATHS[name] = str(WORK_DIR / "models" / name)
    tf.saved_model.save(module, MODEL_PATHS[name], signatures={"serving_default": module.serve})
print("exported:", ", ".join(MODEL_PATHS))

# %% [markdown]
# The evaluation data goes to a TFRecord file of `tf.Example` records: the eight features,
# the label `Survived`, and a readable `sex` column to slice on (features the model does not
# read may still be slicing keys).

# %%
def feature(value):
    if isinstance(value, str):
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value.encode()]))
    return tf.train.Feature(float_list=tf.train.FloatList(value=[float(value)]))


TEST_RECORDS = str(WORK_DIR / "test.tfrecord")
with tf.io.TFRecordWriter(TEST_RECORDS) as writer:
    for (_, row), label in zip(X_test.iterrows(), y_test):
        example = {f: feature(row[f]) for f in FEATURES}
        example.update(Survived=feature(label), sex=feature("male" if row["Sex"] == 1 else "female"))
        writer.write(tf.train.Example(features=tf.train.Features(feature=example)).SerializeToString())
print(len(X_test), "examples in", TEST_RECORDS.rsplit("/", 1)[-1])

# %% [markdown]
# The configuration now names models rather than columns: one `ModelSpec` per model with its
# `name` and `label_key`, the baseline marked `is_baseline: true`. Here it is written in the
# protocol buffer's text format, which reads like the configuration files a pipeline keeps
# in version control; `text_format.Parse` turns it into the same `EvalConfig` object that
# `config_pb2.EvalConfig(...)` builds.

# %%
comparison_config = text_format.Parse("""
    model_specs { name: "candidate" label_key: "Survived" }
    model_specs { name: "baseline"  label_key: "Survived" is_baseline: true }
    slicing_specs {}
    slicing_specs { feature_keys: "sex" }
    metrics_specs {
      metrics { class_name: "ExampleCount" }
      metrics { class_name: "BinaryAccuracy" }
      metrics { class_name: "AUC" }
    }
""", config_pb2.EvalConfig())


def evaluate_models(config, run_name):
    """Run TFMA on the exported models that ``config`` names; returns (results, validation result)."""
    models = [tfma.default_eval_shared_model(eval_saved_model_path=MODEL_PATHS[spec.name], model_name=spec.name,
                                             eval_config=config) for spec in config.model_specs]
    output = str(WORK_DIR / "tfma_models" / run_name)
    results = tfma.run_model_analysis(eval_shared_model=models, eval_config=config, data_location=TEST_RECORDS,
                                      output_path=output)
    return results, tfma.load_validation_result(output)


def model_table(results):
    """One row per (model, slice), one column per scalar metric (``*_diff``: candidate minus baseline)."""
    names = {path: name for name, path in MODEL_PATHS.items()}
    rows = {}
    for result in results.get_results():
        for slice_key, metrics in result.slicing_metrics:
            rows[(names[result.model_location], slice_name(slice_key))] = {
                metric: value["doubleValue"] for metric, value in metrics[""][""].items()}
    return pd.DataFrame.from_dict(rows, orient="index").sort_index()


started = time.perf_counter()
comparison, _ = evaluate_models(comparison_config, "comparison")
print(f"TFMA on two SavedModels: {time.perf_counter() - started:.1f} s")
model_table(comparison).round(3)

# %% [markdown]
# The candidate's rows carry `*_diff` columns, candidate minus baseline on the same slice:
# it is more accurate than the logistic regression on both sexes. Loading and running the
# SavedModels inside Beam costs a few seconds (the time printed above, on this machine), so
# evaluating the models themselves fits the lab's budget.
#
# **Thresholds** turn the comparison into a decision. A `MetricConfig` may carry a
# `threshold` (a `config_pb2.MetricThreshold`) with either or both of:
#
# - a `value_threshold` (`GenericValueThreshold` with `lower_bound` and/or `upper_bound`,
#   each `{"value": ...}`): an absolute requirement on the candidate's metric;
# - a `change_threshold` (`GenericChangeThreshold`) with a `direction`
#   (`config_pb2.MetricDirection.HIGHER_IS_BETTER` or `LOWER_IS_BETTER`) and an `absolute`
#   (and/or `relative`) `{"value": ...}` bound on candidate minus baseline. With
#   `HIGHER_IS_BETTER` and `absolute` -0.01, the candidate passes when its metric is at
#   least 0.01 below the baseline's or better.
#
# A threshold in a `MetricConfig` applies to **every slice** of the configuration, and both
# bounds are inclusive. After the run, `tfma.load_validation_result` returns a
# `ValidationResult`: `validation_ok`, and for each slice with a problem the failing metric
# keys (metric name, model name, `is_diff` for a change threshold). This helper lists the
# failures per model; a model that passed every check has no entry.

# %%
def blocked(validation):
    """{model name: sorted list of failed checks}; a model that passed every check is absent."""
    failures = {}
    for per_slice in validation.metric_validations_per_slice:
        key = tuple((k.column, k.bytes_value.decode()) for k in per_slice.slice_key.single_slice_keys)
        for failure in per_slice.failures:
            metric = failure.metric_key
            check_name = f"{metric.name}{' change' if metric.is_diff else ''} on {slice_name(key)}"
            failures.setdefault(metric.model_name, set()).add(check_name)
    return {model: sorted(checks) for model, checks in failures.items()}


# %% [markdown]
# ### Exercise 3 (a problem): a release gate
#
# The team's release rule for a survival model reads: *a candidate ships only if, overall
# and for each sex, its AUC is at least `min_auc`, and its accuracy is at most
# `max_accuracy_drop` below the production model's.* Write
# `release_gate(candidates, baseline, min_auc, max_accuracy_drop)` that returns the
# `EvalConfig` enforcing it, so that `evaluate_models(release_gate(...), run_name)` blocks
# exactly the candidates that break the rule. It must have:
#
# - one `ModelSpec` per name in `candidates` and one for `baseline` (marked as the
#   baseline), all with the label key `Survived`;
# - the slices overall and per value of `sex`;
# - the metrics `ExampleCount`, `BinaryAccuracy` (at its default threshold, 0.5) and `AUC`,
#   with the thresholds of the rule on them (both bounds inclusive: an AUC equal to
#   `min_auc` passes, and so does a drop of exactly `max_accuracy_drop`).
#
# Build it with `config_pb2` objects or with `text_format` (an f-string), as you prefer. The
# check runs TFMA on three candidates with the rule at `min_auc=0.70`,
# `max_accuracy_drop=0.02` and compares what your gate blocks with what the rule says; the
# grader runs it again with other values.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "f0e953fcabddeb75dbe9856b9d6b3f41", "grade": false, "grade_id": "release_gate", "locked": false, "schema_version": 3, "solution": true, "task": false}
def release_gate(candidates, baseline, min_auc, max_accuracy_drop):
    """EvalConfig that validates each candidate against ``baseline`` with the team's release rule."""
    # YOUR CODE HERE
    raise NotImplementedError()


CANDIDATES = ["candidate", "no_sex", "labels_only"]
gate_results, gate_validation = evaluate_models(release_gate(CANDIDATES, "baseline", 0.70, 0.02), "gate")
print("validation_ok:", gate_validation.validation_ok)
blocked(gate_validation)


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "c335dc7496ce0be5d9663f92e9f553cb", "grade": true, "grade_id": "release_gate_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def scores_of(name):
    """What the exported model ``name`` serves for the test passengers (computed here with NumPy)."""
    module = served[name]
    h = (X_test.to_numpy(dtype="float32")[:, module.columns] - module.mean.numpy()) / module.scale.numpy()
    for i, (w, b) in enumerate(module.layers):
        h = h @ w.numpy() + b.numpy()
        h = np.maximum(h, 0) if i < len(module.layers) - 1 else h
    survival = 1 / (1 + np.exp(-h[:, 0]))
    return (survival > 0.5).astype(float) if module.hard_labels else survival


def rule_says(candidates, min_auc, max_drop):
    """The checks each candidate fails under the release rule, from scikit-learn's metrics."""
    slices = {"Overall": np.ones(len(y_test), bool), "sex=female": X_test["Sex"].to_numpy() == 0,
              "sex=male": X_test["Sex"].to_numpy() == 1}
    base = scores_of("baseline")
    expected = {}
    for name in candidates:
        scores, fails = scores_of(name), set()
        for where, rows in slices.items():
            if roc_auc_score(y_test[rows], scores[rows]) < min_auc:
                fails.add(f"auc on {where}")
            drop = np.mean((scores[rows] > 0.5) == y_test[rows]) - np.mean((base[rows] > 0.5) == y_test[rows])
            if drop < -max_drop:
                fails.add(f"binary_accuracy change on {where}")
        if fails:
            expected[name] = sorted(fails)
    return expected


config = release_gate(CANDIDATES, "baseline", 0.70, 0.02)
check("the model names in the config", sorted(spec.name for spec in config.model_specs), sorted(CANDIDATES + ["baseline"]),
      hint="one ModelSpec per candidate plus one for the baseline")
check("the models marked is_baseline", [spec.name for spec in config.model_specs if spec.is_baseline], ["baseline"])
check("the label keys", sorted({spec.label_key for spec in config.model_specs}), ["Survived"])
check("the slicing specs", sorted(list(spec.feature_keys) for spec in config.slicing_specs), [[], ["sex"]],
      hint="an empty SlicingSpec() for overall and one with feature_keys=['sex']")
check("the metric class names", sorted(m.class_name for spec in config.metrics_specs for m in spec.metrics),
      ["AUC", "BinaryAccuracy", "ExampleCount"], hint="ExampleCount, BinaryAccuracy and AUC, each once")
check("what your gate blocks at min_auc=0.70, max_accuracy_drop=0.02", blocked(gate_validation),
      rule_says(CANDIDATES, 0.70, 0.02),
      hint="AUC needs a value_threshold with a lower_bound; accuracy a change_threshold, HIGHER_IS_BETTER, "
           "absolute -max_accuracy_drop")
check_that("the candidate to pass and the other two to be blocked", set(blocked(gate_validation)) == {"no_sex", "labels_only"},
           got=sorted(blocked(gate_validation)))


# %% [markdown]
# Read the two failures: the network without `Sex` loses accuracy against the production
# model, most of it on women, while its AUC stays above the floor; the hard-label export is as
# accurate as the candidate (same decisions at 0.5), yet two scores, 0 and 1, cannot rank
# passengers, so its AUC falls below the floor for both sexes. Neither bug shows in an overall
# accuracy check alone: that is why a gate combines metrics, slices and a baseline.

# %% [markdown]
# ## 4. Fairness: error rates per group, at several thresholds
#
# Fairness analysis asks whether the model's *errors* fall evenly on the groups it affects.
# Treat "survived" as the positive class and write TP, FP, TN, FN for the four cells of the
# confusion matrix at a decision threshold:
#
# | metric | formula | question it answers |
# |---|---|---|
# | true positive rate (TPR, recall) | TP / (TP + FN) | of the real positives, how many did we catch? |
# | false negative rate (FNR) | FN / (TP + FN) = 1 - TPR | of the real positives, how many did we miss? |
# | false positive rate (FPR) | FP / (FP + TN) | of the real negatives, how many did we wrongly flag? |
# | accuracy | (TP + TN) / all | how often are we right? |
# | AUC | area under the ROC curve | how well do scores rank positives above negatives, at any threshold? |
#
# Two common fairness criteria compare these rates across groups: *equal opportunity* asks
# for equal TPR, *equalized odds* for equal TPR and equal FPR. Which one matters depends on
# the cost of each error for the people involved: in a loan or a medical test a false
# negative and a false positive hurt in very different ways.
#
# The rates depend on the threshold, so a fairness report evaluates them at **several
# thresholds**. Our TFMA run already did, for 0.3, 0.5 and 0.7; here they are for the sex
# slices. TFMA counts a prediction as positive when it is strictly above the threshold.

# %%
def tfma_array(result, name, metric):
    """The per-threshold values of an array metric of the slice called ``name``."""
    for slice_key, metrics in result.slicing_metrics:
        if slice_name(slice_key) == name:
            return np.array(metrics[""][""][metric]["arrayValue"]["float64Values"])
    raise KeyError(f"no slice named {name!r}")


pd.DataFrame({(name, rate): tfma_array(eval_result, name, rate)
              for name in ["sex=female", "sex=male"] for rate in ["tpr", "fpr", "fnr"]},
             index=pd.Index(THRESHOLDS, name="threshold")).round(3)


# %% [markdown]
# ### Exercise 4: the rates at one threshold, by hand
#
# Write `threshold_rates(labels, scores, threshold)` that returns a dict with the keys
# `"tpr"`, `"fpr"`, `"fnr"` and `"accuracy"` as floats, counting a score **strictly above**
# the threshold as a positive prediction, as TFMA does. `labels` holds 0s and 1s. When a
# rate has no examples in its denominator (no positives, or no negatives), return `nan`
# for it.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "7b210611b063c2e8e65e2f731710889c", "grade": false, "grade_id": "threshold_rates", "locked": false, "schema_version": 3, "solution": true, "task": false}
def threshold_rates(labels, scores, threshold):
    """TPR, FPR, FNR and accuracy of ``scores > threshold`` against 0/1 ``labels``."""
    # YOUR CODE HERE
    raise NotImplementedError()


men = eval_frame[eval_frame["sex"] == "male"]
threshold_rates(men["label"], men["prediction"], 0.5)

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "4014b4c91faee1b82eb53c7a53bd33ac", "grade": true, "grade_id": "threshold_rates_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
mine = [threshold_rates(men["label"], men["prediction"], t) for t in THRESHOLDS]
check("TPR of the men at thresholds 0.3, 0.5, 0.7", [r["tpr"] for r in mine], tfma_array(eval_result, "sex=male", "tpr"),
      rtol=1e-6, hint="TPR = TP / (TP + FN), with a positive prediction meaning score > threshold")
check("FPR of the men at thresholds 0.3, 0.5, 0.7", [r["fpr"] for r in mine], tfma_array(eval_result, "sex=male", "fpr"),
      rtol=1e-6, hint="FPR = FP / (FP + TN): the share of real negatives predicted positive")
check("threshold_rates([1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], 0.5)",
      threshold_rates([1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], 0.5), {"tpr": 0.5, "fpr": 0.5, "fnr": 0.5, "accuracy": 0.5})
check("the TPR of threshold_rates([1, 0], [0.5, 0.2], 0.5) (a score equal to the threshold)",
      threshold_rates([1, 0], [0.5, 0.2], 0.5)["tpr"], 0.0, hint="only a score strictly above the threshold is positive")
no_negatives = threshold_rates([1, 1], [0.2, 0.9], 0.5)
check_that("the FPR of threshold_rates([1, 1], [0.2, 0.9], 0.5) (no negatives) to be nan", np.isnan(no_negatives["fpr"]),
           got=no_negatives, hint="return float('nan') when the denominator FP + TN is zero")
check_that("every value of threshold_rates to be a float", all(isinstance(v, float) for v in mine[1].values()),
           got={k: type(v).__name__ for k, v in mine[1].items()}, hint="wrap each rate in float(...)")

# %% [markdown]
# A threshold-free picture: the ROC curve of each group plots TPR against FPR for every
# threshold, and the AUC summarises it. Two groups can have the same AUC and still get very
# different rates at the one threshold you deploy.

# %%
fig, ax = plt.subplots()
for sex, group in eval_frame.groupby("sex"):
    fpr, tpr, _ = roc_curve(group["label"], group["prediction"])
    ax.plot(fpr, tpr, label=f"{sex} (AUC {roc_auc_score(group['label'], group['prediction']):.2f})")
ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="chance")
ax.legend()
labelled(ax, "ROC curve per sex", "false positive rate", "true positive rate",
         caption="Same model, two groups: the trade-off between catching survivors and false alarms differs.")
plt.show()


# %% [markdown]
# ### fairlearn's `MetricFrame`
#
# Computing a table of rates per group is what `fairlearn.metrics.MetricFrame` is for. Give
# it a dict of metrics (any function `metric(y_true, y_pred)`), the labels, the decisions and
# the sensitive feature; `by_group` is the per-group table, `overall` the whole-population
# row, and `difference()` the largest minus the smallest value across groups, per metric.
# fairlearn ships the rates as functions (`true_positive_rate`, `false_positive_rate`,
# `false_negative_rate`, `selection_rate`, `count`).

# %%
decisions = (eval_frame["prediction"] > 0.5).astype(int)
by_sex = MetricFrame(
    metrics={"accuracy": accuracy_score, "tpr": true_positive_rate, "fpr": false_positive_rate,
             "selection rate": selection_rate, "count": count},
    y_true=eval_frame["label"].astype(int), y_pred=decisions, sensitive_features=eval_frame["sex"])
print(by_sex.by_group.round(3))
print("gaps (max - min):", by_sex.difference().drop("count").round(3).to_dict())


# %% [markdown]
# At 0.5 the model is about as accurate for men as for women, yet it lets almost every
# surviving woman through and flags only a quarter of the surviving men: the TPR gap is the
# largest. Similar accuracy, very different errors.
#
# ### Exercise 5: fairness gaps across thresholds, with `MetricFrame`
#
# Write `fairness_gaps(frame, group, thresholds)` for a table like `eval_frame` (columns
# `label`, `prediction` and the column named by `group`). For each threshold, decide
# `prediction > threshold`, build a `MetricFrame` of TPR, FPR, FNR and accuracy by the
# column `group`, and return a `DataFrame` indexed by threshold (in the given order) with the
# columns `tpr_gap`, `fpr_gap`, `fnr_gap` and `accuracy_gap`: the largest value minus the
# smallest value of that rate across the groups (`difference()`).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "8f40c3a386c1d0251511bbc6ad7c9789", "grade": false, "grade_id": "fairness_gaps", "locked": false, "schema_version": 3, "solution": true, "task": false}
def fairness_gaps(frame, group, thresholds):
    """Per threshold, the max-minus-min spread of TPR, FPR, FNR and accuracy across groups."""
    # YOUR CODE HERE
    raise NotImplementedError()


sweep = np.round(np.arange(0.1, 0.91, 0.05), 2)
gaps = fairness_gaps(eval_frame, "sex", sweep)
gaps.loc[THRESHOLDS].round(3)

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "04c4545a6b748cf6baacf1bd2a6b7754", "grade": true, "grade_id": "fairness_gaps_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
female_t, male_t = tfma_array(eval_result, "sex=female", "tpr"), tfma_array(eval_result, "sex=male", "tpr")
check("tpr_gap between the sexes at 0.3, 0.5, 0.7", gaps.loc[THRESHOLDS, "tpr_gap"].to_numpy(), np.abs(female_t - male_t),
      rtol=1e-6, hint="for two groups the gap is |rate(female) - rate(male)|: MetricFrame's difference()")
for rate in ["fpr", "fnr"]:
    check(f"{rate}_gap between the sexes at 0.3, 0.5, 0.7", gaps.loc[THRESHOLDS, f"{rate}_gap"].to_numpy(),
          np.abs(tfma_array(eval_result, "sex=female", rate) - tfma_array(eval_result, "sex=male", rate)), rtol=1e-6,
          hint=f"put {rate} in the MetricFrame's metrics too")
right_f = [np.mean((women["prediction"] > t) == women["label"]) for t in THRESHOLDS]
right_m = [np.mean((men["prediction"] > t) == men["label"]) for t in THRESHOLDS]
check("accuracy_gap between the sexes at 0.3, 0.5, 0.7", gaps.loc[THRESHOLDS, "accuracy_gap"].to_numpy(),
      np.abs(np.subtract(right_f, right_m)), rtol=1e-6, hint="accuracy_score as the fourth metric")
check("the columns of fairness_gaps", sorted(gaps.columns), ["accuracy_gap", "fnr_gap", "fpr_gap", "tpr_gap"])
check("the index of fairness_gaps(eval_frame, 'sex', [0.6, 0.4])", list(fairness_gaps(eval_frame, "sex", [0.6, 0.4]).index),
      [0.6, 0.4], hint="one row per threshold, in the order given")


# %%
with needs("exercise 5 (`fairness_gaps`)"):
    fig, ax = plt.subplots()
    for column in ["tpr_gap", "fpr_gap", "accuracy_gap"]:
        ax.plot(gaps.index, gaps[column], marker="o", markersize=3, label=column)
    ax.legend()
    labelled(ax, "Gaps between women and men across thresholds", "decision threshold", "max - min across groups",
             caption="The size of each gap depends on the threshold: report several, not just 0.5.")
    plt.show()


# %% [markdown]
# ### Exercise 6: how close are the decisions?
#
# A fairness report should also say how *fragile* each group's decisions are. If many of a
# group's scores sit just above or below the threshold, a small change (retraining, a new
# model version, a slightly different threshold) flips many of their outcomes, and the
# group's rates are unstable. Write `near_threshold_share(frame, group, threshold, margin)`
# that returns a pandas `Series` indexed by group value: the fraction of that group's
# predictions with `|prediction - threshold| <= margin`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "c1f56f6050fbd43b4e947d6c6d908d77", "grade": false, "grade_id": "near_threshold", "locked": false, "schema_version": 3, "solution": true, "task": false}
def near_threshold_share(frame, group, threshold, margin):
    """Per group, the share of predictions within ``margin`` of ``threshold``."""
    # YOUR CODE HERE
    raise NotImplementedError()


near_threshold_share(eval_frame, "class", 0.5, 0.1)

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "94e52b765201c82e7cbb63b535ce23e8", "grade": true, "grade_id": "near_threshold_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
toy_frame = pd.DataFrame({"prediction": [0.45, 0.9, 0.52, 0.1, 0.6], "g": ["a", "a", "b", "b", "b"]})
check("near_threshold_share(toy_frame, 'g', 0.5, 0.05)", near_threshold_share(toy_frame, "g", 0.5, 0.05).to_dict(),
      {"a": 0.5, "b": 1 / 3}, hint="within the margin means |prediction - threshold| <= margin; average per group")
edge_frame = pd.DataFrame({"prediction": [0.75, 0.25, 0.8], "g": ["x", "x", "y"]})
check("near_threshold_share(edge_frame, 'g', 0.5, 0.25) (scores exactly at the margin)",
      near_threshold_share(edge_frame, "g", 0.5, 0.25).to_dict(), {"x": 1.0, "y": 0.0},
      hint="a score exactly `margin` away counts as near: use <=, not <")


# %% [markdown]
# **Reporting a small decision margin.** When a group has a large share of scores near the
# threshold, its error rates can change by several points from one model version to the next
# with no real change in the model's quality. Report those rates with their slice size and
# their near-threshold share, show them at several thresholds, and be careful before
# concluding that one model is fairer than another. TensorFlow's Fairness Indicators package
# draws exactly these per-slice, per-threshold rates on top of TFMA.
#
# ### Remediation: post-processing with `ThresholdOptimizer`
#
# Measuring a gap is half the job; the other half is deciding what to do about it. fairlearn
# offers two families of remedies. *Reductions* (`ExponentiatedGradient`, `GridSearch`)
# retrain the model under a fairness constraint. *Post-processing*
# (`fairlearn.postprocessing.ThresholdOptimizer`) keeps the trained model and picks a
# decision threshold **per group** (randomising between two thresholds where it must) so
# that a constraint holds on the data it is fitted on, while maximising an objective such as
# accuracy. Its main arguments:
#
# - `estimator`, and `prefit=True` when it is already trained (it is then not refitted);
# - `predict_method="predict_proba"` to threshold the model's probabilities;
# - `constraints`: `"true_positive_rate_parity"` (equal opportunity),
#   `"false_positive_rate_parity"`, `"equalized_odds"` (both), `"demographic_parity"`;
# - `objective="accuracy_score"`.
#
# `fit(X, y, sensitive_features=...)` chooses the thresholds; `predict(X,
# sensitive_features=..., random_state=...)` decides, and needs the sensitive feature of
# every person it decides for. The randomisation makes `random_state` part of the result.
#
# ### Exercise 7: equalise the rates with `ThresholdOptimizer`
#
# Write `equalize(model, X, y, groups, constraint)` that post-processes the already fitted
# classifier `model` with a fairlearn `ThresholdOptimizer` (prefit, thresholds on
# `predict_proba`, objective accuracy, the given `constraint`), fits it on `X`, `y` and the
# sensitive feature `groups`, and returns the fitted optimiser. On the data it was fitted on,
# its decisions (`predict(..., random_state=0)`) must then satisfy the constraint to within
# 0.03: a TPR gap of at most 0.03 for `"true_positive_rate_parity"`, TPR and FPR gaps of at
# most 0.03 each for `"equalized_odds"`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "8fadb8e2c95b0e85c04de3f1f36ff52d", "grade": false, "grade_id": "equalize", "locked": false, "schema_version": 3, "solution": true, "task": false}
def equalize(model, X, y, groups, constraint):
    """A fitted fairlearn ThresholdOptimizer enforcing ``constraint`` across ``groups`` on (X, y)."""
    # YOUR CODE HERE
    raise NotImplementedError()


sex_train = np.where(X_train["Sex"] == 1, "male", "female")
sex_test = eval_frame["sex"].to_numpy()
fair_model = equalize(model, X_train, y_train, sex_train, "true_positive_rate_parity")


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "2adaf0f809cb8700176fb86f79813c2a", "grade": true, "grade_id": "equalize_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def gaps_of(optimizer, X, y, groups):
    decided = optimizer.predict(X, sensitive_features=groups, random_state=0)
    frame_g = MetricFrame(metrics={"tpr": true_positive_rate, "fpr": false_positive_rate}, y_true=y, y_pred=decided,
                          sensitive_features=groups)
    return frame_g.difference()


check_that("equalize() to return a fitted ThresholdOptimizer", isinstance(fair_model, ThresholdOptimizer)
           and hasattr(fair_model, "interpolated_thresholder_"), got=type(fair_model),
           hint="ThresholdOptimizer(estimator=model, constraints=..., prefit=True, predict_method='predict_proba', "
                "objective='accuracy_score').fit(X, y, sensitive_features=groups)")
check_that("the TPR gap between the sexes on the training data to be at most 0.03",
           gaps_of(fair_model, X_train, y_train, sex_train)["tpr"] <= 0.03, got=gaps_of(fair_model, X_train, y_train, sex_train))
odds_model = equalize(model, X_train, y_train, sex_train, "equalized_odds")
check_that("with 'equalized_odds', both the TPR and the FPR gaps on the training data to be at most 0.03",
           gaps_of(odds_model, X_train, y_train, sex_train).max() <= 0.03, got=gaps_of(odds_model, X_train, y_train, sex_train),
           hint="pass the constraint through: constraints=constraint")

# %% [markdown]
# What did it cost, and does the gap stay closed on passengers the optimiser never saw?

# %%
with needs("exercise 7 (`equalize`)"):
    effect = {}
    for name, decided in [("gradient boosting at 0.5", (test_scores > 0.5).astype(int)),
                          ("with equal-opportunity thresholds", fair_model.predict(X_test, sensitive_features=sex_test,
                                                                                   random_state=0))]:
        frame_e = MetricFrame(metrics={"accuracy": accuracy_score, "tpr": true_positive_rate, "fpr": false_positive_rate},
                              y_true=y_test, y_pred=decided, sensitive_features=sex_test)
        effect[name] = {"test accuracy": frame_e.overall["accuracy"], "TPR gap": frame_e.difference()["tpr"],
                        "FPR gap": frame_e.difference()["fpr"], "TPR women": frame_e.by_group.loc["female", "tpr"],
                        "TPR men": frame_e.by_group.loc["male", "tpr"]}
    effect = pd.DataFrame(effect).T
    print(effect.round(3))

# %% [markdown]
# On the test set the post-processed decisions shrink the TPR gap several times over, but
# not to the 0.03 reached on the training data (about 40 surviving men and 80 surviving women
# in the test set make each rate uncertain by several points), and they cost accuracy: the
# thresholds now reject many women the model was right about and accept men it is unsure of.
#
# ### Written answer: would you deploy it?
#
# Suppose a model like this one made a decision that benefits the people it selects (a place
# in a programme with limited spots, say), and the groups were the applicants' sexes. Using
# the numbers in the table above, would you replace the gradient-boosting decisions with the
# equal-opportunity thresholds? A full-mark answer, in four to six sentences: states a
# decision; names the fairness criterion it relies on and why that one fits the harm (whose
# missed benefit counts); quotes the measured accuracy cost and the remaining test-set gap;
# and names one risk or alternative (for example that the thresholds use the sensitive
# feature at decision time, the small test groups, or retraining with a reduction such as
# `ExponentiatedGradient` instead).

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "f26381d4ef2ade6ff9ef6e493c75c4d7", "grade": true, "grade_id": "fairness_decision", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# YOUR ANSWER HERE

# %% [markdown]
# ## 5. Residual analysis
#
# For a regression model, the *residual* of an example is `truth - prediction`. A good model
# leaves residuals that look like noise: centred on zero, with no relationship to any
# feature and no correlation between one residual and the next. A pattern is information the
# model failed to use.
#
# - **Random** residuals (good): no trend against the prediction or any feature.
# - **Systematic** residuals (bad): a curve, a slope or a funnel, meaning a missing feature, a
#   missing non-linearity or a variance that grows with the target.
#
# A synthetic example (made up here, so we know the truth): the target depends on `x1`
# linearly and on `x2` quadratically, and a plain linear regression sees both features.

# %%
rng = np.random.default_rng(10)
synthetic = pd.DataFrame({"x1": rng.uniform(-2, 2, 400), "x2": rng.uniform(-2, 2, 400)})
synthetic["y"] = 3 * synthetic["x1"] + 1.5 * synthetic["x2"] ** 2 + rng.normal(0, 0.5, 400)

linear = LinearRegression().fit(synthetic[["x1", "x2"]], synthetic["y"])
residuals = synthetic["y"] - linear.predict(synthetic[["x1", "x2"]])
with_square = synthetic.assign(x2_squared=synthetic["x2"] ** 2)
fixed = LinearRegression().fit(with_square[["x1", "x2", "x2_squared"]], synthetic["y"])
fixed_residuals = synthetic["y"] - fixed.predict(with_square[["x1", "x2", "x2_squared"]])
print("correlation of residuals with x2:", round(np.corrcoef(residuals, synthetic["x2"])[0, 1], 4))

# %% [markdown]
# The correlation is zero: least squares makes the residuals uncorrelated with every feature
# it sees, so a correlation test finds nothing. The pattern shows up when we plot the
# residuals against each feature.

# %%
fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), sharey=True)
for ax, (feature, values, title) in zip(axes, [("x1", residuals, "linear model"), ("x2", residuals, "linear model"),
                                              ("x2", fixed_residuals, "with x2 squared")]):
    ax.scatter(synthetic[feature], values, s=6, alpha=0.5)
    ax.axhline(0, color="black", linewidth=1)
    labelled(ax, f"{title}: residual vs {feature}", feature, "residual")
fig.tight_layout()
add_caption(fig, "Against x2 the linear model's residuals form a U (systematic); adding x2 squared leaves noise.",
            title="Residual analysis on synthetic data")
plt.show()


# %% [markdown]
# ### Exercise 8: residual means along a feature
#
# A plot needs a human to look at it; a number can be checked automatically, for every
# feature and every new model version. Write `binned_residuals(feature, residuals, n_bins)`:
# sort the rows by `feature` (use `np.argsort(feature, kind="stable")`), split the sorted
# positions into `n_bins` nearly equal groups with `np.array_split`, and return a NumPy array
# with the mean residual of each group, from the smallest feature values to the largest.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "2ce62fa050974fd5f3fbdd711f19d536", "grade": false, "grade_id": "binned_residuals", "locked": false, "schema_version": 3, "solution": true, "task": false}
def binned_residuals(feature, residuals, n_bins):
    """Mean residual in each of ``n_bins`` equal-count bins along ``feature``."""
    # YOUR CODE HERE
    raise NotImplementedError()


print("linear model, along x2:", binned_residuals(synthetic["x2"], residuals, 5).round(2))
print("fixed model,  along x2:", binned_residuals(synthetic["x2"], fixed_residuals, 5).round(2))

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "80f4970ed3ba05021187050fe146a0eb", "grade": true, "grade_id": "binned_residuals_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check("binned_residuals([3, 1, 2, 4], [30, 10, 20, 40], 2)", binned_residuals([3, 1, 2, 4], [30, 10, 20, 40], 2),
      [15.0, 35.0], hint="sort by the feature, split the order in n_bins parts, average the residuals of each part")
check_that("binned_residuals to return a NumPy array", isinstance(binned_residuals([3, 1, 2, 4], [30, 10, 20, 40], 2), np.ndarray),
           got=type(binned_residuals([3, 1, 2, 4], [30, 10, 20, 40], 2)), hint="wrap the list of means in np.array(...)")
u_shape = binned_residuals(synthetic["x2"], residuals, 5)
check_that("the linear model's residuals along x2 to be high at both ends and low in the middle",
           u_shape[0] > u_shape[2] + 1 and u_shape[-1] > u_shape[2] + 1, got=u_shape)

# %% [markdown]
# ## 6. Sensitivity analysis and random attacks
#
# Sensitivity analysis asks how much the prediction moves when an input moves. It tells you
# which features the model really responds to, whether the response is plausible, and how
# easily someone could push a decision over the threshold. The simplest form is a *what-if*:
# take one passenger, change one feature over a range, and watch the prediction.

# %%
passenger = X_test.iloc[[0]]
ages = np.arange(1, 81)
what_if = pd.concat([passenger] * len(ages), ignore_index=True).assign(Age=ages)
as_man = model.predict_proba(what_if.assign(Sex=1))[:, 1]
as_woman = model.predict_proba(what_if.assign(Sex=0))[:, 1]
print(f"passenger {test.index[0]}: {passenger['Age'].iloc[0]:.0f} years old, class {passenger['Pclass'].iloc[0]}, "
      f"{'male' if passenger['Sex'].iloc[0] == 1 else 'female'}, fare {passenger['Fare'].iloc[0]:.2f}")
fig, ax = plt.subplots()
ax.plot(ages, as_woman, label="as a woman")
ax.plot(ages, as_man, label="as a man")
ax.axhline(0.5, color="grey", linestyle=":")
ax.legend()
labelled(ax, f"What if passenger {test.index[0]} had another age?", "age (years)", "predicted survival",
         caption=f"Trees respond in steps. As a man, only ages up to {ages[as_man > 0.5].max()} cross 0.5; "
                 f"as a woman the prediction swings between {as_woman.min():.2f} and {as_woman.max():.2f}.")
plt.show()


# %% [markdown]
# ### Exercise 9: average sensitivity to one feature
#
# Write `sensitivity(predict_fn, X, feature, delta)` where `predict_fn` maps a `DataFrame`
# to an array of probabilities. Add `delta` to column `feature` of a **copy** of `X` (leave
# `X` unchanged) and return the mean absolute change of the predictions, as a float.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "9e76a78c8b7d22be6144789b1ae1d654", "grade": false, "grade_id": "sensitivity", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sensitivity(predict_fn, X, feature, delta):
    """Mean |f(X with feature + delta) - f(X)| over the rows of X."""
    # YOUR CODE HERE
    raise NotImplementedError()


def survival_probability(frame):
    return model.predict_proba(frame[FEATURES])[:, 1]


shifts = {"Age": 5, "Fare": 10, "SibSp": 1, "Parch": 1}
pd.Series({f"{name} {delta:+}": sensitivity(survival_probability, X_test, name, delta)
           for name, delta in shifts.items()}).round(3)

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "adab4e74a6239364f0270a4060021fa5", "grade": true, "grade_id": "sensitivity_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
X_before = X_test.copy()
doubling = sensitivity(lambda frame: frame["Fare"].to_numpy() * 2.0, X_test, "Fare", 3.0)
check("sensitivity of f = 2 * Fare to Fare + 3", doubling, 6.0,
      hint="shift the column on a copy, predict both tables, and average the absolute difference")
check_that("X_test to be unchanged after sensitivity()", X_test.equals(X_before),
           hint="work on X.copy(), never on the caller's DataFrame")
check_that("sensitivity() to return a float", isinstance(doubling, float), got=type(doubling), hint="wrap the mean in float(...)")


# %% [markdown]
# **Random attacks** go the other way: instead of one chosen change, throw many random ones
# at the model and count how often its decision changes. A model whose decisions flip under
# small noise is fragile, and inputs that nobody would consider different get different
# outcomes. (Deliberate *adversarial* attacks search for the worst small change instead of a
# random one, and find far more flips.)
#
# ### Exercise 10: flip rate under random noise
#
# Write `random_attack(predict_fn, X, columns, noise_scale, n_trials, seed)`. Create one
# generator `rng` from `np.random.default_rng(seed)` before the loop. For each of `n_trials`
# trials, copy `X` and add to each column in `columns` Gaussian noise with standard deviation
# `noise_scale * X[column].std()` (draw it with `rng.normal(0, that_std, len(X))`, columns in
# the given order). Return the fraction of all (row, trial) pairs whose decision
# (`prediction > 0.5`) differs from the decision on the clean `X`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "c2821b6364a22e72b3a75fb9ffeefb4a", "grade": false, "grade_id": "random_attack", "locked": false, "schema_version": 3, "solution": true, "task": false}
def random_attack(predict_fn, X, columns, noise_scale, n_trials, seed):
    """Share of decisions (prediction > 0.5) that flip when Gaussian noise is added to ``columns``."""
    # YOUR CODE HERE
    raise NotImplementedError()


scales = [0.01, 0.05, 0.1, 0.2, 0.5]
flip_rates = [random_attack(survival_probability, X_test, ["Age", "Fare"], s, 5, seed=0) for s in scales]
pd.Series(flip_rates, index=pd.Index(scales, name="noise (in standard deviations)"), name="flip rate").round(3)

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "103a2cfde6494602a9f0bab879a8bf08", "grade": true, "grade_id": "random_attack_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check("random_attack with zero noise", random_attack(survival_probability, X_test, ["Age"], 0.0, 3, seed=1), 0.0,
      hint="with no noise nothing changes, so no decision flips")
check_that("more noise to flip at least as many decisions (0.01 vs 0.5 standard deviations)",
           flip_rates[-1] > flip_rates[0], got=flip_rates)
twice = [random_attack(survival_probability, X_test, ["Age", "Fare"], 0.2, 2, seed=3) for _ in range(2)]
check_that("the same seed to give the same flip rate", twice[0] == twice[1], got=twice,
           hint="create the generator from `seed` inside the function, once, before the trials")

# %%
with needs("exercise 10 (`random_attack`)"):
    fig, ax = plt.subplots()
    ax.plot(scales, flip_rates, marker="o")
    ax.set_xscale("log")
    labelled(ax, "Random attack on age and fare", "noise (standard deviations of each feature)", "share of decisions flipped",
             caption="Tiny noise already flips decisions: many cheap fares sit within pennies of a tree split. More noise, more flips.")
    plt.show()


# %% [markdown]
# ## 7. Adversarial examples: the fast gradient sign method
#
# A random attack asks how often *noise* flips a decision. An adversary does not add noise:
# they look for the **worst** small change. For a differentiable model the gradient of the
# loss with respect to the *input* says which direction increases the loss fastest, and the
# **fast gradient sign method** (FGSM, Goodfellow et al., 2015) takes one step of size
# `epsilon` along its sign:
#
# x_adv = clip(x + ε · sign(∇ₓ loss(f(x), y)), 0, 1)
#
# Every pixel moves by at most ε (an L∞ budget), the same budget as random ±ε noise. The
# gradient-boosted trees above have no gradient, so we attack a small network on the 8x8
# digits (pixels scaled to [0, 1]) and compare FGSM with random ±ε noise on the same model.

# %%
x_digits_train, x_digits_test, d_train, d_test = train_test("digits", seed=10)
to_logits = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def digits_network(seed=0):
    """A 64-64-10 network that outputs logits."""
    keras.utils.set_random_seed(seed)
    net = keras.Sequential([keras.Input((64,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10)])
    net.compile(optimizer=keras.optimizers.Adam(0.01), loss=to_logits, metrics=["accuracy"])
    return net


def digits_accuracy(net, x, y):
    return float(np.mean(np.argmax(net(np.asarray(x, dtype="float32")).numpy(), axis=1) == y))


digits_net = digits_network()
digits_net.fit(x_digits_train, d_train, epochs=10, batch_size=64, verbose=0)
print(f"{len(x_digits_train)} training images; clean test accuracy {digits_accuracy(digits_net, x_digits_test, d_test):.3f}")


# %% [markdown]
# ### Exercise 11: FGSM with `GradientTape`
#
# Write `fgsm(model, x, y, epsilon)` for a Keras `model` that maps a batch of images (shape
# `(n, 64)`, values in [0, 1]) to **logits** for 10 classes, and integer labels `y`. Compute
# the loss `keras.losses.SparseCategoricalCrossentropy(from_logits=True)` of the batch inside
# a `tf.GradientTape` that watches the input, take the gradient with respect to the input,
# step by `epsilon` times its sign, and clip to [0, 1]. Return a float32 NumPy array of the
# same shape as `x`. With `epsilon=0` the images come back unchanged.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "543344d52c6faf762bd1d63269f50bad", "grade": false, "grade_id": "fgsm", "locked": false, "schema_version": 3, "solution": true, "task": false}
def fgsm(model, x, y, epsilon):
    """Fast-gradient-sign adversarial images for a logits model, clipped to [0, 1]."""
    # YOUR CODE HERE
    raise NotImplementedError()


attacked = fgsm(digits_net, x_digits_test, d_test, 0.1)
print(f"accuracy on FGSM images at epsilon 0.1: {digits_accuracy(digits_net, attacked, d_test):.3f}")

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "756f9ce5af79be2c998a724bc02c14ce", "grade": true, "grade_id": "fgsm_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# A linear model whose input gradient we know in closed form: d loss / d x = (softmax(xW + b) - onehot(y)) W^T.
rng_f = np.random.default_rng(1)
linear_digits = keras.Sequential([keras.Input((64,)), keras.layers.Dense(10)])
W_f, b_f = rng_f.normal(size=(64, 10)).astype("float32"), rng_f.normal(size=10).astype("float32")
linear_digits.layers[0].set_weights([W_f, b_f])
x_f, y_f = x_digits_test[:20], d_test[:20]
logits_f = x_f @ W_f + b_f
soft_f = np.exp(logits_f - logits_f.max(axis=1, keepdims=True))
soft_f /= soft_f.sum(axis=1, keepdims=True)
gradient_f = (soft_f - np.eye(10)[y_f]) @ W_f.T
got_f = fgsm(linear_digits, x_f, y_f, 0.05)
check("fgsm on a linear model vs the closed-form gradient sign", got_f, np.clip(x_f + 0.05 * np.sign(gradient_f), 0, 1),
      atol=1e-6, hint="the loss is SparseCategoricalCrossentropy(from_logits=True); step along tf.sign of its input gradient")
check("fgsm with epsilon=0", fgsm(digits_net, x_f, y_f, 0.0), x_f, atol=0,
      hint="with no budget the images must come back unchanged")
check_that("every pixel to stay in [0, 1] and move by at most epsilon",
           attacked.min() >= 0 and attacked.max() <= 1 and np.abs(attacked - x_digits_test).max() <= 0.1 + 1e-6,
           got=(attacked.min(), attacked.max(), np.abs(attacked - x_digits_test).max()), hint="clip to [0, 1] after the step")
check_that("fgsm's result to be a float32 array shaped like x", isinstance(attacked, np.ndarray)
           and attacked.dtype == np.float32 and attacked.shape == x_digits_test.shape,
           got=(type(attacked).__name__, getattr(attacked, "dtype", None), np.shape(attacked)), hint="return .numpy() of the clipped tensor")

# %% [markdown]
# Now the comparison the random attack of section 6 sets up: the same L∞ budget spent at
# random (each pixel ±ε, clipped) or along the gradient sign.

# %%
EPSILONS = [0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3]
with needs("exercise 11 (`fgsm`)"):
    rng_noise = np.random.default_rng(0)
    under_attack = pd.DataFrame({
        "random ±ε": [digits_accuracy(digits_net, np.clip(x_digits_test + e * rng_noise.choice([-1.0, 1.0], x_digits_test.shape),
                                                           0, 1).astype("float32"), d_test) for e in EPSILONS],
        "FGSM": [digits_accuracy(digits_net, fgsm(digits_net, x_digits_test, d_test, e), d_test) for e in EPSILONS],
    }, index=pd.Index(EPSILONS, name="epsilon"))
    fig, ax = plt.subplots()
    for column, marker in [("random ±ε", "o"), ("FGSM", "s")]:
        ax.plot(EPSILONS, under_attack[column], marker=marker, label=column)
    ax.legend()
    labelled(ax, "Digits network under attack", "epsilon (largest change of any pixel)", "test accuracy",
             caption=f"At epsilon 0.1, random noise leaves {under_attack.loc[0.1, 'random ±ε']:.0%} accuracy; "
                     f"FGSM, with the same budget, leaves {under_attack.loc[0.1, 'FGSM']:.0%}.")
    plt.show()
    print(under_attack.round(3))

# %% [markdown]
# Random noise of size ε is almost harmless: in 64 dimensions a random direction is nearly
# orthogonal to the few directions that matter. The gradient points straight at them. An
# accuracy test under random noise therefore says little about robustness to an adversary.
#
# Defences come in two kinds. **Adversarial training** trains on adversarial examples of the
# model being trained (FGSM images of each batch, made with the current weights, mixed with
# the clean batch), so the model learns to resist the step. **Input transformations**
# (smoothing, quantising pixels) try to wash the perturbation out; many of them only hide
# the gradient from the attacker (*gradient masking*) and fall to an attacker who adapts, which
# is why the acceptance test below attacks your model through its own gradients and checks
# that those gradients exist.
#
# ### Exercise 12 (a problem): a model that resists FGSM
#
# Write `train_robust_model(x, y)` that trains and returns a Keras model on the digits images
# `x` (shape `(n, 64)`, in [0, 1]) with labels `y`. Acceptance test, on the test images:
#
# - clean accuracy at least 0.92;
# - accuracy at least 0.60 on FGSM images made *against your model* at ε = 0.1 (the network
#   above keeps under half);
# - the model outputs logits for 10 classes and is differentiable: the input gradient of the
#   loss is non-zero for at least 90% of the test images;
# - deterministic (seed it inside the function) and quick: aim for under 15 s of training.
#
# How you get there is yours: adversarial training is the standard route (a custom training
# step with two `GradientTape`s, or a few rounds of "attack the current model, fit on clean
# plus attacked images"); you choose the ε you train at, the mix and the epochs.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "e2c7652529efeb3df22fecacab8095f2", "grade": false, "grade_id": "robust_model", "locked": false, "schema_version": 3, "solution": true, "task": false}
def train_robust_model(x, y):
    """A logits model for the digits that keeps its accuracy under FGSM at epsilon 0.1."""
    # YOUR CODE HERE
    raise NotImplementedError()


started = time.perf_counter()
robust_net = train_robust_model(x_digits_train, d_train)
print(f"trained in {time.perf_counter() - started:.1f} s")


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "26223c6cf8c11e28d5818a2b23015fbc", "grade": true, "grade_id": "robust_model_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def input_gradients(net, x, y):
    images = tf.convert_to_tensor(x, dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(images)
        per_image = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=None)(y, net(images))
    return tape.gradient(per_image, images).numpy()


check("the shape of your model's output", tuple(robust_net(x_digits_test[:3]).shape), (3, 10),
      hint="one logit per class, no softmax at the end")
clean_robust = digits_accuracy(robust_net, x_digits_test, d_test)
check_that("clean test accuracy of at least 0.92", clean_robust >= 0.92, got=clean_robust)
nonzero = float(np.mean(np.abs(input_gradients(robust_net, x_digits_test, d_test)).max(axis=1) > 0))
check_that("a non-zero input gradient for at least 90% of the test images", nonzero >= 0.9, got=nonzero,
           hint="a defence that hides the gradient is not robust; keep the model differentiable")
attacked_robust = digits_accuracy(robust_net, fgsm(robust_net, x_digits_test, d_test, 0.1), d_test)
check_that("accuracy of at least 0.60 under FGSM at epsilon 0.1 (with your fgsm)", attacked_robust >= 0.60,
           got=attacked_robust, hint="train on FGSM images of the model being trained, mixed with the clean ones")

# %%
with needs("exercise 11 (`fgsm`)", "exercise 12 (`train_robust_model`)"):
    robust_curve = [digits_accuracy(robust_net, fgsm(robust_net, x_digits_test, d_test, e), d_test) for e in EPSILONS]
    fig, ax = plt.subplots()
    ax.plot(EPSILONS, under_attack["FGSM"], marker="s", label="standard training")
    ax.plot(EPSILONS, robust_curve, marker="^", label="your robust model")
    ax.legend()
    labelled(ax, "FGSM against each model's own gradients", "epsilon", "test accuracy",
             caption=f"At epsilon 0.1: {under_attack.loc[0.1, 'FGSM']:.0%} standard, {robust_curve[EPSILONS.index(0.1)]:.0%} "
                     f"robust; far beyond the training epsilon the defence fades.")
    plt.show()

# %% [markdown]
# Adversarial training buys robustness near the ε it was trained at, for a small price in
# clean accuracy (sometimes none, as on these digits), and fades for larger steps. A stronger
# attacker (many small projected steps, PGD) would lower every curve: robustness claims are
# only as good as the attack they were tested against.

# %% [markdown]
# ## 8. Benchmark models
#
# A metric means little without a reference. A **benchmark model** is a simple, trusted
# model that any new model must beat: the majority class, a one-line rule, last quarter's
# production model. Benchmarks also find bugs: a model that does no better than "predict the
# majority" has learned nothing, however reasonable its score looks on its own.
#
# On the Titanic, "everyone died" is right 62% of the time and "women survived, men died" is
# right almost 80% of the time. Below, a second model goes through a pipeline with a classic
# bug: its training labels were shuffled against the rows (a misaligned join). On its own,
# its accuracy of about 60% could pass for a weak but working model.

# %%
majority = DummyClassifier(strategy="most_frequent").fit(X_train, y_train)
shuffled_labels = np.random.default_rng(0).permutation(y_train)
buggy = GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=0).fit(X_train, shuffled_labels)
benchmarks = {
    "majority class": majority.predict(X_test),
    "women survive": (X_test["Sex"] == 0).astype(int).to_numpy(),
    "our model": (test_scores > 0.5).astype(int),
    "buggy model": buggy.predict(X_test),
}
pd.Series({name: accuracy_score(y_test, predicted) for name, predicted in benchmarks.items()},
          name="test accuracy").round(3)


# %% [markdown]
# ### Exercise 13: does a model really beat its benchmark?
#
# A difference of a few points on 300 passengers could be luck. Write
# `win_rate(correct_model, correct_baseline, n_boot, seed)` that takes two boolean arrays
# (was each test example predicted correctly by the model, by the baseline) and estimates
# with the bootstrap how often the model beats the baseline. Create
# one generator `rng` from `np.random.default_rng(seed)`; for each of `n_boot` rounds draw
# `rng.integers(0, n, n)` indices (n = number of examples) and compare the accuracies of
# both on that resample. Return the fraction of rounds where the model's accuracy is
# **strictly** higher.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "1098afd1a0472b4046f4923e096adc21", "grade": false, "grade_id": "win_rate", "locked": false, "schema_version": 3, "solution": true, "task": false}
def win_rate(correct_model, correct_baseline, n_boot, seed):
    """Bootstrap share of resamples in which the model is strictly more accurate than the baseline."""
    # YOUR CODE HERE
    raise NotImplementedError()


correct = {name: predicted == y_test for name, predicted in benchmarks.items()}
for name in ["our model", "buggy model"]:
    for baseline in ["majority class", "women survive"]:
        print(f"{name:12s} beats {baseline:15s} in {win_rate(correct[name], correct[baseline], 500, seed=0):.0%} of resamples")

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "e025b68d8ca5038a7bcfd20e100946d8", "grade": true, "grade_id": "win_rate_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check("win_rate of a model against itself", win_rate(correct["our model"], correct["our model"], 50, seed=0), 0.0,
      hint="count a round only when the model is strictly more accurate than the baseline")
check_that("our model to beat the majority class in more than 95% of resamples",
           win_rate(correct["our model"], correct["majority class"], 300, seed=1) > 0.95)
check_that("the buggy model to beat the majority class in fewer than half of the resamples",
           win_rate(correct["buggy model"], correct["majority class"], 300, seed=1) < 0.5)

# %% [markdown]
# ## 9. Continuous evaluation
#
# Everything above is a snapshot. In production the data moves: new kinds of users arrive,
# behaviour changes, an upstream service changes a unit. *Continuous evaluation* reruns the
# same analysis, on fresh labelled data, on a schedule: the per-slice table, the fairness
# gaps at several thresholds and the comparison with the benchmark, with alerts when a slice
# falls below a floor. TFMA is built for that: the `EvalConfig` above is exactly what a TFX
# `Evaluator` component runs on every new model and every new span of data, and it can
# refuse to bless a model that does worse than the current one on any slice. Lab 12 returns
# to monitoring and drift.
#
# ## What you built
#
# - Black-box evaluation measures *how well*; introspection looks at *why*. Both are needed.
# - TFMA evaluates a model with an `EvalConfig`: model specs, metric specs and slicing specs
#   (overall, one feature, a feature cross); you read its per-slice results into a table to
#   find the worst slice.
# - On exported SavedModels, TFMA compares a candidate with a baseline, and value and change
#   thresholds turn that comparison into a release gate that blocks a bad candidate.
# - Fairness is measured per group with TPR, FPR, FNR, accuracy and AUC, at several
#   thresholds, with the size of each slice and the share of decisions near the threshold;
#   fairlearn's `MetricFrame` computes the table and `ThresholdOptimizer` closes a gap at a
#   measured cost in accuracy, a trade-off someone has to decide and defend.
# - Residuals should look like noise along every feature; binned means make a pattern a
#   number you can test.
# - Sensitivity analysis and random attacks show how much, and how easily, predictions move;
#   an adversary using the gradient (FGSM) does far more damage with the same budget, and
#   adversarial training buys back part of it.
# - A benchmark model, compared with the bootstrap, catches a model that learned nothing.
