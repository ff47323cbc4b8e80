# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 08: Model resource management
#
# **Description:** fewer dimensions, fewer bits and fewer weights: the curse of
# dimensionality, PCA, SVD, ICA and NMF, post-training quantization with TensorFlow Lite, and
# magnitude pruning with a polynomial sparsity schedule.
#
# A model that fits on a server may not fit on a phone, a microcontroller or a budget. This lab
# shrinks things in three places: the **input** (dimensionality reduction keeps the information
# in fewer features), the **numbers** (quantization stores weights and activations in 8 or 16
# bits instead of 32) and the **connections** (pruning removes the weights that matter least).
# Each time we measure what we saved and what it cost in accuracy.
#
# **How the exercises work.** Cells that say `# YOUR CODE HERE` are yours: replace the
# `raise NotImplementedError()` line with your code. The cell after each exercise checks your
# answer and tells you what it expected when something is off. The grader runs more tests on
# other inputs, so solve the problem, not the example. Run the notebook from top to bottom
# (*Run > Run All Cells*) before you submit.

# %% [markdown]
# ## Setup
#
# The data are scikit-learn's bundled 8x8 digits and synthetic signals, so everything runs
# offline. Model files go to a temporary folder. Two practical notes: our matrices are small, so
# we ask the linear-algebra library for one thread (on a busy two-core machine competing threads
# cost more than they save); and `tf.lite.Interpreter`, which we use to run quantized models,
# still works in TensorFlow 2.21 but warns on every use that it is deprecated in favour of the
# `ai-edge-litert` package (LiteRT, same API: `from ai_edge_litert.interpreter import
# Interpreter`). We silence exactly that warning, and the converter's note that int8 inputs come
# without statistics (we pass them ourselves).

# %%
from course import check, check_that, set_seed  # first: it also quiets TensorFlow's start-up log
from course.data import train_test
from course.plotting import labelled, use_course_style

import gzip
import tempfile
import warnings
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from sklearn.decomposition import NMF, PCA, FastICA
from sklearn.neighbors import KNeighborsClassifier
from threadpoolctl import threadpool_limits

set_seed(42)
use_course_style()
threadpool_limits(1)
warnings.filterwarnings("ignore", message=r"\s*Warning: tf\.lite\.Interpreter is deprecated", category=UserWarning)
warnings.filterwarnings("ignore", message="Statistics for quantized inputs were expected", category=UserWarning)
tf.get_logger().setLevel("ERROR")  # no "INFO: Assets written" line for every SavedModel export
WORK_DIR = Path(tempfile.mkdtemp(prefix="lab08-"))
x_train, x_test, y_train, y_test = train_test("digits")
print("digits:", x_train.shape, x_test.shape, " model files go to", WORK_DIR)

# %% [markdown]
# ## 1. The curse of dimensionality
#
# More features sound like more information, but high-dimensional space behaves against
# intuition. With a fixed number of examples the space gets emptier as dimensions grow, and
# distances **concentrate**: the nearest and the farthest neighbour of a point end up almost
# equally far away. Methods built on "close points are similar" (k-nearest neighbours,
# clustering, kernels) then lose their footing, and models need far more data to avoid
# overfitting.
#
# Here are the distances from one random point to 1,000 others drawn uniformly in the unit
# cube, divided by their mean, for growing dimension:

# %%
rng = np.random.default_rng(0)
fig, ax = plt.subplots()
for dim in [2, 10, 100, 1000]:
    cloud = rng.uniform(size=(1000, dim))
    distances = np.linalg.norm(cloud - rng.uniform(size=dim), axis=1)
    ax.hist(distances / distances.mean(), bins=40, density=True, histtype="step", linewidth=1.5, label=f"d = {dim}")
ax.legend()
labelled(ax, "Distances to a random point, relative to their mean", "distance / mean distance", "density",
         caption="In 1,000 dimensions almost every point is at about the mean distance: 'nearest' means little.")
plt.show()

# %% [markdown]
# ### Exercise 1: relative contrast
#
# One number captures the effect: the **relative contrast** of a query point,
# (farthest distance - nearest distance) / nearest distance. Write
# `relative_contrast(points, query)` for an array `points` of shape `(n, d)` and a `query` of
# shape `(d,)`, using Euclidean distances, and return it as a float.

# %% exercise="relative_contrast"
def relative_contrast(points, query):
    """(max distance - min distance) / min distance from ``query`` to the rows of ``points``."""
    ### BEGIN SOLUTION
    distances = np.linalg.norm(np.asarray(points, dtype=float) - np.asarray(query, dtype=float), axis=1)
    return float((distances.max() - distances.min()) / distances.min())
    ### END SOLUTION


# %% tests="relative_contrast" points=1
check("relative_contrast([[1, 0], [3, 0], [0, 4]], [0, 0])",
      relative_contrast(np.array([[1.0, 0.0], [3.0, 0.0], [0.0, 4.0]]), np.array([0.0, 0.0])), 3.0,
      hint="distances are 1, 3 and 4: (4 - 1) / 1")
### BEGIN HIDDEN TESTS
rng_hidden = np.random.default_rng(8)
cloud_hidden, query_hidden = rng_hidden.normal(size=(50, 7)), rng_hidden.normal(size=7)
d = np.sqrt(((cloud_hidden - query_hidden) ** 2).sum(axis=1))
check("relative_contrast on random points", relative_contrast(cloud_hidden, query_hidden), (d.max() - d.min()) / d.min(),
      rtol=1e-9)
check_that("a float", isinstance(relative_contrast(cloud_hidden, query_hidden), float))
### END HIDDEN TESTS

# %% [markdown]
# Averaged over a few queries, the contrast collapses as the dimension grows:

# %%
dims = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
contrast = [np.mean([relative_contrast(rng.uniform(size=(500, dim)), rng.uniform(size=dim)) for _ in range(5)])
            for dim in dims]
