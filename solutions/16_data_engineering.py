# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 16: Data engineering for ML
#
# **Description:** clean and impute with statistics fitted on training data only (in
# TensorFlow Transform and in scikit-learn), serve features from a real feature store (Feast)
# with point-in-time joins, compare OLTP tables, a warehouse and a lake with DuckDB over
# Parquet, and plan labelling under a budget.
#
# A model is only as good as the rows it learns from, and most of the work behind those rows
# is plumbing: filling gaps without peeking at the test set, joining features to labels as
# they were *at the time of the label*, storing the same data for the shop's database and for
# the analysts, and paying someone (or something) to label it. Each section below does one of
# these with the tool a practitioner would use, on a laptop, offline.
#
# **How the exercises work.** Cells that say `# YOUR CODE HERE` are yours: replace the
# `raise NotImplementedError()` line with your code. The cell after each exercise checks your
# answer and tells you what it expected when something is off. The checks you see are not
# the whole story: the grader runs more tests on other inputs, so solve the problem, not the
# example. Run the notebook from top to bottom (*Run > Run All Cells*) before you submit.

# %% [markdown]
# ## Setup
#
# Older Feast releases sent anonymous usage statistics unless `FEAST_USAGE` said no; 0.67
# no longer ships that code, but the first lines still switch it off before Feast is
# imported, so the lab stays offline whichever release is installed. Nothing below talks to
# a network: the offline store is a Parquet file and the online store a SQLite file. Feast's
# file offline store runs on Dask, whose logger we lower; absl's verbosity is lowered for
# TensorFlow Transform as in lab 07. Feast prints a coloured progress line while it materialises; `quietly` (defined below) hides it.

# %%
import os

os.environ["FEAST_USAGE"] = "False"  # no usage statistics sent by Feast

from course import check, check_that, start_lab  # first: it also quiets TensorFlow's start-up log
from course.data import load_titanic
from course.plotting import labelled

import contextlib
import io
import logging
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf
import tensorflow_transform as tft
import tensorflow_transform.beam as tft_beam
from absl import logging as absl_logging
from feast import Entity, FeatureStore, FeatureView, Field, FileSource, ValueType
from feast.repo_config import RepoConfig
from feast.types import Int64
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from tensorflow_transform.tf_metadata import dataset_metadata, schema_utils

absl_logging.set_verbosity(absl_logging.ERROR)
for noisy in ("feast", "dask", "distributed"):
    logging.getLogger(noisy).setLevel(logging.ERROR)
WORK_DIR = start_lab("lab16", seed=42, threads=1)


@contextlib.contextmanager
def quietly():
    """Run a block with its printed output (Feast's progress lines) set aside."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


# %% [markdown]
# ## 1. Cleaning and imputation, fitted on training data only
#
# PDPbox's Titanic table is complete, so we damage a copy of it on purpose: a seeded random
# 25% of the ages become missing (more often in third class, as in the real passenger
# lists), and a few fares are recorded as negative, a typing error. The damage is
# *synthetic*; the rest is the real table.
#
# Cleaning rules (a negative fare is not a fare: make it missing) are stateless and can run
# anywhere. **Imputation** is not: filling a missing age with "the median age" needs a
# median, and that median is a statistic of some data. Compute it on the whole table and the
# training rows carry information from the test rows: a small leak, but a leak, and one that
# grows with the statistic's power (target encodings, scalers fitted on everything, outlier
# rules tuned on the test set). Fit every statistic on the training split, then apply the
# same numbers to validation, test and serving.

# %%
raw = load_titanic()[["PassengerId", "Survived", "Pclass", "Sex", "Age", "Fare", "Embarked"]].copy()
rng = np.random.default_rng(42)
missing = rng.random(len(raw)) < np.where(raw["Pclass"] == 3, 0.35, 0.15)
raw.loc[missing, "Age"] = np.nan
raw.loc[rng.choice(len(raw), size=8, replace=False), "Fare"] *= -1  # synthetic typing errors
train_df, test_df = train_test_split(raw, test_size=0.3, random_state=42, stratify=raw["Survived"])
print(f"{len(train_df)} training rows, {len(test_df)} test rows; "
      f"{raw['Age'].isna().mean():.0%} of ages missing, {(raw['Fare'] < 0).sum()} negative fares")

# %% [markdown]
# The size of the leak, on this table: the median age of the whole table against the median
# age of the training rows. The difference is what a model learns from rows it should never
# have seen.

# %%
everyone = raw["Age"].median()
train_only = train_df["Age"].median()
print(f"median age, whole table: {everyone:.2f}; training rows only: {train_only:.2f}")

# %% [markdown]
# ### Exercise 1 (a problem): clean and impute without a leak
#
# Write `clean_and_impute(train, other, columns)`. `train` and `other` are DataFrames with
# the numeric `columns` (a list of names). Return a pair of **new** DataFrames
# `(train_clean, other_clean)` in which:
#
# - a negative value in any of `columns` counts as missing (a typing error);
# - every missing value in `columns` is filled with that column's median **over the
#   training rows only** (after the negatives were removed);
# - the other columns, the index and the row order are unchanged, and the inputs themselves
#   are not modified.

# %% exercise="clean_and_impute"
def clean_and_impute(train, other, columns):
    """Negative values become missing; gaps are filled with training medians."""
    ### BEGIN SOLUTION
    train_clean, other_clean = train.copy(), other.copy()
    for column in columns:
        for frame in (train_clean, other_clean):
            frame[column] = frame[column].where(~(frame[column] < 0))
        median = train_clean[column].median()
        for frame in (train_clean, other_clean):
            frame[column] = frame[column].fillna(median)
    return train_clean, other_clean
    ### END SOLUTION


# %% tests="clean_and_impute" points=2
train_before, test_before = train_df.copy(), test_df.copy()
tr, te = clean_and_impute(train_df, test_df, ["Age", "Fare"])
check_that("the inputs to be left unmodified", train_df.equals(train_before) and test_df.equals(test_before),
           hint="work on copies (DataFrame.copy()) of train and other")
check_that("no missing ages or fares left", not tr[["Age", "Fare"]].isna().any().any()
           and not te[["Age", "Fare"]].isna().any().any(), got=int(te[["Age", "Fare"]].isna().sum().sum()))
check_that("no negative fares left", (tr["Fare"] >= 0).all() and (te["Fare"] >= 0).all())
check("a test passenger's filled age (the training median)", float(te.loc[test_df["Age"].isna(), "Age"].iloc[0]),
      float(train_df["Age"].median()), hint="take the median over the training rows, not over both frames")
fare_median = float(train_df["Fare"].where(train_df["Fare"] >= 0).median())
check("a fixed negative fare in the training rows", float(tr.loc[train_df["Fare"] < 0, "Fare"].iloc[0]), fare_median,
      hint="turn negative values into missing ones before you compute the training median")
check("the index and row order of the test rows", list(te.index), list(test_df.index))
check("the columns you did not clean", te[["Pclass", "Embarked"]].values.tolist(),
      test_df[["Pclass", "Embarked"]].values.tolist())
### BEGIN HIDDEN TESTS
hidden_rng = np.random.default_rng(7)
a = pd.DataFrame({"x": hidden_rng.normal(5, 2, 40), "y": hidden_rng.normal(-1, 1, 40), "z": list("ab") * 20},
                 index=hidden_rng.permutation(40) + 100)
b = pd.DataFrame({"x": hidden_rng.normal(50, 2, 15), "y": hidden_rng.normal(0, 1, 15), "z": ["c"] * 15})
a.loc[a.index[:6], "x"] = np.nan
b.loc[b.index[:5], "x"] = np.nan
a2, b2 = clean_and_impute(a, b, ["x"])
expected_median = a["x"].where(a["x"] >= 0).median()
check("hidden: other rows filled with the training median", b2["x"].iloc[:5].tolist(), [expected_median] * 5)
check("hidden: an untouched column with negatives", b2["y"].tolist(), b["y"].tolist())
check("hidden: index kept", list(a2.index), list(a.index))
### END HIDDEN TESTS

# %% [markdown]
# ## 2. The same rule in TensorFlow Transform
#
# In lab 07 a TF Transform `preprocessing_fn` computed z-scores with *analyzers* (full passes
# over the training data whose results become constants in a transform graph). Imputation is
# one more analyzer: `tft.mean` over the ages that are present. Because TFT analyses only the
# data it is given (the training split) and serving runs the saved graph, the training-only
# rule holds by construction, and training and serving cannot disagree.
#
# TFT wants complete float columns, so a missing age arrives as NaN and the function masks it.
# The helpers below are lab 07's, reduced to three features; Beam's temporary files go into a
# folder of the lab's.

# %%
RAW_FEATURE_SPEC = {
    "Age": tf.io.FixedLenFeature([], tf.float32),
    "Fare": tf.io.FixedLenFeature([], tf.float32),
    "Pclass": tf.io.FixedLenFeature([], tf.int64),
}
RAW_METADATA = dataset_metadata.DatasetMetadata(schema_utils.schema_from_feature_spec(RAW_FEATURE_SPEC))
PYTHON_TYPES = {tf.float32: float, tf.int64: int}


def raw_rows(frame):
    """The rows of ``frame`` as the dicts of raw features that TFT reads."""
    casts = {name: PYTHON_TYPES[spec.dtype] for name, spec in RAW_FEATURE_SPEC.items()}
    return [{name: cast(row[name]) for name, cast in casts.items()} for row in frame.to_dict("records")]


def analyze(preprocessing_fn, frame, output_dir):
    """Analyse ``frame`` with TFT on Beam's DirectRunner; the transform graph as a layer."""
    with tft_beam.Context(temp_dir=str(WORK_DIR / "tft-tmp")):
        transform_fn = (raw_rows(frame), RAW_METADATA) | tft_beam.AnalyzeDataset(preprocessing_fn)
        _ = transform_fn | tft_beam.WriteTransformFn(str(output_dir))
    return tft.TFTransformOutput(str(output_dir)).transform_features_layer()


def serve(layer, frame):
    """Raw rows of ``frame`` through a transform layer, as a serving system sends them."""
    batch = {name: tf.constant(frame[name].to_numpy(dtype=spec.dtype.as_numpy_dtype))
             for name, spec in RAW_FEATURE_SPEC.items()}
    return pd.DataFrame({name: tensor.numpy() for name, tensor in layer(batch).items()}, index=frame.index)


# %% [markdown]
# ### Exercise 2: an imputing `preprocessing_fn`
#
# Write `impute_preprocessing_fn(inputs)`. It returns a dict of three tensors:
#
# - `"age"`: the age, with each NaN replaced by the mean of the ages that are present in the
#   analysed data (`tf.math.is_nan`, `tf.boolean_mask`, `tft.mean`, `tf.where`);
# - `"age_missing"`: 1 where the age was missing and 0 elsewhere, as `tf.int64` (a model may
#   learn from the gap itself);
# - `"fare_z"`: the fare as a z-score (`tft.scale_to_z_score`).