fig, ax = plt.subplots()
ax.loglog(dims, contrast, "o-")
labelled(ax, "Relative contrast of distances", "dimension d", "(max - min) / min distance",
         caption="From hundreds in one dimension to a fraction of one in a thousand: distances stop discriminating.")
plt.show()

# %% [markdown]
# The same happens to a real classifier. We append columns of pure noise to the 64 pixels of
# the digits: no information is lost, only dimensions are added, and a k-nearest-neighbour
# classifier gets steadily worse.

# %%
noise_rng = np.random.default_rng(1)
for extra in [0, 64, 256, 1024]:
    train_noisy = np.hstack([x_train, noise_rng.uniform(size=(len(x_train), extra))])
    test_noisy = np.hstack([x_test, noise_rng.uniform(size=(len(x_test), extra))])
    accuracy = KNeighborsClassifier(n_neighbors=5).fit(train_noisy, y_train).score(test_noisy, y_test)
    print(f"64 pixels + {extra:4d} noise columns: k-NN test accuracy {accuracy:.3f}")

# %% [markdown]
# ## 2. Principal component analysis
#
# **PCA** finds the orthogonal directions along which the data varies most, the *principal
# components*, and projects the data onto the first few. Each component explains a share of
# the total variance; we keep enough components to explain, say, 95% of it, and drop the rest
# as mostly noise. The digits have 64 pixels, but neighbouring pixels move together, so far
# fewer directions carry most of the variation.

# %%
pca_full = PCA().fit(x_train)
cumulative = np.cumsum(pca_full.explained_variance_ratio_)
fig, ax = plt.subplots()
ax.plot(np.arange(1, 65), cumulative, "o-", markersize=3)
for target in (0.9, 0.95):
    ax.axhline(target, linestyle="--", color="gray", linewidth=1)
labelled(ax, "Cumulative explained variance of the digits", "number of components", "share of variance explained",
         caption="Far fewer than 64 directions explain 90% (dashed, lower) or 95% (upper) of the variance.")
plt.show()

# %% [markdown]
# ### Exercise 2: how many components for a target variance?
#
# Write `components_for_variance(explained_variance_ratio, target)` that returns the smallest
# number of components whose cumulative explained variance reaches `target` (is greater than or
# equal to it), as an int. If even all components fall short (rounding can leave a total of
# 0.9999999), return the number of components.

# %% exercise="components_for_variance"
def components_for_variance(explained_variance_ratio, target):
    """Smallest k whose first k variance ratios sum to at least ``target``."""
    ### BEGIN SOLUTION
    cumulative = np.cumsum(explained_variance_ratio)
    reached = np.flatnonzero(cumulative >= target)
    return int(reached[0] + 1) if len(reached) else len(cumulative)
    ### END SOLUTION


k95 = components_for_variance(pca_full.explained_variance_ratio_, 0.95)
print("components for 95% of the variance:", k95)

# %% tests="components_for_variance" points=1
check("components_for_variance([0.5, 0.3, 0.15, 0.05], 0.75)",
      components_for_variance(np.array([0.5, 0.3, 0.15, 0.05]), 0.75), 2,
      hint="the cumulative sums are 0.5, 0.8, 0.95, 1.0: the first one >= 0.75 is the second")
check("components_for_variance([0.5, 0.3, 0.15, 0.05], 0.85)",
      components_for_variance(np.array([0.5, 0.3, 0.15, 0.05]), 0.85), 3,
      hint="count components, starting at 1, not indices starting at 0")
### BEGIN HIDDEN TESTS
ratios = pca_full.explained_variance_ratio_
for target in (0.5, 0.9, 0.95, 0.99):
    check(f"components_for_variance(digits, {target})", components_for_variance(ratios, target),
          int(np.argmax(np.cumsum(ratios) >= target) + 1))
check("components_for_variance when the total falls short", components_for_variance(np.array([0.4, 0.3]), 0.95), 2)
check("components_for_variance(..., 0.3) with the first component enough",
      components_for_variance(np.array([0.4, 0.3]), 0.3), 1)
check_that("an int", type(components_for_variance(ratios, 0.9)) is int)
### END HIDDEN TESTS

# %% [markdown]
# Projecting onto the first *k* components and back gives a **reconstruction**: with 2
# components the digits are blurs, with the 95% choice they are easy to read.

# %%
k_95 = PCA(n_components=0.95).fit(x_train).n_components_  # scikit-learn picks k for a variance target too
fig, axes = plt.subplots(4, 8, figsize=(8, 4.4))
for row, k in enumerate([2, 10, k_95, 64]):
    reducer = PCA(n_components=k).fit(x_train)
    rebuilt = reducer.inverse_transform(reducer.transform(x_test[:8]))
    for col in range(8):
        axes[row, col].imshow(rebuilt[col].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        axes[row, col].set_xticks([])
        axes[row, col].set_yticks([])
    axes[row, 0].set_ylabel(f"k = {k}")
fig.suptitle("Test digits rebuilt from k principal components (k = 64 is the original)")
fig.text(0.5, 0.0, f"Rows: k = 2, 10, {k_95} (95% of the variance) and 64 components.", ha="center", style="italic")
plt.show()

# %% [markdown]
# ### PCA is an SVD
#
# The **singular value decomposition** factors any matrix as X = U S Vᵀ, with orthonormal U and
# V and non-negative singular values in S, largest first. Apply it to the *centred* data (each
# column minus its mean) and the rows of Vᵀ are exactly the principal components, the scores are
# U S (equivalently, the centred data times V), and the variance along component *i* is
# proportional to sᵢ². scikit-learn's `PCA` does exactly this; `TruncatedSVD` skips the centring,
# which keeps sparse matrices (such as word counts) sparse.
#
# ### Exercise 3: PCA by hand with NumPy's SVD
#
# Write `pca_svd(X, k)` that centres `X`, computes `np.linalg.svd(centred, full_matrices=False)`
# and returns a tuple `(components, scores, ratio)`: the first `k` rows of Vᵀ (shape
# `(k, features)`), the centred data projected on them (shape `(rows, k)`), and the explained
# variance ratio of those `k` components (sᵢ² divided by the sum of all sᵢ²).

# %% exercise="pca_svd"
def pca_svd(X, k):
    """PCA of X by the SVD of the centred data: (components, scores, explained variance ratio)."""
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    centred = X - X.mean(axis=0)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    components = vt[:k]
    return components, centred @ components.T, singular[:k] ** 2 / np.sum(singular**2)
    ### END SOLUTION


# %% tests="pca_svd" points=2
components, scores, ratio = pca_svd(x_train, 5)
check("the shapes of pca_svd(x_train, 5)", [components.shape, scores.shape, ratio.shape], [(5, 64), (1347, 5), (5,)],
      hint="components: k rows of Vt; scores: centred data @ components.T; ratio: k numbers")
check("the explained variance ratio", ratio, pca_full.explained_variance_ratio_[:5], rtol=1e-4,
      hint="square the singular values and divide by the sum of all squared singular values")
check("|cosine| between your components and scikit-learn's", np.abs(np.sum(components * pca_full.components_[:5], axis=1)),
      np.ones(5), atol=1e-4, hint="the rows of Vt of the *centred* data (a component's sign may flip, that is fine)")
### BEGIN HIDDEN TESTS
rng_hidden = np.random.default_rng(4)
data = rng_hidden.normal(size=(60, 6)) @ rng_hidden.normal(size=(6, 6)) + 3.0
reference = PCA(n_components=3).fit(data)
c, s, r = pca_svd(data, 3)
check("pca_svd ratios on random data", r, reference.explained_variance_ratio_, rtol=1e-6)
check("pca_svd reconstruction on random data", s @ c + data.mean(axis=0),
      reference.inverse_transform(reference.transform(data)), rtol=1e-6, atol=1e-8)
check("pca_svd scores up to sign", np.abs(s), np.abs(reference.transform(data)), rtol=1e-6, atol=1e-8)
### END HIDDEN TESTS

# %% [markdown]
# Fewer dimensions, same accuracy: k-nearest neighbours on the components that keep 95% of the
# variance, with the projection learned on the training digits only, is as accurate as on all
# 64 pixels.

# %%
reducer = PCA(n_components=k_95).fit(x_train)
print(f"k-NN on 64 pixels:          {KNeighborsClassifier(5).fit(x_train, y_train).score(x_test, y_test):.3f}")
print(f"k-NN on {k_95} PCA features:  "
      f"{KNeighborsClassifier(5).fit(reducer.transform(x_train), y_train).score(reducer.transform(x_test), y_test):.3f}")

# %% [markdown]
# ## 3. ICA and NMF: other goals, other components
#
# PCA's components are *uncorrelated* and ordered by variance. That is not always what we want.
#
# **Independent component analysis (ICA)** looks for components that are statistically
# *independent*, a stronger condition than uncorrelated. The classic use is the cocktail party:
# several microphones each record a different mix of the same voices, and ICA recovers the
# voices. Our synthetic version mixes three signals (a sine, a square wave and a sawtooth) into
# three recordings.

# %%
time_axis = np.linspace(0, 8, 2000)
sources = np.column_stack([np.sin(2 * time_axis), np.sign(np.sin(3 * time_axis)), 2 * ((1.5 * time_axis) % 1) - 1])
sources += 0.02 * np.random.default_rng(2).normal(size=sources.shape)
mixing = np.array([[1.0, 1.0, 1.0], [0.5, 2.0, 1.0], [1.5, 1.0, 2.0]])
recordings = sources @ mixing.T

ica_signals = FastICA(n_components=3, whiten="unit-variance", random_state=0).fit_transform(recordings)
pca_signals = PCA(n_components=3).fit_transform(recordings)


def best_match(estimated, true):
    """For each true source, the largest |correlation| with any estimated component."""
    correlation = np.corrcoef(true.T, estimated.T)[:3, 3:]
    return np.abs(correlation).max(axis=1).round(3)


print("how well each source is recovered (|correlation|, 1 is perfect)")
print("  ICA:", best_match(ica_signals, sources))
print("  PCA:", best_match(pca_signals, sources))

fig, axes = plt.subplots(4, 1, figsize=(8, 6.5), sharex=True)
for ax, (title, signals) in zip(axes, [("true sources", sources), ("recordings (mixtures)", recordings),
                                       ("ICA components", ica_signals), ("PCA components", pca_signals)]):
    scaled = signals[:600] / np.abs(signals[:600]).max(axis=0)
    for j in range(3):
        ax.plot(time_axis[:600], scaled[:, j] + 2.5 * j)
    ax.set_yticks([])
    labelled(ax, title, "time", "signal")
fig.suptitle("ICA unmixes independent signals; PCA only decorrelates them")
fig.tight_layout()
fig.text(0.5, -0.01, "Each panel shows three signals, offset vertically and scaled to the same height.",
         ha="center", style="italic")
plt.show()

# %% [markdown]
# **Non-negative matrix factorization (NMF)** writes non-negative data (pixel intensities, word
# counts, spectra) as non-negative combinations of non-negative parts. Since nothing can be
# subtracted, the parts tend to be pieces (strokes of a digit, topics of a text), where PCA's
# components are global patterns of positive and negative weights.

# %%
nmf = NMF(n_components=16, init="nndsvda", max_iter=1000, random_state=0).fit(x_train)
pca16 = PCA(n_components=16).fit(x_train)
fig, axes = plt.subplots(2, 16, figsize=(11, 1.9))
for j in range(16):
    axes[0, j].imshow(nmf.components_[j].reshape(8, 8), cmap="gray_r")
    limit = np.abs(pca16.components_[j]).max()
    axes[1, j].imshow(pca16.components_[j].reshape(8, 8), cmap="RdBu", vmin=-limit, vmax=limit)
    axes[0, j].axis("off")
    axes[1, j].axis("off")
fig.suptitle("16 NMF parts (top: strokes) and 16 PCA components (bottom: signed global patterns)")
fig.text(0.5, -0.05, "NMF parts are non-negative pieces; PCA components mix positive (blue) and negative (red).",
         ha="center", style="italic")
plt.show()
nmf_error = np.mean((nmf.inverse_transform(nmf.transform(x_test)) - x_test) ** 2)
pca_error = np.mean((pca16.inverse_transform(pca16.transform(x_test)) - x_test) ** 2)
print(f"test reconstruction error with 16 components: NMF {nmf_error:.4f}, PCA {pca_error:.4f}")

# %% [markdown]
# PCA reconstructs a little better (it is the optimal linear reconstruction for a given number
# of components); NMF trades some of that for parts that are easier to interpret.
#
# ## 4. Post-training quantization
#
# A trained network stores its weights as 32-bit floats. **Quantization** stores them (and
# possibly the activations) with fewer bits. The model file shrinks, memory traffic falls, and
# integer arithmetic runs faster and on more hardware (phones' DSPs and NPUs, microcontrollers,
# Edge TPUs), for a small loss of accuracy. Post-training quantization needs no retraining, only
# a conversion.
#
# The common 8-bit scheme is **affine**: a real value x is stored as the integer
# q = round(x / scale) + zero_point, clipped to [-128, 127], and read back as
# x ≈ (q - zero_point) × scale. The `scale` sets the step between representable values, and
# the `zero_point` is the integer that represents 0.0 exactly. TensorFlow Lite quantizes weights
# symmetrically (zero_point = 0, scale = max|w| / 127) and activations with a scale and zero
# point fitted to their observed range.
#
# ### Exercise 4: quantize and dequantize
#
# Write `int8_quantize(x, scale, zero_point)` returning an `np.int8` array (round with
# `np.round`, add the zero point, clip to [-128, 127]) and `int8_dequantize(q, scale,
# zero_point)` returning a `float32` array.

# %% exercise="int8"
def int8_quantize(x, scale, zero_point):
    """Affine int8 quantization of the real values ``x``."""
    ### BEGIN SOLUTION
    q = np.round(np.asarray(x, dtype=np.float64) / scale) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)
    ### END SOLUTION