# %% exercise="impute_preprocessing_fn"
def impute_preprocessing_fn(inputs):
    """Impute the age with its training mean, flag the gap, scale the fare."""
    ### BEGIN SOLUTION
    age = inputs["Age"]
    present = tf.logical_not(tf.math.is_nan(age))
    mean_age = tft.mean(tf.boolean_mask(age, present))
    return {
        "age": tf.where(present, age, mean_age),
        "age_missing": tf.cast(tf.logical_not(present), tf.int64),
        "fare_z": tft.scale_to_z_score(inputs["Fare"]),
    }
    ### END SOLUTION


# %% tests="impute_preprocessing_fn" points=3
tft_train = train_df.assign(Fare=train_df["Fare"].abs())
tft_serving = test_df.assign(Fare=test_df["Fare"].abs()).head(40)
layer = analyze(impute_preprocessing_fn, tft_train, WORK_DIR / "transform-exercise")
served = serve(layer, tft_serving)
check("the features your preprocessing_fn returns", sorted(served.columns), ["age", "age_missing", "fare_z"])
check("served ages (missing ones filled with the training mean)", served["age"].to_numpy(),
      tft_serving["Age"].fillna(tft_train["Age"].mean()).to_numpy(), rtol=1e-4,
      hint="tft.mean over tf.boolean_mask(age, present) gives the mean of the present training ages")
check("the missing-age flag", served["age_missing"].tolist(), tft_serving["Age"].isna().astype(int).tolist())
check_that("the flag to be int64", served["age_missing"].dtype == np.int64, got=str(served["age_missing"].dtype),
           hint="tf.cast the boolean to tf.int64")
fare_mean, fare_std = tft_train["Fare"].mean(), tft_train["Fare"].std(ddof=0)
check("served fare z-scores", served["fare_z"].to_numpy(), ((tft_serving["Fare"] - fare_mean) / fare_std).to_numpy(),
      rtol=1e-3, atol=1e-4, hint="tft.scale_to_z_score uses the training mean and population std")
### BEGIN HIDDEN TESTS
hidden_rng = np.random.default_rng(3)
hidden_train = pd.DataFrame({"Age": hidden_rng.uniform(1, 80, 60), "Fare": hidden_rng.uniform(5, 100, 60),
                             "Pclass": hidden_rng.integers(1, 4, 60)})
hidden_train.loc[:14, "Age"] = np.nan
hidden_serving = pd.DataFrame({"Age": [np.nan, 33.0, np.nan], "Fare": [10.0, 20.0, 30.0], "Pclass": [1, 2, 3]})
hidden_served = serve(analyze(impute_preprocessing_fn, hidden_train, WORK_DIR / "transform-hidden"), hidden_serving)
check("hidden: ages filled with another training mean", hidden_served["age"].to_numpy(),
      hidden_serving["Age"].fillna(hidden_train["Age"].mean()).to_numpy(), rtol=1e-4)
check("hidden: flags", hidden_served["age_missing"].tolist(), [1, 0, 1])
### END HIDDEN TESTS

# %% [markdown]
# ## 3. The same rule in scikit-learn
#
# In scikit-learn the rule is kept by a `Pipeline`: `fit` runs every step's `fit` on the
# training rows only (the imputer learns its medians, the scaler its means), and `predict`
# applies those numbers to new rows. Inside `cross_val_score` the pipeline is refitted on each
# fold's training part, so not even the validation folds leak into the medians.
#
# ### Exercise 3: an imputing pipeline
#
# Write `make_pipeline_model()`: return an unfitted scikit-learn `Pipeline` with three steps
# named `"impute"` (a `SimpleImputer` with the median strategy), `"scale"` (a
# `StandardScaler`) and `"model"` (a `LogisticRegression` with `max_iter=1000`).

# %% exercise="make_pipeline_model"
def make_pipeline_model():
    """Median imputation, scaling and a logistic regression, fitted together."""
    ### BEGIN SOLUTION
    return Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler()),
                     ("model", LogisticRegression(max_iter=1000))])
    ### END SOLUTION


# %% tests="make_pipeline_model" points=2
FEATURES = ["Pclass", "Sex", "Age", "Fare"]
x_train = train_df[FEATURES].assign(Fare=train_df["Fare"].where(train_df["Fare"] >= 0))
x_test = test_df[FEATURES].assign(Fare=test_df["Fare"].where(test_df["Fare"] >= 0))
pipe = make_pipeline_model()
check_that("an unfitted scikit-learn Pipeline", isinstance(pipe, Pipeline) and not hasattr(pipe[-1], "coef_"),
           got=type(pipe).__name__)
check("the step names", [name for name, _ in pipe.steps], ["impute", "scale", "model"])
pipe.fit(x_train, train_df["Survived"])
check("the imputer's learned medians (training rows only)", pipe.named_steps["impute"].statistics_,
      x_train.median().to_numpy(), hint="SimpleImputer(strategy='median')")
accuracy = pipe.score(x_test, test_df["Survived"])
check_that("test accuracy above 0.70", accuracy > 0.70, got=round(accuracy, 3))
### BEGIN HIDDEN TESTS
hidden = make_pipeline_model()
check("hidden: max_iter", hidden.named_steps["model"].max_iter, 1000)
hx = pd.DataFrame({"a": [1.0, np.nan, 3.0, 10.0], "b": [np.nan, 2.0, 2.0, 4.0]})
hidden.fit(hx, [0, 0, 1, 1])
check("hidden: medians on other data", hidden.named_steps["impute"].statistics_, [3.0, 2.0])
### END HIDDEN TESTS

# %% [markdown]
# ## 4. A feature store: Feast with point-in-time joins
#
# A **feature store** keeps feature values with the time they became true, offers them in two
# ways, and keeps both in step: an **offline store** (history, for building training sets) and
# an **online store** (the latest value per key, for serving with low latency). Feast is an
# open-source one. Beyond the two stores, a feature store is a catalogue: features are
# documented, access-controlled and discoverable, so teams reuse them instead of rebuilding
# them. With Feast's `local` provider the offline store is a folder of Parquet files
# and the online store is a SQLite file, so it runs in this process.
#
# The data are *synthetic*: 200 customers of a subscription service, a daily snapshot of each
# customer's activity, and one label per customer: did they cancel (churn) on a given day?
# The label is set the evening before the cancellation day (the moment a model would have
# had to warn). From the cancellation day on, the customer's logins drop to zero and their
# support tickets pile up: those snapshots come *after* the label's moment.

# %%
START = datetime(2026, 11, 1)
store_rng = np.random.default_rng(42)
n_customers, n_days = 200, 20
snapshots, labels = [], []
for customer in range(n_customers):
    churn = store_rng.random() < 0.4
    label_day = int(store_rng.integers(8, 14))
    for day in range(n_days):
        after = churn and day >= label_day
        snapshots.append({"customer_id": customer, "event_timestamp": START + timedelta(days=day),
                          "logins_7d": 0 if after else int(store_rng.poisson(4.4 if churn else 5)),
                          "tickets_7d": int(store_rng.poisson(3 if after else (0.8 if churn else 0.5)))})
    labels.append({"customer_id": customer, "event_timestamp": START + timedelta(days=label_day, hours=-1),
                   "churned": int(churn)})
activity = pd.DataFrame(snapshots)
activity["event_timestamp"] = pd.to_datetime(activity["event_timestamp"], utc=True)
label_df = pd.DataFrame(labels)
label_df["event_timestamp"] = pd.to_datetime(label_df["event_timestamp"], utc=True)
print(activity.head(3))
print(label_df.head(3))

# %% [markdown]
# A Feast *repository* is a configuration plus definitions. The lab makes its repository in a
# temporary folder (removed at the end of the lab), writes the activity to Parquet there, and
# declares an **entity** (the join key), a **source** (the Parquet file and its timestamp
# column) and a **feature view** (which columns are features, and a time-to-live: a value
# older than `ttl` is too stale to use). `apply` writes the definitions to the registry.

# %%
FEAST_REPO = Path(tempfile.mkdtemp(prefix="feast-repo-", dir=WORK_DIR))
activity.to_parquet(FEAST_REPO / "activity.parquet")
config = RepoConfig(project="lab16", provider="local", repo_path=str(FEAST_REPO),
                    registry=str(FEAST_REPO / "registry.db"),
                    offline_store={"type": "file"},
                    online_store={"type": "sqlite", "path": str(FEAST_REPO / "online.db")},
                    entity_key_serialization_version=3)
store = FeatureStore(config=config)
customer_entity = Entity(name="customer", join_keys=["customer_id"], value_type=ValueType.INT64)
activity_view = FeatureView(
    name="customer_activity", entities=[customer_entity], ttl=timedelta(days=3), online=True,
    schema=[Field(name="logins_7d", dtype=Int64), Field(name="tickets_7d", dtype=Int64)],
    source=FileSource(path=str(FEAST_REPO / "activity.parquet"), timestamp_field="event_timestamp"),
)
store.apply([customer_entity, activity_view])
print([view.name for view in store.list_feature_views()])

# %% [markdown]
# `get_historical_features` takes an *entity DataFrame* (keys, timestamps and the labels) and
# joins, for each row, the **latest feature values at or before that row's timestamp** (and
# no older than the ttl): a point-in-time join. The naive join a hurried analyst writes in
# pandas takes the newest snapshot of each customer instead, which for a churner is a
# snapshot from after the cancellation: the label leaks into the features.

# %%
FEATURES_REF = ["customer_activity:logins_7d", "customer_activity:tickets_7d"]
point_in_time = store.get_historical_features(entity_df=label_df, features=FEATURES_REF).to_df()
point_in_time = point_in_time.sort_values("customer_id").reset_index(drop=True)
latest = activity.sort_values("event_timestamp").groupby("customer_id").tail(1)
naive = label_df.merge(latest.drop(columns="event_timestamp"), on="customer_id").sort_values("customer_id")
naive = naive.reset_index(drop=True)
leaky_rows = int((naive[["logins_7d", "tickets_7d"]].to_numpy()
                  != point_in_time[["logins_7d", "tickets_7d"]].to_numpy()).any(axis=1).sum())
print(f"rows whose features differ between the two joins: {leaky_rows} of {len(naive)}")

# %% [markdown]
# How much the leak flatters a model: train a logistic regression on each training set and
# score it on held-out customers, once with features built the same way (what the analyst
# reports) and once with the point-in-time features a serving system would actually have.

# %%
split = np.arange(len(naive)) < 140
cols = ["logins_7d", "tickets_7d"]
leaky_model = LogisticRegression().fit(naive.loc[split, cols], naive.loc[split, "churned"])
honest_model = LogisticRegression().fit(point_in_time.loc[split, cols], point_in_time.loc[split, "churned"])
scores = {
    "naive join, scored on naive rows": leaky_model.score(naive.loc[~split, cols], naive.loc[~split, "churned"]),
    "naive join, scored at serving time": leaky_model.score(point_in_time.loc[~split, cols],
                                                            point_in_time.loc[~split, "churned"]),
    "point-in-time, scored at serving time": honest_model.score(point_in_time.loc[~split, cols],
                                                                point_in_time.loc[~split, "churned"]),
}
for name, value in scores.items():
    print(f"{name:40s} accuracy {value:.3f}")