def int8_dequantize(q, scale, zero_point):
    """Real values (float32) represented by the int8 array ``q``."""
    ### BEGIN SOLUTION
    return ((np.asarray(q, dtype=np.float32) - zero_point) * scale).astype(np.float32)
    ### END SOLUTION


# %% tests="int8" points=2
q = int8_quantize(np.array([-1.0, 0.0, 0.3, 5.0]), scale=0.02, zero_point=-10)
check("int8_quantize([-1, 0, 0.3, 5], scale=0.02, zero_point=-10)", q, np.array([-60, -10, 5, 127], dtype=np.int8),
      hint="round(x / scale) + zero_point, then clip to [-128, 127]: 5.0 / 0.02 = 250 is clipped")
check("the dtype of int8_quantize's result", np.asarray(q).dtype, np.dtype("int8"), hint="finish with .astype(np.int8)")
check("int8_dequantize of the same values", int8_dequantize(q, 0.02, -10), [-1.0, 0.0, 0.3, 2.74], rtol=1e-5,
      hint="(q - zero_point) * scale; the clipped value comes back as 137 * 0.02 = 2.74")
### BEGIN HIDDEN TESTS
rng_hidden = np.random.default_rng(9)
values = rng_hidden.normal(size=500)
scale_h, zero_h = float(np.abs(values).max() / 127), 0
q_h = int8_quantize(values, scale_h, zero_h)
check("int8_quantize on random values", q_h, np.clip(np.round(values / scale_h), -128, 127).astype(np.int8))
check_that("a round trip error of at most half a step", np.max(np.abs(int8_dequantize(q_h, scale_h, zero_h) - values))
           <= scale_h / 2 + 1e-6)
check("the dtype of int8_dequantize's result", np.asarray(int8_dequantize(q_h, scale_h, zero_h)).dtype, np.dtype("float32"))
check("int8_quantize clips below", int8_quantize(np.array([-10.0]), 0.01, 5), np.array([-128], dtype=np.int8))
### END HIDDEN TESTS

# %% [markdown]
# ### A model to compress
#
# A small dense network on the digits: 64 inputs, two hidden layers of 256 and 128 units,
# 10 logits, about 50,000 weights. Applied to its first layer, symmetric 8-bit quantization
# keeps every weight within half a step of its original value at a quarter of the storage.

# %%
def build_mlp():
    return keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(256, activation="relu"),
                             keras.layers.Dense(128, activation="relu"), keras.layers.Dense(10)], name="digits_mlp")