fig, ax = plt.subplots(figsize=(7, 3))
ax.barh(list(scores), list(scores.values()))
labelled(ax, "A label leak from a naive join", "held-out accuracy", "training set, evaluation",
         caption="The naive join's accuracy is a mirage: at serving time the post-churn snapshots do not exist yet.")
plt.show()

# %% [markdown]
# ### Exercise 4 (a problem): a point-in-time join in pandas
#
# Feast is not always at hand. Write `point_in_time_join(entity_df, features, key, ttl)`
# with plain pandas. `entity_df` has the column `key`, an `event_timestamp` column and any
# other columns (labels); `features` has `key`, `event_timestamp` and feature columns. Return
# one row per row of `entity_df`, **in the same order and with the same index**, with its
# columns plus every feature column, the features taken from the latest `features` row of
# the same key whose timestamp is **at or before** the entity's timestamp and no older than
# `ttl` (a `timedelta`); where there is none, the features are missing (NaN). The result must
# match Feast's on the churn data.

# %% exercise="point_in_time_join"
def point_in_time_join(entity_df, features, key, ttl):
    """Latest feature row per entity row, at or before its timestamp and within ttl."""
    ### BEGIN SOLUTION
    left = entity_df.reset_index(drop=True)
    left["_row"] = np.arange(len(left))
    left = left.sort_values("event_timestamp")
    right = features.rename(columns={"event_timestamp": "_feature_time"}).sort_values("_feature_time")
    joined = pd.merge_asof(left, right, left_on="event_timestamp", right_on="_feature_time", by=key,
                           direction="backward", tolerance=pd.Timedelta(ttl))
    feature_columns = [c for c in features.columns if c not in (key, "event_timestamp")]
    joined = joined.set_index("_row").sort_index()[list(entity_df.columns) + feature_columns]
    return joined.set_axis(entity_df.index, axis=0)
    ### END SOLUTION


# %% tests="point_in_time_join" points=3
mine = point_in_time_join(label_df, activity, "customer_id", timedelta(days=3))
check("the columns of the joined table", list(mine.columns), list(label_df.columns) + ["logins_7d", "tickets_7d"])
check("the index and row order", list(mine.index), list(label_df.index))
check("your features against Feast's point-in-time join",
      mine.sort_values("customer_id")[cols].to_numpy(dtype=float), point_in_time[cols].to_numpy(dtype=float),
      hint="take the latest feature row at or before the entity's timestamp (pd.merge_asof, direction='backward')")
toy_entities = pd.DataFrame({"k": [1, 1, 2], "event_timestamp": pd.to_datetime(
    ["2026-01-05", "2026-01-02", "2026-01-09"], utc=True), "y": [1, 0, 1]}, index=[10, 11, 12])
toy_features = pd.DataFrame({"k": [1, 1, 2], "event_timestamp": pd.to_datetime(
    ["2026-01-01", "2026-01-05", "2026-01-01"], utc=True), "f": [0.5, 9.0, 3.0]})
toy = point_in_time_join(toy_entities, toy_features, "k", timedelta(days=2))
check("a row whose feature has the same timestamp (at or before counts)", float(toy.loc[10, "f"]), 9.0)
check("a row whose only earlier feature is within the ttl", float(toy.loc[11, "f"]), 0.5)
check_that("a row whose only earlier feature is older than the ttl gets NaN", bool(np.isnan(toy.loc[12, "f"])),
           got=toy.loc[12, "f"], hint="a value older than ttl is too stale: use a tolerance")
### BEGIN HIDDEN TESTS
hidden_rng = np.random.default_rng(11)
hf = pd.DataFrame({"user": hidden_rng.integers(0, 5, 60),
                   "event_timestamp": pd.Timestamp("2026-03-01", tz="UTC")
                   + pd.to_timedelta(hidden_rng.integers(0, 30 * 24, 60), unit="h"),
                   "v": hidden_rng.normal(size=60), "w": hidden_rng.integers(0, 9, 60)})
hf = hf.drop_duplicates(["user", "event_timestamp"])
he = pd.DataFrame({"user": hidden_rng.integers(0, 6, 25),
                   "event_timestamp": pd.Timestamp("2026-03-01", tz="UTC")
                   + pd.to_timedelta(hidden_rng.integers(0, 32 * 24, 25), unit="h"),
                   "label": hidden_rng.integers(0, 2, 25)}, index=hidden_rng.permutation(25) * 3)
got = point_in_time_join(he, hf, "user", timedelta(days=4))
expected_rows = []
for _, row in he.iterrows():
    cand = hf[(hf["user"] == row["user"]) & (hf["event_timestamp"] <= row["event_timestamp"])
              & (hf["event_timestamp"] >= row["event_timestamp"] - pd.Timedelta(days=4))]
    last = cand.sort_values("event_timestamp").tail(1)
    expected_rows.append([float(last["v"].iloc[0]), float(last["w"].iloc[0])] if len(last) else [np.nan, np.nan])
check("hidden: index kept", list(got.index), list(he.index))
check("hidden: features on random data", got[["v", "w"]].to_numpy(dtype=float), np.array(expected_rows))
### END HIDDEN TESTS

# %% [markdown]
# ### Serving: materialise, then read the online store
#
# Training reads history; serving needs the *current* value of a few keys in milliseconds.
# `materialize` copies the latest value per key in a time window from the offline store into
# the online store (SQLite here; Redis or DynamoDB in production), and
# `get_online_features` reads it by key. A key the store has never seen comes back as `None`:
# the serving code must have a fallback.

# %%
with quietly():
    store.materialize(start_date=START, end_date=START + timedelta(days=n_days))
online = store.get_online_features(features=FEATURES_REF,
                                   entity_rows=[{"customer_id": 0}, {"customer_id": 1}, {"customer_id": 9999}]).to_df()
print(online)
newest = activity[activity["customer_id"].isin([0, 1])].sort_values("event_timestamp").groupby("customer_id").tail(1)
print(newest[["customer_id", "logins_7d", "tickets_7d"]].to_string(index=False))

# %% [markdown]
# ### Exercise 5: features at serving time, with a fallback
#
# Write `serving_features(feature_store, customer_ids, defaults)`: read `logins_7d` and
# `tickets_7d` for each id (a list of ints) from the online store of `feature_store` with
# `get_online_features`, and return a DataFrame with the columns `customer_id`, `logins_7d`,
# `tickets_7d`, one row per id in the given order, where a missing value is replaced by
# `defaults[column]` (a dict of the two feature names).

# %% exercise="serving_features"
def serving_features(feature_store, customer_ids, defaults):
    """Online features for the ids, with a default for keys the store does not know."""
    ### BEGIN SOLUTION
    rows = [{"customer_id": int(c)} for c in customer_ids]
    frame = feature_store.get_online_features(features=FEATURES_REF, entity_rows=rows).to_df()
    frame = frame[["customer_id", "logins_7d", "tickets_7d"]]
    return frame.fillna(defaults)
    ### END SOLUTION


# %% tests="serving_features" points=2
defaults = {"logins_7d": 5, "tickets_7d": 0}
served_online = serving_features(store, [1, 9999, 0], defaults)
check("the columns", list(served_online.columns), ["customer_id", "logins_7d", "tickets_7d"])
check("the ids, in the order asked", served_online["customer_id"].tolist(), [1, 9999, 0])
expected_online = newest.set_index("customer_id").loc[[1, 0], ["logins_7d", "tickets_7d"]].to_numpy(dtype=float)
check("the features of known customers (their newest snapshot)",
      served_online.iloc[[0, 2]][["logins_7d", "tickets_7d"]].to_numpy(dtype=float), expected_online,
      hint="materialize was run above; read the store with get_online_features")
check("an unknown customer gets the defaults", served_online.iloc[1][["logins_7d", "tickets_7d"]].tolist(), [5, 0])
### BEGIN HIDDEN TESTS
hidden_ids = [17, 123456, 42, 77]
hidden_online = serving_features(store, hidden_ids, {"logins_7d": -1, "tickets_7d": -2})
hidden_newest = activity.sort_values("event_timestamp").groupby("customer_id").tail(1).set_index("customer_id")
check("hidden: other ids", hidden_online[["logins_7d", "tickets_7d"]].to_numpy(dtype=float),
      np.array([hidden_newest.loc[i, ["logins_7d", "tickets_7d"]].to_numpy(dtype=float) if i in hidden_newest.index
                else [-1.0, -2.0] for i in hidden_ids]))
### END HIDDEN TESTS

# %% [markdown]
# ## 5. OLTP tables, a warehouse and a lake, on the same data
#
# The same orders live in three shapes:
#
# - **OLTP** (the shop's own database): normalised tables (`customers`, `orders`), one row per
#   event, built for many small writes and lookups by key. Analytics needs joins.
# - **Warehouse**: data aggregated from one or more sources, cleaned, typed and modelled for
#   analysis (a fact table joined to its dimensions), read-optimised and queried with SQL by
#   column. It is subject-oriented, integrated, time-variant and non-volatile (history is
#   appended, not changed), and usually not real time. Schema on write.
# - **Lake**: raw files (here Parquet, partitioned by month) in cheap storage; any engine
#   reads them, and the schema is applied when read. Schema on read.
#
# DuckDB is an in-process analytical SQL engine: it queries Parquet files in place, which is
# how a lake is queried, and keeps tables in its own columnar format, like a small warehouse.
# The orders below are *synthetic*.

# %%
orders_rng = np.random.default_rng(42)
customers = pd.DataFrame({"customer_id": range(50), "segment": orders_rng.choice(["retail", "business"], 50)})
orders = pd.DataFrame({"order_id": range(600), "customer_id": orders_rng.integers(0, 50, 600),
                       "day": pd.to_datetime("2026-09-01") + pd.to_timedelta(orders_rng.integers(0, 90, 600), unit="D"),
                       "amount": orders_rng.gamma(2.0, 30.0, 600).round(2)})
oltp = duckdb.connect()  # in memory: the shop's tables
oltp.register("customers_df", customers)
oltp.register("orders_df", orders)
oltp.execute("CREATE TABLE customers AS SELECT * FROM customers_df")
oltp.execute("CREATE TABLE orders AS SELECT * FROM orders_df")
print(oltp.execute("SELECT * FROM orders WHERE order_id = 7").df())  # an OLTP lookup by key

LAKE = WORK_DIR / "lake" / "orders"
lake_orders = orders.assign(month=orders["day"].dt.strftime("%Y-%m"))
for month, part in lake_orders.groupby("month"):
    (LAKE / f"month={month}").mkdir(parents=True, exist_ok=True)
    part.drop(columns="month").to_parquet(LAKE / f"month={month}" / "part-0.parquet", index=False)