baseline = build_mlp()
baseline.compile(optimizer=keras.optimizers.Adam(1e-3), metrics=["accuracy"],
                 loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
baseline.fit(x_train, y_train, epochs=10, batch_size=64, verbose=0)
baseline_accuracy = baseline.evaluate(x_test, y_test, verbose=0)[1]
print(f"weights: {baseline.count_params():,}, test accuracy: {baseline_accuracy:.3f}")

kernel = baseline.layers[0].kernel.numpy()
kernel_scale = float(np.abs(kernel).max() / 127)
kernel_error = np.abs(int8_dequantize(int8_quantize(kernel, kernel_scale, 0), kernel_scale, 0) - kernel)
print(f"first layer: scale {kernel_scale:.5f}, largest error {kernel_error.max():.5f} (half a step is {kernel_scale / 2:.5f})")

# %% [markdown]
# ### Converting with TensorFlow Lite
#
# `tf.lite.TFLiteConverter` turns a TensorFlow model into a compact *flatbuffer* for the
# TFLite runtime. For a Keras 3 model the dependable route goes through a **SavedModel**, the
# format TensorFlow Serving also reads: `model.export(folder, format="tf_saved_model")` writes
# the model's inference function (its `serve` endpoint) with the weights, and
# `TFLiteConverter.from_saved_model(folder)` reads it. (Tracing the model yourself and passing
# the concrete function to `from_concrete_functions` also works, but TensorFlow 2.21 marks that
# path deprecated unless you hand over a trackable object, and with a Keras 3 model as that
# object the weights stay variables outside the flatbuffer: a 3 KiB file that cannot run.)
# With no options the converter keeps float32 weights:

# %%
def converter_for(model):
    """A TFLite converter for ``model``, through a SavedModel exported to a fresh folder."""
    export_dir = tempfile.mkdtemp(prefix="savedmodel-", dir=WORK_DIR)
    model.export(export_dir, format="tf_saved_model", verbose=False)
    return tf.lite.TFLiteConverter.from_saved_model(export_dir)


float_bytes = converter_for(baseline).convert()
print(f"float32 TFLite model: {len(float_bytes) / 1024:.1f} KiB")

# %% [markdown]
# ### Running a TFLite model
#
# The `Interpreter` runs a flatbuffer. Its input and output *details* give each tensor's index,
# shape, dtype and quantization parameters `(scale, zero_point)`. The input is laid out for a
# batch of one (the `shape` printed below), so we resize it for a whole batch, allocate the
# tensors, set the input, invoke, and read the output. On the float32 model:

# %%
interpreter = tf.lite.Interpreter(model_content=float_bytes)
details = interpreter.get_input_details()[0]
print("input:", details["shape"], details["dtype"].__name__, "quantization", details["quantization"])
interpreter.resize_tensor_input(details["index"], [5, 64])
interpreter.allocate_tensors()
interpreter.set_tensor(details["index"], x_test[:5])
interpreter.invoke()
float_logits = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
print("TFLite predictions:", float_logits.argmax(axis=1), " Keras:", baseline.predict(x_test[:5], verbose=0).argmax(axis=1))

# %% [markdown]
# Back to the converter: its optimisation options select the quantization.
#
# | mode | converter settings | weights | activations |
# |---|---|---|---|
# | dynamic range | `optimizations = [tf.lite.Optimize.DEFAULT]` | int8 | float, quantized on the fly |
# | float16 | the same, plus `target_spec.supported_types = [tf.float16]` | float16 | float32 |
# | full integer | the same, plus a `representative_dataset` and int8 ops, inputs and outputs | int8 | int8 |
#
# Full-integer quantization must know the range of every activation, so the converter runs a
# **representative dataset** (a generator yielding lists with one input batch, a few hundred
# typical examples) through the model to calibrate. Set
# `target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]` so that conversion fails
# rather than silently keeping float operations, and `inference_input_type` /
# `inference_output_type` to `tf.int8` for a model that talks integers end to end, as
# integer-only accelerators need.
#
# ### Exercise 5: convert with post-training quantization
#
# Write `convert(model, mode, representative=None)` that starts from `converter_for(model)`,
# applies the settings of `mode` (`"float32"`, `"dynamic"`, `"float16"` or `"int8"`) and returns
# the converted bytes. For `"int8"`, `representative` is an array of input rows: calibrate on
# its first 200 rows, one row per batch (shape `(1, 64)`, float32).

# %% exercise="convert"
MODES = ["float32", "dynamic", "float16", "int8"]


def convert(model, mode, representative=None):
    """TFLite flatbuffer of ``model`` with the post-training quantization ``mode``."""
    ### BEGIN SOLUTION
    converter = converter_for(model)
    if mode != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if mode == "int8":
        rows = np.asarray(representative[:200], dtype=np.float32)

        def calibration_batches():
            for row in rows:
                yield [row[None, :]]

        converter.representative_dataset = calibration_batches
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    return converter.convert()
    ### END SOLUTION


tflite_models = {mode: convert(baseline, mode, representative=x_train) for mode in MODES}
for mode, flatbuffer in tflite_models.items():
    (WORK_DIR / f"digits_{mode}.tflite").write_bytes(flatbuffer)
    print(f"{mode:8s} {len(flatbuffer) / 1024:7.1f} KiB")

# %% tests="convert" points=2
def input_dtype(flatbuffer):
    return tf.lite.Interpreter(model_content=flatbuffer).get_input_details()[0]["dtype"]


sizes = {mode: len(flatbuffer) for mode, flatbuffer in tflite_models.items()}
check_that("the float16 model to be at most 60% of the float32 size", sizes["float16"] < 0.6 * sizes["float32"],
           got=sizes, hint="set target_spec.supported_types = [tf.float16] together with Optimize.DEFAULT")
check_that("the dynamic-range model to be at most 35% of the float32 size", sizes["dynamic"] < 0.35 * sizes["float32"],
           got=sizes, hint="optimizations = [tf.lite.Optimize.DEFAULT] stores the weights as int8")
check("the input dtype of the int8 model", np.dtype(input_dtype(tflite_models["int8"])), np.dtype("int8"),
      hint="set inference_input_type and inference_output_type to tf.int8")
### BEGIN HIDDEN TESTS
check_that("the float32 model to keep float weights (within 10% of the reference size)",
           abs(sizes["float32"] - len(float_bytes)) < 0.1 * len(float_bytes), got=sizes)
check_that("the int8 model to be at most 35% of the float32 size", sizes["int8"] < 0.35 * sizes["float32"], got=sizes)
check("the input dtype of the float16 model", np.dtype(input_dtype(tflite_models["float16"])), np.dtype("float32"))
int8_output = tf.lite.Interpreter(model_content=tflite_models["int8"]).get_output_details()[0]["dtype"]
check("the output dtype of the int8 model", np.dtype(int8_output), np.dtype("int8"))
for mode in ["float32", "dynamic", "float16"]:
    runner = tf.lite.Interpreter(model_content=tflite_models[mode])
    runner.resize_tensor_input(runner.get_input_details()[0]["index"], [len(x_test), 64])
    runner.allocate_tensors()
    runner.set_tensor(runner.get_input_details()[0]["index"], x_test)
    runner.invoke()
    logits = runner.get_tensor(runner.get_output_details()[0]["index"])
    check_that(f"the {mode} model's test accuracy to stay above 0.85",
               np.mean(np.argmax(logits, axis=1) == y_test) > 0.85, got=np.mean(np.argmax(logits, axis=1) == y_test))
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 6: inference for every mode
#
# Write `tflite_predict(flatbuffer, x)` that runs the model on the float32 batch `x` and returns
# float32 logits of shape `(len(x), 10)`. When the input tensor is int8, quantize `x` with the
# input's `(scale, zero_point)` (your `int8_quantize` does it); when the output tensor is int8,
# dequantize the result with the output's parameters.

# %% exercise="tflite_predict"
def tflite_predict(flatbuffer, x):
    """Float logits of a TFLite model on the float batch ``x``, whatever its input/output types."""
    ### BEGIN SOLUTION
    batch = np.asarray(x, dtype=np.float32)
    interpreter = tf.lite.Interpreter(model_content=flatbuffer)
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    interpreter.resize_tensor_input(inp["index"], list(batch.shape))
    interpreter.allocate_tensors()
    if inp["dtype"] == np.int8:
        batch = int8_quantize(batch, *inp["quantization"])
    interpreter.set_tensor(inp["index"], batch)
    interpreter.invoke()
    result = interpreter.get_tensor(out["index"])
    if out["dtype"] == np.int8:
        result = int8_dequantize(result, *out["quantization"])
    return result.astype(np.float32)
    ### END SOLUTION


keras_logits = baseline.predict(x_test, verbose=0)
results = {}
for mode in MODES:
    logits = tflite_predict(tflite_models[mode], x_test)
    results[mode] = {"KiB": len(tflite_models[mode]) / 1024, "test accuracy": float(np.mean(logits.argmax(axis=1) == y_test)),
                     "agrees with Keras": float(np.mean(logits.argmax(axis=1) == keras_logits.argmax(axis=1)))}
    print(f"{mode:8s} {results[mode]['KiB']:7.1f} KiB  accuracy {results[mode]['test accuracy']:.3f}  "
          f"same prediction as Keras {results[mode]['agrees with Keras']:.1%}")

# %% tests="tflite_predict" points=2
float_prediction = tflite_predict(float_bytes, x_test[:20])
check("tflite_predict(float32 model, x_test[:20])", float_prediction, keras_logits[:20], rtol=1e-3, atol=1e-4,
      hint="resize the input to the batch, allocate_tensors, set_tensor, invoke, get_tensor")
int8_prediction = tflite_predict(tflite_models["int8"], x_test[:20])
check("the dtype of the int8 model's predictions", np.asarray(int8_prediction).dtype, np.dtype("float32"),
      hint="dequantize the int8 output with the output's (scale, zero_point)")
logit_range = float(keras_logits[:20].max() - keras_logits[:20].min())
check_that("the int8 model's logits to stay within a quarter of the logit range of the Keras logits",
           np.max(np.abs(int8_prediction - keras_logits[:20])) < 0.25 * logit_range,
           got=np.max(np.abs(int8_prediction - keras_logits[:20])),
           hint="quantize the input with the input tensor's (scale, zero_point), dequantize the output with the output's")
check_that("the int8 model to predict the same class as Keras on at least 18 of 20 digits",
           np.sum(np.argmax(int8_prediction, axis=1) == np.argmax(keras_logits[:20], axis=1)) >= 18,
           got=np.argmax(int8_prediction, axis=1))
### BEGIN HIDDEN TESTS
for mode in MODES:
    check_that(f"the {mode} model's test accuracy through tflite_predict to be above 0.85",
               results[mode]["test accuracy"] > 0.85, got=results[mode]["test accuracy"])
runner = tf.lite.Interpreter(model_content=tflite_models["int8"])
inp, out = runner.get_input_details()[0], runner.get_output_details()[0]
probe = np.random.default_rng(12).uniform(size=(7, 64)).astype(np.float32)
runner.resize_tensor_input(inp["index"], [7, 64])
runner.allocate_tensors()
runner.set_tensor(inp["index"], np.clip(np.round(probe / inp["quantization"][0]) + inp["quantization"][1], -128, 127)
                  .astype(np.int8))
runner.invoke()
expected = (runner.get_tensor(out["index"]).astype(np.float32) - out["quantization"][1]) * out["quantization"][0]
check("tflite_predict(int8 model) on random inputs", tflite_predict(tflite_models["int8"], probe), expected,
      rtol=1e-5, atol=1e-6)
check("the shape of tflite_predict on one row", np.shape(tflite_predict(tflite_models["float16"], x_test[:1])), (1, 10))
### END HIDDEN TESTS

# %% [markdown]
# Quantization cut the file to a quarter (int8) or a half (float16) and the accuracy barely
# moved: this network has plenty of slack. The trade-off is not always this kind. Small models,
# or models with a few sensitive layers, can lose several points; then we quantize selectively or
# train with quantization in the loop (section 6).

# %%
fig, ax = plt.subplots()
ax.bar(MODES, [results[mode]["KiB"] for mode in MODES])
for i, mode in enumerate(MODES):
    ax.text(i, results[mode]["KiB"], f"acc {results[mode]['test accuracy']:.3f}", ha="center", va="bottom")
labelled(ax, "TFLite model size by quantization mode", "mode", "size (KiB)",
         caption="Int8 weights take a quarter of the float32 size, float16 half, for nearly the same accuracy.")
plt.show()

# %% [markdown]
# ## 5. Pruning
#
# Many weights of a trained network are close to zero and contribute little. **Magnitude
# pruning** sets the smallest-magnitude weights to exactly zero and keeps training, so the
# remaining weights compensate. Removing them all at once hurts; the standard recipe raises the
# sparsity (the fraction of zeros) gradually along a **polynomial decay** schedule that prunes
# fast at first and slowly near the end:
#
# sparsity(step) = final + (initial - final) × (1 - p)³, with p = (step - begin) / (end - begin)
# clipped to [0, 1].
#
# A sparse weight matrix is not smaller in a dense file (a zero still takes 4 bytes), but it
# **compresses** very well, and sparse kernels and some accelerators skip the zeros. Pruning
# also stacks with quantization.
#
# **Why we write it ourselves.** The TensorFlow Model Optimization Toolkit implements this as
# `tfmot.sparsity.keras.prune_low_magnitude(model, pruning_schedule=PolynomialDecay(...))`, but
# version 0.8 wraps only `tf_keras` (Keras 2) models: given this course's Keras 3 model it raises
# `ValueError: prune_low_magnitude can only prune an object of the following types: ...`. We
# would have to rebuild and retrain the network in `tf_keras`. The algorithm is short, so we
# implement it in Keras 3 with a callback; the toolkit's code, for a `tf_keras` model, would be:
#
# ```python
# import tensorflow_model_optimization as tfmot
# schedule = tfmot.sparsity.keras.PolynomialDecay(initial_sparsity=0.5, final_sparsity=0.9,
#                                                  begin_step=0, end_step=end_step)
# pruned = tfmot.sparsity.keras.prune_low_magnitude(tf_keras_model, pruning_schedule=schedule)
# pruned.compile(...)
# pruned.fit(..., callbacks=[tfmot.sparsity.keras.UpdatePruningStep()])
# final = tfmot.sparsity.keras.strip_pruning(pruned)
# ```
#
# ### Exercise 7: the polynomial-decay schedule
#
# Write `polynomial_sparsity(step, initial, final, begin, end, power=3)` returning the
# scheduled sparsity at `step` as a float, with the formula above (`power` replaces the
# exponent 3). Before `begin` it is `initial`, after `end` it is `final`.

# %% exercise="polynomial_sparsity"
def polynomial_sparsity(step, initial, final, begin, end, power=3):
    """Target sparsity at ``step``: from ``initial`` at ``begin`` to ``final`` at ``end``."""
    ### BEGIN SOLUTION
    progress = min(1.0, max(0.0, (step - begin) / (end - begin)))
    return float(final + (initial - final) * (1.0 - progress) ** power)
    ### END SOLUTION


# %% tests="polynomial_sparsity" points=1
check("polynomial_sparsity at begin, halfway and end",
      [polynomial_sparsity(s, 0.5, 0.9, 0, 100) for s in (0, 50, 100)], [0.5, 0.85, 0.9], rtol=1e-9,
      hint="halfway p = 0.5, so 0.9 + (0.5 - 0.9) * 0.5**3 = 0.85")
check("polynomial_sparsity after the end", polynomial_sparsity(500, 0.5, 0.9, 0, 100), 0.9,
      hint="clip p to [0, 1]")
### BEGIN HIDDEN TESTS
for step in [0, 5, 17, 60, 99, 150]:
    p = min(1.0, max(0.0, (step - 10) / (90 - 10)))
    check(f"polynomial_sparsity({step}, 0.2, 0.8, 10, 90, power=2)", polynomial_sparsity(step, 0.2, 0.8, 10, 90, power=2),
          0.8 + (0.2 - 0.8) * (1 - p) ** 2, rtol=1e-9)
check("polynomial_sparsity before begin", polynomial_sparsity(3, 0.3, 0.7, 10, 20), 0.3)
check_that("a float", isinstance(polynomial_sparsity(3, 0.3, 0.7, 10, 20), float))
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 8: the magnitude mask
#
# Write `magnitude_mask(weights, sparsity)` that returns a boolean array of the shape of
# `weights`: `False` for the `int(round(sparsity * weights.size))` entries of smallest absolute
# value (to be zeroed), `True` for all others. Break ties by position with a stable sort of the
# flattened absolute values.

# %% exercise="magnitude_mask"
def magnitude_mask(weights, sparsity):
    """Boolean keep-mask that drops the given fraction of smallest-magnitude weights."""
    ### BEGIN SOLUTION
    weights = np.asarray(weights)
    n_pruned = int(round(sparsity * weights.size))
    keep = np.ones(weights.size, dtype=bool)
    keep[np.argsort(np.abs(weights).ravel(), kind="stable")[:n_pruned]] = False
    return keep.reshape(weights.shape)
    ### END SOLUTION


# %% tests="magnitude_mask" points=2
toy_weights = np.array([[0.5, -0.1], [0.05, -2.0]])
check("magnitude_mask(toy_weights, 0.5)", magnitude_mask(toy_weights, 0.5), np.array([[True, False], [False, True]]),
      hint="drop the 2 entries of smallest |w| (0.05 and -0.1), keep the others")
check("the dtype and shape of the mask", [str(magnitude_mask(toy_weights, 0.5).dtype), magnitude_mask(toy_weights, 0.5).shape],
      ["bool", (2, 2)])
check("magnitude_mask(toy_weights, 0.0)", magnitude_mask(toy_weights, 0.0), np.ones((2, 2), dtype=bool))
### BEGIN HIDDEN TESTS
rng_hidden = np.random.default_rng(13)
w = rng_hidden.normal(size=(37, 23))
for sparsity in (0.3, 0.75, 0.9):
    mask = magnitude_mask(w, sparsity)
    check(f"the number of pruned weights at sparsity {sparsity}", int(np.sum(~mask)), int(round(sparsity * w.size)))
    check_that(f"every kept |w| to be at least every pruned |w| (sparsity {sparsity})",
               np.abs(w[mask]).min() >= np.abs(w[~mask]).max())
check("magnitude_mask at sparsity 1", magnitude_mask(w, 1.0), np.zeros_like(w, dtype=bool))
### END HIDDEN TESTS

# %% [markdown]
# ### Pruning while fine-tuning
#
# A Keras callback applies the schedule: after every training batch it computes the target
# sparsity for the current step and zeroes the smallest weights of every dense kernel (biases
# are few and stay). We start from a copy of the trained baseline, prune from 50% to 90%
# sparsity over three epochs, and fine-tune three more epochs at 90%, with a learning rate a
# little higher than the baseline's so the surviving weights can move to make up for the lost ones.

# %%
class MagnitudePruning(keras.callbacks.Callback):
    """Zero the smallest-magnitude weights of each Dense kernel after every batch, following the schedule."""

    def __init__(self, initial, final, end_step):
        super().__init__()
        self.initial, self.final, self.end_step = initial, final, end_step
        self.step = 0

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        sparsity = polynomial_sparsity(self.step, self.initial, self.final, 0, self.end_step)
        for layer in self.model.layers:
            if isinstance(layer, keras.layers.Dense):
                kernel = layer.kernel.numpy()
                layer.kernel.assign(kernel * magnitude_mask(kernel, sparsity))


steps_per_epoch = int(np.ceil(len(x_train) / 64))
pruned = build_mlp()
pruned.set_weights(baseline.get_weights())
pruned.compile(optimizer=keras.optimizers.Adam(3e-3), metrics=["accuracy"],
               loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
pruning = MagnitudePruning(initial=0.5, final=0.9, end_step=3 * steps_per_epoch)
pruned.fit(x_train, y_train, epochs=6, batch_size=64, verbose=0, callbacks=[pruning])
pruned_accuracy = pruned.evaluate(x_test, y_test, verbose=0)[1]
kernel_sparsity = [float(np.mean(layer.kernel.numpy() == 0)) for layer in pruned.layers]
print("sparsity of each kernel:", np.round(kernel_sparsity, 3))
print(f"test accuracy: baseline {baseline_accuracy:.3f}, pruned {pruned_accuracy:.3f}")

# %% [markdown]
# With one weight in ten left, the pruned network stays close to the baseline's accuracy: the
# fine-tuning let the surviving weights take over the work of the removed ones.
#
# Now the payoff in bytes. A TFLite file of the pruned model is as large as the baseline's, but
# gzip shrinks it far more; stacking dynamic-range quantization on top shrinks it again.

# %%
def gzipped_kib(flatbuffer):
    return len(gzip.compress(flatbuffer, mtime=0)) / 1024


pruned_float = convert(pruned, "float32")
pruned_dynamic = convert(pruned, "dynamic")
summary = {
    "baseline, float32": (float_bytes, baseline_accuracy),
    "baseline, int8 weights": (tflite_models["dynamic"], results["dynamic"]["test accuracy"]),
    "pruned 90%, float32": (pruned_float, pruned_accuracy),
    "pruned 90%, int8 weights": (pruned_dynamic, float(np.mean(tflite_predict(pruned_dynamic, x_test).argmax(axis=1) == y_test))),
}
for name, (flatbuffer, accuracy) in summary.items():
    print(f"{name:26s} file {len(flatbuffer) / 1024:6.1f} KiB, gzipped {gzipped_kib(flatbuffer):6.1f} KiB, accuracy {accuracy:.3f}")

fig, ax = plt.subplots(figsize=(7, 3.8))
names = list(summary)
ax.barh(names, [len(summary[n][0]) / 1024 for n in names], label="file")
ax.barh(names, [gzipped_kib(summary[n][0]) for n in names], label="gzipped")
ax.invert_yaxis()
ax.legend()
labelled(ax, "Model size: pruning and quantization stack", "size (KiB)", "model",
         caption="Zeros cost full size in the file but almost nothing once compressed.")
plt.show()

# %% [markdown]
# ## 6. Quantization-aware training, the idea
#
# When post-training quantization costs too much accuracy, **quantization-aware training**
# (QAT) lets the network adapt to the rounding during training. It inserts *fake quantization*
# operations in the forward pass: each weight and activation is quantized and immediately
# dequantized, so the loss sees the rounding error, while the backward pass treats the rounding
# as the identity (the *straight-through estimator*), since a step function has no useful
# gradient. After training, the converter produces a genuinely integer model whose weights
# have learned to live on the 8-bit grid.
#
# TensorFlow exposes the operation itself; here it is on a few values, with its gradient:

# %%
values = tf.constant([-1.3, -0.31, 0.0, 0.26, 0.9, 1.6])
with tf.GradientTape() as tape:
    tape.watch(values)
    fake = tf.quantization.fake_quant_with_min_max_args(values, min=-1.0, max=1.0, num_bits=4)
print("input:           ", values.numpy())
print("fake-quantized:  ", fake.numpy().round(3))
print("gradient:        ", tape.gradient(fake, values).numpy())

# %% [markdown]
# Inside the range, values snap to the 16 levels of 4-bit quantization and the gradient is 1;
# outside it they are clipped and the gradient is 0. With the Model Optimization Toolkit (again
# for `tf_keras` models only) the whole recipe is
# `q_model = tfmot.quantization.keras.quantize_model(model)`, compile, fit for a few epochs,
# then convert with `optimizations = [tf.lite.Optimize.DEFAULT]`.
#
# ## What you built
#
# - Measured the curse of dimensionality: distances concentrate and k-NN degrades as useless
#   dimensions are added.
# - PCA from the SVD, the number of components for a target variance, and reconstructions;
#   ICA unmixing independent signals, and NMF's part-based components.
# - Affine int8 quantization by hand, then TFLite post-training quantization (dynamic range,
#   float16, full integer with a representative dataset), run with the interpreter, with size
#   and accuracy for each.
# - Magnitude pruning with a polynomial-decay sparsity schedule in Keras 3, and its payoff in
#   compressed size, alone and combined with quantization.
# - The idea of quantization-aware training, and the fake-quantization operation behind it.