print(sorted(p.relative_to(LAKE).as_posix() for p in LAKE.rglob("*.parquet")))

warehouse = duckdb.connect(str(WORK_DIR / "warehouse.duckdb"))
warehouse.register("customers_df", customers)
warehouse.execute(f"""
    CREATE TABLE fact_orders AS
    SELECT o.order_id, o.customer_id, c.segment, o.day, o.amount
    FROM read_parquet('{LAKE.as_posix()}/*/*.parquet', hive_partitioning = true) AS o
    JOIN customers_df AS c USING (customer_id)""")
print(warehouse.execute("SELECT segment, count(*) AS n FROM fact_orders GROUP BY segment ORDER BY segment").df())

# %% [markdown]
# ### Exercise 6: a query on the lake
#
# Write `monthly_revenue(lake_folder)`: with DuckDB, read every Parquet file under
# `lake_folder` (partitioned as `month=YYYY-MM/part-0.parquet`, with the columns `order_id`,
# `customer_id`, `day`, `amount`) and return a pandas DataFrame with the columns `month`
# (the partition value, a string) and `revenue` (the sum of `amount`), one row per month,
# sorted by month.

# %% exercise="monthly_revenue"
def monthly_revenue(lake_folder):
    """Revenue per month partition of a Parquet lake, with DuckDB."""
    ### BEGIN SOLUTION
    query = f"""SELECT CAST(month AS VARCHAR) AS month, sum(amount) AS revenue
                FROM read_parquet('{Path(lake_folder).as_posix()}/*/*.parquet', hive_partitioning = true)
                GROUP BY month ORDER BY month"""
    with duckdb.connect() as con:
        return con.execute(query).df()
    ### END SOLUTION


# %% tests="monthly_revenue" points=2
revenue = monthly_revenue(LAKE)
check_that("a pandas DataFrame", isinstance(revenue, pd.DataFrame), got=type(revenue).__name__)
check("the columns", list(revenue.columns), ["month", "revenue"])
expected_revenue = lake_orders.groupby("month")["amount"].sum()
check("the months, sorted", revenue["month"].astype(str).tolist(), list(expected_revenue.index),
      hint="hive_partitioning = true turns the month=... folder into a column")
check("the revenue per month", revenue["revenue"].to_numpy(), expected_revenue.to_numpy(), rtol=1e-9)
### BEGIN HIDDEN TESTS
hidden_lake = Path(tempfile.mkdtemp(dir=WORK_DIR)) / "lake"
hidden_orders = pd.DataFrame({"order_id": range(5), "customer_id": [1, 2, 3, 4, 5],
                              "day": pd.to_datetime(["2025-01-03", "2025-02-01", "2025-01-09",
                                                     "2024-12-31", "2025-02-02"]),
                              "amount": [1.5, 2.0, 3.0, 4.0, 10.0]})
for month, part in hidden_orders.assign(month=hidden_orders["day"].dt.strftime("%Y-%m")).groupby("month"):
    (hidden_lake / f"month={month}").mkdir(parents=True)
    part.drop(columns="month").to_parquet(hidden_lake / f"month={month}" / "part-0.parquet", index=False)
hidden_revenue = monthly_revenue(hidden_lake)
check("hidden: months", hidden_revenue["month"].astype(str).tolist(), ["2024-12", "2025-01", "2025-02"])
check("hidden: revenue", hidden_revenue["revenue"].tolist(), [4.0, 4.5, 12.0])
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Labelling sources and their costs
#
# Some labels come for free from the process itself (*direct labelling*: did the user click,
# did the customer cancel), once predictions and outcomes are logged. Where they do not,
# labels are bought from raters, from three kinds of source, each with a price and an accuracy:
#
# - **in-house experts**: accurate and expensive, and few hours a week;
# - **crowd workers** (a labelling platform): cheap, less accurate, plenty of them (several
#   crowd labels per item and a majority vote buy accuracy back);
# - **programmatic labelling** (weak supervision, lab 07): labelling functions written once,
#   nearly free per item, noisy, and only for the items a rule covers.
#
# ### Exercise 7 (a problem): the most correct labels for a budget
#
# Write `plan_labels(sources, budget)`. `sources` maps a source name to a dict with
# `"cost"` (per label, > 0), `"accuracy"` (the probability a label is right) and `"capacity"`
# (the most labels it can deliver, an int). Each label labels a different item. Return a
# dict mapping **every** source name to a non-negative Python int, the number of labels to
# buy from it, so that the total cost is at most `budget`, no source exceeds its capacity,
# and the expected number of correct labels (sum of count times accuracy) is as large as
# possible, up to one label's worth of rounding.

# %% exercise="plan_labels"
def plan_labels(sources, budget):
    """Labels to buy from each source: the most expected correct labels within the budget."""
    ### BEGIN SOLUTION
    plan = {name: 0 for name in sources}
    left = float(budget)
    for name in sorted(sources, key=lambda s: sources[s]["cost"] / sources[s]["accuracy"]):
        cost = sources[name]["cost"]
        count = int(min(sources[name]["capacity"], left // cost))
        plan[name] = count
        left -= count * cost
    return plan
    ### END SOLUTION


# %% tests="plan_labels" points=3
def expected_correct(sources, plan):
    return sum(plan[name] * spec["accuracy"] for name, spec in sources.items())


def best_fractional(sources, budget):
    """An upper bound: the fractional plan, cheapest correct label first."""
    total, left = 0.0, budget
    for spec in sorted(sources.values(), key=lambda s: s["cost"] / s["accuracy"]):
        count = min(spec["capacity"], left / spec["cost"])
        total, left = total + count * spec["accuracy"], left - count * spec["cost"]
    return total


def check_plan(sources, budget, label):
    plan = plan_labels(sources, budget)
    check(f"{label}: the sources in your plan", sorted(plan), sorted(sources))
    check_that(f"{label}: counts are non-negative Python ints",
               all(type(v) is int and v >= 0 for v in plan.values()), got=plan)
    spent = sum(plan[n] * s["cost"] for n, s in sources.items())
    check_that(f"{label}: the plan stays within the budget", spent <= budget + 1e-9, got=round(spent, 2))
    check_that(f"{label}: no source over its capacity", all(plan[n] <= s["capacity"] for n, s in sources.items()),
               got=plan)
    bound = best_fractional(sources, budget)
    worst_step = max(s["accuracy"] for s in sources.values())
    got_correct = expected_correct(sources, plan)
    check_that(f"{label}: expected correct labels near the best possible ({bound:.1f})",
               got_correct >= bound - 2 * worst_step - 1e-9, got=round(got_correct, 2),
               hint="rank the sources by the cost of one expected correct label (cost / accuracy)")
    return plan


LABEL_SOURCES = {
    "in_house": {"cost": 2.00, "accuracy": 0.98, "capacity": 300},
    "crowd": {"cost": 0.25, "accuracy": 0.80, "capacity": 4000},
    "programmatic": {"cost": 0.01, "accuracy": 0.65, "capacity": 1500},
}
print(check_plan(LABEL_SOURCES, 1000.0, "a budget of 1,000"))
check_plan(LABEL_SOURCES, 5.0, "a budget of 5")
check_plan({"only": {"cost": 3.0, "accuracy": 0.9, "capacity": 10}}, 2.0, "a budget below one label")
### BEGIN HIDDEN TESTS
hidden_rng = np.random.default_rng(5)
for trial in range(4):
    hidden_sources = {f"s{i}": {"cost": float(hidden_rng.uniform(0.05, 3)),
                                "accuracy": float(hidden_rng.uniform(0.5, 1)),
                                "capacity": int(hidden_rng.integers(10, 500))} for i in range(4)}
    check_plan(hidden_sources, float(hidden_rng.uniform(10, 800)), f"hidden trial {trial}")
### END HIDDEN TESTS

# %% [markdown]
# **Question (3 points).** The churn team wants to train on the naive join of section 4
# because "it scores better", and to label 20,000 new support tickets with the budget of
# section 6 using only the crowd. Write a short reply (a few sentences): (1) why the naive
# join's score cannot be trusted, using the numbers you measured; (2) what the feature store
# adds at serving time that a pandas join cannot; (3) whether the cheapest-correct-label plan
# is the right one for these tickets, naming one thing expected accuracy alone misses.

# %% [markdown] answer="feature_store_memo" points=3
# *Model answer (one good answer; others are possible).* The naive join attached each
# churner's newest snapshot, taken after the cancellation (zero logins, many tickets), to a
# label set earlier: the features contain the answer. Its held-out score is near perfect only
# on rows built the same leaky way; on the point-in-time features a serving system really
# has, the same model drops to about the accuracy of the honest model or below, so the
# "better score" is a label leak, not a better model. Feast gives the same definitions for
# training (point-in-time joins from the offline store) and serving (the materialised online
# store, read by key in milliseconds, with a ttl for stale values), so training/serving skew
# from two hand-written joins cannot appear. The cheapest-correct-label plan maximises the
# expected number of right labels, but it ignores that the noisy labels are not independent
# (programmatic rules make the same mistake on a whole slice), that crowd workers may not be
# allowed to see private support tickets, and that a test set needs expert labels: buy a
# small in-house set for evaluation and agreement checks, then crowd and programmatic labels
# for training, several crowd votes per ticket where the rules disagree.
#
# **Rubric (instructor only):** 1 point: the leak explained as features from after the
# label's timestamp, with the student's measured numbers (naive vs serving-time accuracy or
# the count of rows that differ). 1 point: the feature store's role at serving (online store
# by key, materialisation, one definition for training and serving, ttl). 1 point: a
# reasoned call on the labelling plan naming something beyond expected accuracy (privacy,
# correlated errors of rules, expert-labelled evaluation set, redundancy and voting, label
# consistency). Half a point each where the reason is given without the student's numbers.

# %% [markdown]
# ## Cleaning up
#
# Everything the lab started lives in its scratch folder: the DuckDB connections are closed
# and the Feast repository (registry, SQLite online store, Parquet file) is removed.

# %%
oltp.close()
warehouse.close()
shutil.rmtree(FEAST_REPO)
print("Feast repository removed:", not FEAST_REPO.exists())

# %% [markdown]
# ## What you built
#
# - Cleaning and imputation whose statistics come from the training rows only, in pandas, in
#   a TF Transform `preprocessing_fn` (an analyzer inside the transform graph) and in a
#   scikit-learn `Pipeline`.
# - A Feast feature store with a file offline store and a SQLite online store: an entity, a
#   feature view with a ttl, point-in-time training sets, the label leak a naive join makes,
#   materialisation and online reads with a fallback.
# - The same orders as OLTP tables, a Parquet lake partitioned by month and a warehouse fact
#   table, queried with DuckDB.
# - A labelling plan under a budget across in-house, crowd and programmatic sources.
