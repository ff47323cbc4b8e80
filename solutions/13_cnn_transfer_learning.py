# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 13: Convolutional networks and transfer learning
#
# **Description:** what a convolution filter computes, by hand and with `Conv2D`; pooling,
# weight sharing and receptive fields; a small CNN against the lab 02 MLP; then a network
# pretrained on one task, frozen, given a new head and fine-tuned for a second task that has
# only a handful of labels.
#
# Labs 02 to 04 fed images to dense networks as flat rows of pixels. A dense layer does not
# know that pixel (3, 4) is next to pixel (3, 5): it would learn the same thing from the
# pixels shuffled into any fixed order. A convolutional layer builds that knowledge in. It
# slides one small filter over the image, so the same few weights look for the same pattern
# everywhere. That costs far fewer parameters, and what a filter learns at one position it
# knows at every position.
#
# The second half of the lab is about the most common way convolutional networks are used
# in production: nobody trains one from scratch for every task. A network trained on a task
# with plenty of labels has learnt features (strokes, edges, corners) that a new task can
# reuse, and the new task then needs far fewer labels of its own. We play both tasks out on
# scikit-learn's 8x8 digits, so everything runs offline in seconds: digits 0-4 are the task
# with plenty of labels, digits 5-9 the new task with a few labels per class.
#
# **How the exercises work.** Cells that say `# YOUR CODE HERE` are yours: replace the
# `raise NotImplementedError()` line with your code. The cell after each exercise checks your
# answer and tells you what it expected when something is off. The grader runs more tests
# than the ones you see, on other inputs, so solve the problem rather than the example. Run
# the notebook from top to bottom (*Run > Run All Cells*) before you submit.

# %% [markdown]
# ## Setup
#
# `start_lab` fixes every random seed (and turns on TensorFlow's deterministic operations),
# sets the plot style and returns `WORK_DIR`, a fresh folder for the files this lab writes.
# The models are tiny, so one CPU thread runs them about as fast as two.

# %%
from course import check, check_that, needs, start_lab  # first: it also quiets TensorFlow's start-up log
from course.cnn import measured_receptive_field
from course.data import train_test
from course.plotting import add_caption, labelled

import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from keras import layers
from scipy import signal
from sklearn.linear_model import LogisticRegression

WORK_DIR = start_lab("lab13", seed=42, threads=1)

# %% [markdown]
# The data: scikit-learn's 1,797 handwritten digits, 8x8 pixels scaled to [0, 1], split into
# 1,347 training and 450 test images as in the earlier labs. Convolutional layers take
# images with a channel axis, `(height, width, channels)`; ours have one channel (grey).

# %%
x_train, x_test, y_train, y_test = train_test("digits")
images_train, images_test = x_train.reshape(-1, 8, 8, 1), x_test.reshape(-1, 8, 8, 1)
print("train:", images_train.shape, "test:", images_test.shape)

# %% [markdown]
# ## 1. What a filter computes
#
# A convolutional filter is a small grid of weights, here 3x3. At one position of the image
# it multiplies the 3x3 patch of pixels under it by its weights, element by element, sums the
# nine products and adds a bias: one number. Sliding the filter over every position gives a
# new image, the *feature map*: large where the patch looks like the filter, small or
# negative where it does not.
#
# The filter below has negative weights on the left and positive ones on the right, so it
# responds to ink that gets darker from left to right: the left edge of a vertical stroke.
# Here it is on one patch of a digit, by hand:

# %%
digit = images_train[0, :, :, 0]
edge_filter = np.array([[-1.0, 0.0, 1.0],
                        [-1.0, 0.0, 1.0],
                        [-1.0, 0.0, 1.0]], dtype="float32")
row, col = 2, 1
patch = digit[row:row + 3, col:col + 3]
by_hand = float(np.sum(patch * edge_filter))
print("the digit is a", y_train[0])
print("patch:\n", patch.round(2))
print(f"filter response at ({row}, {col}), by hand: {by_hand:.4f}")

# %% [markdown]
# `Conv2D` does the same at every position at once. Its weights have the shape
# `(kernel height, kernel width, input channels, filters)`; we give it our one filter and a
# zero bias. With `padding="valid"` the filter only visits positions where it fits entirely
# inside the image, so an 8x8 image gives a 6x6 map, and map cell `(i, j)` is the patch whose
# top-left corner is pixel `(i, j)`.

# %%
conv = layers.Conv2D(filters=1, kernel_size=3, padding="valid")
conv.build((None, 8, 8, 1))
conv.set_weights([edge_filter.reshape(3, 3, 1, 1), np.zeros(1, dtype="float32")])
feature_map = conv(digit.reshape(1, 8, 8, 1)).numpy()[0, :, :, 0]
print("feature map shape:", feature_map.shape)
print(f"Conv2D at ({row}, {col}): {feature_map[row, col]:.4f}  (by hand: {by_hand:.4f})")

# %% [markdown]
# Strictly speaking, deep-learning libraries compute a *cross-correlation*: the mathematical
# convolution flips the filter first. SciPy has both, and only `correlate2d` agrees with
# `Conv2D`. The difference does not matter when the filter is learnt (training would simply
# learn the flipped weights), but it does when you port hand-made filters between libraries.

# %%
correlated = signal.correlate2d(digit, edge_filter, mode="valid")
convolved = signal.convolve2d(digit, edge_filter, mode="valid")
print("correlate2d equals Conv2D:", np.allclose(correlated, feature_map, atol=1e-6))
print("convolve2d equals Conv2D: ", np.allclose(convolved, feature_map, atol=1e-6),
      "(it flips the filter: for this filter that negates the map)")

# %%
fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
panels = [(digit, "the digit", "gray_r"), (edge_filter, "the filter", "coolwarm"),
          (feature_map, "feature map", "coolwarm")]
for ax, (picture, name, cmap) in zip(axes, panels):
    limit = np.abs(picture).max()
    ax.imshow(picture, cmap=cmap, vmin=-limit if cmap == "coolwarm" else 0, vmax=limit)
    ax.set_title(name)
    ax.axis("off")
add_caption(fig, "Red: ink gets darker to the right (a stroke's left edge); blue: its right edge.",
            title="A 3x3 vertical-edge filter slid over a digit")
plt.show()

# %% [markdown]
# ### Exercise 1: convolution by hand
#
# Write `conv2d(image, kernels, bias, stride=1, padding="valid")` that computes what a
# `Conv2D` layer computes, with NumPy:
#
# - `image` has the shape `(height, width, in_channels)`; `kernels` has the Keras layout
#   `(kernel_height, kernel_width, in_channels, filters)` (the kernel need not be square);
#   `bias` has one value per filter.
# - Output cell `(i, j, f)` is the sum, over the patch under filter `f` and over all input
#   channels, of pixel times weight, plus `bias[f]`; there is no activation. The patch of
#   output row `i` starts at image row `i * stride` (columns alike).
# - `padding="valid"`: the filter visits only positions where it fits inside the image.
#   `padding="same"` (you need it only with `stride=1`): surround the image with zeros first,
#   `(kernel_height - 1) // 2` rows on top and `kernel_height // 2` below (columns alike), so
#   the output has the input's height and width.
# - Return a NumPy array of shape `(out_height, out_width, filters)`.
#
# The checks compare your function with `Conv2D` layers given random weights.

# %% exercise="conv2d"
def conv2d(image, kernels, bias, stride=1, padding="valid"):
    """What keras.layers.Conv2D computes for one image (no activation), with NumPy."""
    ### BEGIN SOLUTION
    image = np.asarray(image, dtype="float64")
    kernels = np.asarray(kernels, dtype="float64")
    kernel_height, kernel_width, _, filters = kernels.shape
    if padding == "same":
        image = np.pad(image, (((kernel_height - 1) // 2, kernel_height // 2),
                               ((kernel_width - 1) // 2, kernel_width // 2), (0, 0)))
    out_height = (image.shape[0] - kernel_height) // stride + 1
    out_width = (image.shape[1] - kernel_width) // stride + 1
    output = np.empty((out_height, out_width, filters))
    for i in range(out_height):
        for j in range(out_width):
            window = image[i * stride:i * stride + kernel_height, j * stride:j * stride + kernel_width, :]
            output[i, j] = np.tensordot(window, kernels, axes=3) + bias
    return output
    ### END SOLUTION


# %% tests="conv2d" points=3
def keras_conv(image, kernels, bias, stride=1, padding="valid"):
    """The reference: a Conv2D layer holding the given weights, applied to one image."""
    layer = layers.Conv2D(kernels.shape[-1], kernels.shape[:2], strides=stride, padding=padding)
    layer.build((None,) + image.shape)
    layer.set_weights([kernels.astype("float32"), bias.astype("float32")])
    return layer(image[None].astype("float32")).numpy()[0]


check("conv2d on the digit with the edge filter", conv2d(digit[:, :, None], edge_filter[:, :, None, None], np.zeros(1)),
      feature_map[:, :, None], atol=1e-5, hint="output (i, j) is the sum of image[i:i+3, j:j+3] * kernel")
visible_rng = np.random.default_rng(1)
image_rgb = visible_rng.normal(size=(7, 6, 3))
kernels_rgb, bias_rgb = visible_rng.normal(size=(3, 3, 3, 4)), visible_rng.normal(size=4)
check("3 input channels, 4 filters, with biases", conv2d(image_rgb, kernels_rgb, bias_rgb),
      keras_conv(image_rgb, kernels_rgb, bias_rgb), rtol=1e-4, atol=1e-4,
      hint="sum over the input channels too, and add one bias per filter")
check("stride=2", conv2d(image_rgb, kernels_rgb, bias_rgb, stride=2),
      keras_conv(image_rgb, kernels_rgb, bias_rgb, stride=2), rtol=1e-4, atol=1e-4,
      hint="output row i starts at image row i * stride; there are (height - kernel_height) // stride + 1 rows")
kernels_tall = visible_rng.normal(size=(3, 2, 3, 2))
check("a 3x2 kernel", conv2d(image_rgb, kernels_tall, bias_rgb[:2]),
      keras_conv(image_rgb, kernels_tall, bias_rgb[:2]), rtol=1e-4, atol=1e-4,
      hint="use the kernel's height and width separately")
check("padding='same'", conv2d(image_rgb, kernels_rgb, bias_rgb, padding="same"),
      keras_conv(image_rgb, kernels_rgb, bias_rgb, padding="same"), rtol=1e-4, atol=1e-4,
      hint="pad (kernel_height - 1) // 2 zero rows on top and kernel_height // 2 below, columns alike")
kernels_even = visible_rng.normal(size=(2, 4, 3, 2))
check("padding='same' with a 2x4 kernel (more zeros below and to the right)",
      conv2d(image_rgb, kernels_even, bias_rgb[:2], padding="same"),
      keras_conv(image_rgb, kernels_even, bias_rgb[:2], padding="same"), rtol=1e-4, atol=1e-4,
      hint="a 2-row kernel gets (2 - 1) // 2 = 0 zero rows on top and 2 // 2 = 1 below; a 4-column one 1 left, 2 right")
### BEGIN HIDDEN TESTS
hidden_rng = np.random.default_rng(2026)
for shape, kernel_shape, stride, padding in [((9, 7, 2), (2, 4, 2, 5), 3, "valid"), ((5, 5, 1), (5, 5, 1, 1), 1, "valid"),
                                             ((6, 8, 3), (5, 3, 3, 2), 1, "same"), ((10, 10, 4), (3, 3, 4, 6), 2, "valid"),
                                             ((4, 6, 2), (1, 1, 2, 3), 1, "same"), ((7, 5, 2), (4, 2, 2, 3), 1, "same")]:
    image_h, kernels_h = hidden_rng.normal(size=shape), hidden_rng.normal(size=kernel_shape)
    bias_h = hidden_rng.normal(size=kernel_shape[-1])
    check(f"conv2d on {shape} with a {kernel_shape} kernel, stride {stride}, {padding}",
          conv2d(image_h, kernels_h, bias_h, stride=stride, padding=padding),
          keras_conv(image_h, kernels_h, bias_h, stride=stride, padding=padding), rtol=1e-4, atol=1e-4)
single = hidden_rng.normal(size=(8, 9))
single_kernel = hidden_rng.normal(size=(3, 4))
check("conv2d against scipy.signal.correlate2d", conv2d(single[:, :, None], single_kernel[:, :, None, None], np.zeros(1)),
      signal.correlate2d(single, single_kernel, mode="valid")[:, :, None], rtol=1e-6, atol=1e-8)
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Pooling
#
# A pooling layer shrinks a feature map by summarising each small window. `MaxPooling2D(2)`
# keeps the largest value of every non-overlapping 2x2 block, one channel at a time: a 6x6
# map becomes 3x3. It has no weights. Two things follow: the next layer sees a coarser grid,
# so its 3x3 filter covers a larger part of the image; and a pattern that moves by one pixel
# inside a block gives the same output, a little tolerance to shifts.

# %%
pooled = layers.MaxPooling2D(pool_size=2)(feature_map.reshape(1, 6, 6, 1)).numpy()[0, :, :, 0]
print("feature map 6x6 -> pooled", pooled.shape)
print(pooled.round(2))

# %% [markdown]
# ### Exercise 2 (a problem): max pooling by hand
#
# Write `max_pool2d(feature_maps, size)`: what `layers.MaxPooling2D(size)` computes for one
# image, with NumPy only. `feature_maps` has the shape `(height, width, channels)` and `size`
# is any positive int. How you get there is yours (loops, slicing, reshaping); the checks
# compare your function with the Keras layer and test these rules:
#
# - each channel is pooled on its own;
# - a height or width that is not a multiple of `size` leaves rows or columns that fill no
#   block; like Keras' default `padding="valid"`, the result ignores them;
# - the result is a NumPy array of shape `(height // size, width // size, channels)`.

# %% exercise="max_pool2d"
def max_pool2d(feature_maps, size):
    """Max over non-overlapping size x size blocks, per channel (leftover edges dropped)."""
    ### BEGIN SOLUTION
    feature_maps = np.asarray(feature_maps)
    height, width = feature_maps.shape[0] // size, feature_maps.shape[1] // size
    blocks = feature_maps[:height * size, :width * size].reshape(height, size, width, size, -1)
    return blocks.max(axis=(1, 3))
    ### END SOLUTION


# %% tests="max_pool2d" points=1
check("max_pool2d of the 6x6 feature map, size 2", max_pool2d(feature_map[:, :, None], 2), pooled[:, :, None],
      hint="take the largest value of each 2x2 block")
maps_visible = np.random.default_rng(3).normal(size=(7, 9, 2))
check("a 7x9 map with 2 channels, size 2 (leftover row and column dropped)", max_pool2d(maps_visible, 2),
      layers.MaxPooling2D(2)(maps_visible[None].astype("float32")).numpy()[0], rtol=1e-6,
      hint="pool each channel on its own, and drop the last row or column when it does not fill a block")
maps_by_three = np.random.default_rng(4).normal(size=(8, 7, 3))
pooled_by_three = max_pool2d(maps_by_three, 3)
check("the shape for an 8x7 map with 3 channels, size 3", np.shape(pooled_by_three), (2, 2, 3),
      hint="(height // size, width // size, channels): two leftover rows and one leftover column are ignored")
check("an 8x7 map with 3 channels, size 3", pooled_by_three,
      layers.MaxPooling2D(3)(maps_by_three[None].astype("float32")).numpy()[0], rtol=1e-6, atol=1e-6,
      hint="a block is size x size pixels, for any size, not only 2")
check_that("max_pool2d to return a NumPy array", isinstance(pooled_by_three, np.ndarray), got=type(pooled_by_three))
### BEGIN HIDDEN TESTS
hidden_rng = np.random.default_rng(77)
for shape, size in [((9, 9, 3), 3), ((8, 5, 1), 2), ((10, 11, 4), 4), ((3, 3, 2), 1)]:
    maps_hidden = hidden_rng.normal(size=shape)
    check(f"max_pool2d on {shape}, size {size}", max_pool2d(maps_hidden, size),
          layers.MaxPooling2D(size)(maps_hidden[None].astype("float32")).numpy()[0], rtol=1e-6, atol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Weight sharing and receptive fields
#
# A filter's weights are the same at every position: *weight sharing*. A `Conv2D` layer with
# 32 filters of 3x3 on a one-channel image has 3 x 3 x 1 x 32 weights plus 32 biases, 320
# parameters, whatever the image size. A dense layer that produced the same 32 feature maps
# of 8x8 values from the 64 pixels would need a weight from every pixel to every output
# value:

# %%
conv_layer = layers.Conv2D(32, 3, padding="same")
conv_layer.build((None, 8, 8, 1))
dense_layer = layers.Dense(8 * 8 * 32)
dense_layer.build((None, 64))
print("Conv2D(32, 3) on 8x8x1:", conv_layer.count_params(), "parameters")
print("Dense 64 -> 8*8*32:   ", dense_layer.count_params(), "parameters")
big_image_layer = layers.Conv2D(32, 3, padding="same")
big_image_layer.build((None, 256, 256, 1))
print("Conv2D(32, 3) on 256x256x1:", big_image_layer.count_params(), "parameters")

# %% [markdown]
# The price of sharing is locality: one output of a 3x3 convolution sees only a 3x3 patch of
# its input, its *receptive field*. Stacking layers widens it: a 3x3 convolution on top of
# another sees 3x3 outputs of the first, which together cover 5x5 input pixels. Pooling and
# strides widen it faster, because every step on the coarser grid is several pixels of the
# image. This is how a CNN goes from edges to strokes to whole digits.
#
# The receptive field can be *measured*: it is the set of input pixels that one output
# depends on, so it is where the gradient of that output with respect to the input is not
# zero. Below, a stack of two 3x3 convolutions (weights all one, no activation, so nothing
# cancels) on a 32x32 input: the gradient of the centre output covers a 5x5 square.

# %%
probe_stack = keras.Sequential([keras.Input((32, 32, 1)),
                                layers.Conv2D(1, 3, use_bias=False, kernel_initializer="ones"),
                                layers.Conv2D(1, 3, use_bias=False, kernel_initializer="ones")])
probe_input = tf.zeros((1, 32, 32, 1))
with tf.GradientTape() as tape:
    tape.watch(probe_input)
    probe_output = probe_stack(probe_input)
    centre = probe_output.shape[1] // 2
    centre_unit = probe_output[0, centre, centre, 0]
gradient = tape.gradient(centre_unit, probe_input).numpy()[0, :, :, 0]
rows_seen = np.flatnonzero(gradient.any(axis=1))
print("input rows the centre output depends on:", rows_seen, "-> receptive field", len(rows_seen))

# %% [markdown]
# ### Exercise 3 (a problem): the receptive field of a stack
#
# Write `receptive_field(stack)`: `stack` lists the layers from the input upwards as
# `(kernel_size, stride)` pairs (square windows, `padding="valid"`; a pooling layer is a
# window too, e.g. `MaxPooling2D(2)` is `(2, 2)`). Return the side, in input pixels, of the
# square of input pixels that one output of the last layer depends on, as a Python `int`. For
# example, `receptive_field([(3, 1), (3, 1)])` is 5. A layer whose stride is larger than its
# window skips input pixels (a 1x1 window with stride 2 reads every other row); the square
# still runs from the first pixel an output depends on to the last, skipped ones included, so
# `receptive_field([(1, 2), (3, 1)])` is 5 as well. Work out the rule. To test your idea on any
# stack, `measured_receptive_field(stack)` (imported from `course.cnn` in the setup cell) runs
# the gradient measurement above for you and returns that side.
#
# (If you write the measurement yourself, keep to stride-1 layers: on this TensorFlow build a
# `Conv2D` with a 1x1 kernel and a stride above 1 can crash the kernel when you take its
# gradient, a bug of the oneDNN library that TensorFlow runs convolutions with on x86 CPUs.
# `measured_receptive_field` runs every strided layer as a stride-1 window followed by keeping
# every `stride`-th row and column, which gives the same outputs and avoids the bug.)

# %% exercise="receptive_field"
def receptive_field(stack):
    """Side in input pixels of what one output of the last layer sees; stack = [(kernel, stride), ...]."""
    ### BEGIN SOLUTION
    field, jump = 1, 1
    for kernel_size, stride in stack:
        field += (kernel_size - 1) * jump
        jump *= stride
    return int(field)
    ### END SOLUTION


# %% tests="receptive_field" points=2
check("receptive_field([(3, 1)])", receptive_field([(3, 1)]), 3, hint="one 3x3 filter sees 3x3 pixels")
check("receptive_field([(3, 1), (3, 1)])", receptive_field([(3, 1), (3, 1)]), 5,
      hint="each extra 3x3 layer adds 2 pixels when nothing below it has a stride")
lab_cnn_stack = [(3, 1), (2, 2), (3, 1), (2, 2)]
check("receptive_field of conv 3 / pool 2 / conv 3 / pool 2 (the CNN of section 4)", receptive_field(lab_cnn_stack),
      measured_receptive_field(lab_cnn_stack),
      hint="after a stride-2 layer, one step of the next layer's window is 2 input pixels")
check("receptive_field([(1, 2), (3, 1)]) (a stride larger than the window: skipped pixels count)",
      receptive_field([(1, 2), (3, 1)]), measured_receptive_field([(1, 2), (3, 1)]),
      hint="the 3 rows the second layer reads are 2 input rows apart: count from the first to the last")
check_that("receptive_field to return a Python int", type(receptive_field([(3, 1)])) is int,
           got=type(receptive_field([(3, 1)])))
### BEGIN HIDDEN TESTS
for hidden_stack in ([(5, 1)], [(3, 2), (3, 2)], [(5, 2), (3, 1), (2, 2), (3, 1)], [(7, 3), (3, 1)],
                     [(3, 1), (3, 1), (3, 1), (2, 2), (3, 1)], [(1, 1), (4, 2), (3, 1)],
                     [(3, 1), (1, 2), (3, 1)], [(1, 3), (2, 2), (3, 1)]):
    check(f"receptive_field({hidden_stack})", receptive_field(hidden_stack), measured_receptive_field(hidden_stack))
### END HIDDEN TESTS

# %% [markdown]
# By that rule, the CNN of the next section (a 3x3 convolution, 2x2 pooling, a 3x3
# convolution, 2x2 pooling) gives each of its last outputs a 10x10 window: more than the
# whole 8x8 digit. Its last layer can therefore combine strokes from anywhere in the image.
#
# ## 4. A small CNN against the MLP
#
# Lab 02 classified these digits with a multilayer perceptron: the 8x8 image flattened into 64
# numbers, a hidden `Dense(64)` layer with ReLU and a softmax output. Here is that MLP again,
# beside a small CNN, both trained the same way (Adam with learning rate 0.005, batches of 32,
# 15 epochs) on the same images.

# %%
def compile_classifier(model, learning_rate):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


keras.utils.set_random_seed(42)  # the same start, whatever ran before (your exercises, the grader's tests)
mlp = compile_classifier(keras.Sequential([
    keras.Input((8, 8, 1)),
    layers.Flatten(),
    layers.Dense(64, activation="relu"),
    layers.Dense(10, activation="softmax"),
], name="mlp_from_lab_02"), 0.005)
cnn = compile_classifier(keras.Sequential([
    keras.Input((8, 8, 1)),
    layers.Conv2D(16, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(2),
    layers.Conv2D(32, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(2),
    layers.Flatten(),
    layers.Dense(10, activation="softmax"),
], name="small_cnn"), 0.005)
comparison = {}
for model in (mlp, cnn):
    started = time.perf_counter()
    model.fit(images_train, y_train, epochs=15, batch_size=32, verbose=0)
    comparison[model.name] = {"parameters": model.count_params(),
                              "test accuracy": model.evaluate(images_test, y_test, verbose=0)[1],
                              "seconds": time.perf_counter() - started}
for name, row in comparison.items():
    print(f"{name:16s} {row['parameters']:6d} parameters, test accuracy {row['test accuracy']:.3f}, "
          f"trained in {row['seconds']:.1f} s")

# %% [markdown]
# On images this small and this clean the two are close: both get about 98% of the test
# digits right, and both train in seconds. Where the CNN's built-in
# knowledge of neighbourhoods shows is under a change the training set did not contain. Shift
# every test digit by one pixel to the right (a column of zeros comes in on the left) and
# compare:

# %%
shifted_test = np.zeros_like(images_test)
shifted_test[:, :, 1:] = images_test[:, :, :-1]
for model in (mlp, cnn):
    shifted_accuracy = model.evaluate(shifted_test, y_test, verbose=0)[1]
    comparison[model.name]["shifted accuracy"] = shifted_accuracy
    print(f"{model.name:16s} test accuracy on digits shifted one pixel right: {shifted_accuracy:.3f}")

# %% [markdown]
# The MLP has learnt "ink at pixel (3, 4)" and loses a large share of its accuracy when the
# ink moves; the CNN's filters find the same strokes one pixel over, and pooling absorbs part
# of the move, so it loses much less. Real images vary far more than these (position, scale,
# lighting), which is why convolutional networks took over image recognition.
#
# ## 5. Transfer learning: reuse a trained network
#
# Now the production situation. Task A has plenty of labels: digits 0-4, about 670 training
# images. Task B is new, and labelling is expensive: digits 5-9, of which we pretend only a
# handful per class are labelled. Task B's labels are the digit minus 5, so both tasks have
# five classes, 0-4.

# %%
source = y_train < 5
source_images, source_labels = images_train[source], y_train[source]
target_pool, target_pool_labels = images_train[~source], y_train[~source] - 5
target_test, target_test_labels = images_test[y_test >= 5], y_test[y_test >= 5] - 5
print(f"task A (digits 0-4): {len(source_labels)} labelled training images")
print(f"task B (digits 5-9): a pool of {len(target_pool_labels)} images to draw labels from, "
      f"{len(target_test_labels)} test images")


def labelled_subset(labels, per_class, seed):
    """Indices of `per_class` randomly chosen examples of each class (a seeded draw)."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.choice(np.flatnonzero(labels == c), per_class, replace=False)
                           for c in np.unique(labels)])

# %% [markdown]
# The network for both tasks splits into a convolutional **base**, which turns an image into a
# vector of 512 features, and a **head**, a dense softmax layer on those features. The base
# has a `BatchNormalization` layer (it normalises each channel with the mean and variance of
# the batch while training, and keeps running averages of both for inference), as most
# pretrained image networks do. `conv_base()` builds a fresh, untrained base.
#
# We pretrain on task A with augmentation in front of the base: random shifts of up to a
# pixel and small rotations, so the base learns strokes that do not depend on an exact
# position. Lab 07 introduced these layers (and showed that a linear model gains little from
# them); a CNN, which recognises a stroke wherever it is, is where they pay off. They are
# active only in training: at inference they pass images through unchanged.

# %%
def conv_base(name="conv_base"):
    """An untrained convolutional base: 8x8x1 image -> 512 features."""
    return keras.Sequential([
        keras.Input((8, 8, 1)),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.BatchNormalization(),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.Flatten(),
    ], name=name)


def augmentation(seed=0):
    """Random shifts of up to one pixel and rotations of up to about 11 degrees, in training only."""
    return keras.Sequential([
        layers.RandomTranslation(0.125, 0.125, fill_mode="constant", seed=seed),
        layers.RandomRotation(0.03, fill_mode="constant", seed=seed + 1),
    ], name="augmentation")


keras.utils.set_random_seed(42)  # the same pretrained base, whatever ran before
base = conv_base()
pretraining_model = compile_classifier(keras.Sequential([
    keras.Input((8, 8, 1)), augmentation(), base, layers.Dense(5, activation="softmax")]), 0.003)
pretraining_model.fit(source_images, source_labels, epochs=20, batch_size=32, verbose=0)
source_test = y_test < 5
print(f"task A test accuracy: {pretraining_model.evaluate(images_test[source_test], y_test[source_test], verbose=0)[1]:.3f}")
BASE_PATH = WORK_DIR / "conv_base_digits_0_to_4.keras"
base.save(BASE_PATH)
print("saved the pretrained base to", BASE_PATH.name, f"({base.count_params()} parameters)")

# %% [markdown]
# The base never saw a 5, 6, 7, 8 or 9. Does what it learnt help with them?
#
# ### Freezing, and why BatchNormalization needs care
#
# To reuse the base we *freeze* it: `base.trainable = False` marks all its weights as
# non-trainable, so training the new model updates only the head. A frozen Keras
# `BatchNormalization` layer also switches itself to inference mode: it normalises with its
# stored running averages instead of the batch statistics, and stops updating them.
#
# The trap comes later, when we *fine-tune*: unfreeze the base and train everything a little
# more. A trainable `BatchNormalization` layer in training mode normalises with the
# statistics of each batch of the new task, which with a handful of labels are noisy, and
# overwrites the running averages that the rest of the base was trained with. The advice in
# many tutorials (written for Keras 2) is to call the base with `training=False` when you
# build the new model. In Keras 3 that is not enough: `fit()` calls the whole model with
# `training=True`, and a functional model passes that flag on to every layer inside it,
# overriding the `training=False` recorded at construction (Keras issue 20285). What does
# hold is the rule above: a `BatchNormalization` layer whose `trainable` is `False` runs in
# inference mode whatever the flag. So when you unfreeze the base, keep its
# `BatchNormalization` layers frozen. Watch the running statistics in both cases:

# %%
def running_statistics(model):
    """The moving means and variances of every BatchNormalization layer of `model`, copied."""
    return [w.numpy().copy() for layer in model.layers if isinstance(layer, layers.BatchNormalization)
            for w in (layer.moving_mean, layer.moving_variance)]


base.trainable = False
print("trainable weights of the base, frozen:", len(base.trainable_weights),
      "| non-trainable:", len(base.non_trainable_weights))
base.trainable = True
print("and unfrozen:", len(base.trainable_weights), "| non-trainable:", len(base.non_trainable_weights),
      "(the BatchNormalization running mean and variance never train by gradient)")

few = labelled_subset(target_pool_labels, 5, seed=0)
for keep_norm_frozen in (False, True):
    trial_base = keras.models.load_model(BASE_PATH)
    inputs = keras.Input((8, 8, 1))
    trial = keras.Model(inputs, layers.Dense(5, activation="softmax")(trial_base(inputs, training=False)))
    trial_base.trainable = True  # fine-tuning: the base's weights train too
    if keep_norm_frozen:
        trial_base.layers[1].trainable = False  # the base's BatchNormalization layer
    before = running_statistics(trial_base)
    compile_classifier(trial, 1e-4).fit(target_pool[few], target_pool_labels[few], epochs=3, verbose=0)
    change = max(float(np.max(np.abs(a - b))) for a, b in zip(before, running_statistics(trial_base)))
    setting = "BatchNormalization kept frozen" if keep_norm_frozen else "all unfrozen, training=False"
    print(f"{setting:31s} largest change of a running statistic: {change:.2e}")

# %% [markdown]
# With every layer unfrozen, three short epochs on 25 images already moved the running
# statistics, `training=False` notwithstanding; with the `BatchNormalization` layer kept
# frozen they are untouched, while the convolution weights around it still train.
#
# ### Exercise 4 (a problem): freeze, then unfreeze with care
#
# Write two functions; how you build them is yours. The checks train the model frozen, then
# unfrozen, and look at what changed.
#
# `transfer_model(base, n_classes)` turns a trained base (any Keras model from images to
# features, like `conv_base()`) into an uncompiled `keras.Model` for a new task with
# `n_classes` classes:
#
# - it takes images of the shape `base` takes and returns `n_classes` probabilities per image
#   (each row sums to 1);
# - when it returns, `base.trainable` is `False`: training the model changes none of the
#   base's weights, and its only trainable parameters are those of a new head on top of the
#   base's features (a softmax layer; `Dropout` before it is allowed);
# - it contains the `base` object it was given, not a copy, so that unfreezing `base` later
#   makes the same model fine-tunable.
#
# `unfreeze(base)` prepares `base` for fine-tuning and returns it. When it returns:
#
# - `base.trainable` is `True`, like its layers: left `False`, the base would report itself
#   frozen (`base.trainable_weights` would be empty) while its layers train inside the model;
# - every layer in `base.layers` is trainable except the `BatchNormalization` layers, which
#   have `trainable` `False`, so they stay in inference mode and keep their running
#   statistics;
# - fitting a model that contains `base` (compiled again after the change) changes the
#   weights of its convolutions, and leaves the running statistics as they were.

# %% exercise="transfer_model"
def transfer_model(base, n_classes):
    """The frozen `base` followed by a new softmax head of `n_classes` outputs."""
    ### BEGIN SOLUTION
    base.trainable = False
    inputs = keras.Input(base.input_shape[1:])
    outputs = layers.Dense(n_classes, activation="softmax")(base(inputs, training=False))
    return keras.Model(inputs, outputs)
    ### END SOLUTION


def unfreeze(base):
    """Make every layer of `base` trainable except its BatchNormalization layers; returns `base`."""
    ### BEGIN SOLUTION
    base.trainable = True
    for layer in base.layers:
        layer.trainable = not isinstance(layer, layers.BatchNormalization)
    return base
    ### END SOLUTION


# %% tests="transfer_model" points=3
def weights_of(model):
    return [w.copy() for w in model.get_weights()]


def all_equal(first, second):
    return all(np.array_equal(a, b) for a, b in zip(first, second))


probe_base = keras.models.load_model(BASE_PATH)
probe = transfer_model(probe_base, 5)
probabilities = probe.predict(target_test[:4], verbose=0)
check("the output shape for 4 images", probabilities.shape, (4, 5), hint="end with Dense(n_classes, activation='softmax')")
check("each row of probabilities sums to 1", probabilities.sum(axis=1), np.ones(4), rtol=1e-5,
      hint="the head needs a softmax activation")
check_that("the model to use the given base object (not a copy)", any(layer is probe_base for layer in probe.layers),
           hint="call base(inputs) inside the new model")
check_that("the base to be frozen", not probe_base.trainable, hint="set base.trainable = False")
check("the number of trainable parameters (the head only)", sum(int(np.prod(w.shape)) for w in probe.trainable_weights),
      512 * 5 + 5, hint="only the new Dense layer should be trainable")
base_before = weights_of(probe_base)
compile_classifier(probe, 0.01).fit(target_pool[few], target_pool_labels[few], epochs=1, verbose=0)
check_that("the base's weights unchanged by training the frozen model", all_equal(base_before, weights_of(probe_base)))
check_that("unfreeze(base) to return the base", unfreeze(probe_base) is probe_base)
check("base.trainable after unfreeze(base)", probe_base.trainable, True,
      hint="freezing set the base's own flag to False; unfreezing sets it back, besides the flags of its layers")
check("which layers of the base train after unfreeze", [layer.trainable for layer in probe_base.layers],
      [not isinstance(layer, layers.BatchNormalization) for layer in probe_base.layers],
      hint="every layer trainable, except the BatchNormalization ones")
statistics_before, kernel_before = running_statistics(probe_base), probe_base.layers[0].get_weights()[0].copy()
compile_classifier(probe, 1e-3).fit(target_pool[few], target_pool_labels[few], epochs=1, verbose=0)
check_that("the BatchNormalization statistics unchanged by fine-tuning",
           all_equal(statistics_before, running_statistics(probe_base)),
           hint="keep the BatchNormalization layers frozen (trainable = False) when you unfreeze the base")
check_that("the first convolution's weights changed by fine-tuning",
           not np.array_equal(kernel_before, probe_base.layers[0].get_weights()[0]),
           hint="make the base and its convolutions trainable again, and compile again before fitting")
### BEGIN HIDDEN TESTS
other_base = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(4, 3), layers.BatchNormalization(),
                               layers.ReLU(), layers.Conv2D(3, 3), layers.BatchNormalization(),
                               layers.GlobalAveragePooling2D()], name="other_base")
compile_classifier(keras.Sequential([other_base, layers.Dense(3, activation="softmax")]), 0.01).fit(
    images_train[:64], y_train[:64] % 3, epochs=1, verbose=0)
other = transfer_model(other_base, 4)
check("the output shape with another base and 4 classes", other.predict(images_test[:6], verbose=0).shape, (6, 4))
check("the trainable parameters with another base", sum(int(np.prod(w.shape)) for w in other.trainable_weights), 3 * 4 + 4)
other_before = weights_of(other_base)
compile_classifier(other, 0.01).fit(images_train[:40], y_train[:40] % 4, epochs=1, verbose=0)
check_that("another base unchanged while frozen", all_equal(other_before, weights_of(other_base)))
unfreeze(other_base)
check("another base's trainable flag after unfreeze", other_base.trainable, True)
statistics_before = running_statistics(other_base)
compile_classifier(other, 1e-3).fit(images_train[:40], y_train[:40] % 4, epochs=1, verbose=0)
check_that("another base's BatchNormalization statistics unchanged after unfreeze",
           all_equal(statistics_before, running_statistics(other_base)))
check("another base's trainable layers", [layer.trainable for layer in other_base.layers],
      [True, False, True, True, False, True])
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Few labels: from scratch, feature extraction, fine-tuning
#
# Three ways to learn task B from `n` labelled images per class:
#
# - **from scratch**: a fresh `conv_base()` and head, all trained on the `n` x 5 images;
# - **feature extraction**: the pretrained base, frozen, is a fixed function from images to
#   512 features. Run it once over the images, and the rest is a small classifier on a table:
#   here scikit-learn's `LogisticRegression`, which fits in milliseconds. A softmax `Dense`
#   head is the same model (weights times features plus a bias, then a softmax), so the
#   fitted coefficients can be copied into the head of your `transfer_model`;
# - **fine-tuning**: start from that model, unfreeze the base (your `unfreeze`) and train
#   it all for a few epochs with a low learning rate (3e-4, a tenth of the from-scratch
#   rate), so the pretrained features are adjusted rather than overwritten. Changing
#   `trainable` takes effect only at `compile()`, which `fit_steps` calls.
#
# The head is trained first and the base fine-tuned second on purpose: a new head starts
# random, and the large gradients it sends back in its first steps would scramble an
# unfrozen base. All three methods see the same draw of images. `fit_steps` repeats small
# sets within one epoch, so every budget gets the same number of gradient steps (one epoch
# of many batches also costs less overhead than many epochs of one batch).

# %%
BUDGETS = (2, 5, 10, 30)


def fit_steps(model, images, labels, steps, learning_rate, batch_size=32):
    """Compile and train for `steps` gradient steps: one epoch over the images repeated (and shuffled)."""
    copies = int(np.ceil(steps * batch_size / len(labels)))
    rows = steps * batch_size
    images, labels = np.concatenate([images] * copies)[:rows], np.concatenate([labels] * copies)[:rows]
    compile_classifier(model, learning_rate).fit(images, labels, epochs=1, batch_size=batch_size, verbose=0)
    return model


def target_accuracy(model):
    """Accuracy on the digits 5-9 test images (a direct call: no predict function to trace)."""
    return float(np.mean(model(target_test, training=False).numpy().argmax(axis=1) == target_test_labels))


budget_results = {"from scratch": [], "feature extraction": [], "fine-tuning": []}
draws = {per_class: labelled_subset(target_pool_labels, per_class, seed=per_class) for per_class in BUDGETS}
started = time.perf_counter()
for per_class, chosen in draws.items():
    keras.utils.set_random_seed(per_class)  # one seed per budget: the curve does not depend on earlier cells
    scratch = keras.Sequential([keras.Input((8, 8, 1)), conv_base("scratch_base"), layers.Dense(5, activation="softmax")])
    fit_steps(scratch, target_pool[chosen], target_pool_labels[chosen], 80, 3e-3)
    budget_results["from scratch"].append(target_accuracy(scratch))
print(f"{len(BUDGETS)} networks trained from scratch in {time.perf_counter() - started:.1f} s")

# %% [markdown]
# Now the two pretrained methods on the same draws, and the three curves side by side:

# %%
features_pool, features_test = base.predict(target_pool, verbose=0), base.predict(target_test, verbose=0)
with needs("exercise 4 (`transfer_model`, `unfreeze`)"):
    started = time.perf_counter()
    for per_class, chosen in draws.items():
        xs, ys = target_pool[chosen], target_pool_labels[chosen]
        extractor = LogisticRegression(max_iter=2000).fit(features_pool[chosen], ys)
        budget_results["feature extraction"].append(extractor.score(features_test, target_test_labels))
        keras.utils.set_random_seed(per_class)
        pretrained = keras.models.load_model(BASE_PATH)
        tuned = transfer_model(pretrained, 5)
        tuned.layers[-1].set_weights([extractor.coef_.T, extractor.intercept_])
        unfreeze(pretrained)
        budget_results["fine-tuning"].append(target_accuracy(fit_steps(tuned, xs, ys, 40, 3e-4)))
    print(f"{len(BUDGETS)} networks fine-tuned in {time.perf_counter() - started:.1f} s")
    print("labels per class:  ", "".join(f"{n:7d}" for n in BUDGETS))
    for method, accuracies in budget_results.items():
        print(f"{method:19s}", "".join(f"{a:7.3f}" for a in accuracies))

    fig, ax = plt.subplots()
    for (method, accuracies), marker in zip(budget_results.items(), "os^"):
        ax.plot(BUDGETS, accuracies, marker=marker, label=method)
    ax.set_xscale("log")
    ax.set_xticks(BUDGETS, [str(n) for n in BUDGETS])  # ticks at the budgets only,
    ax.set_xticks([], minor=True)  # and no minor ticks (a log axis labels some, over the "5")
    ax.legend()
    labelled(ax, "Digits 5-9 with few labels: pretrained on 0-4 vs from scratch", "labelled images per class",
             "test accuracy on digits 5-9",
             caption="One draw and one seed per budget; the smallest budgets move by several points with either.")
    plt.show()

# %% [markdown]
# Read the curve from the left. With 2 labels per class (ten images in all) the pretrained
# base is ahead in this run: about 0.80 with feature extraction and fine-tuned, against 0.75
# from scratch. Ten images are not enough to learn strokes from nothing, but they are enough
# to learn which of the base's existing features tell a 5 from a 9. At 5 labels per class the
# pretrained methods are still ahead, by one or two points (0.89 and 0.88 against 0.87).
# Between 5 and 10 the curves cross: at 10 from scratch leads, 0.95 against 0.91 and 0.92.
# Between 10 and 30 they cross back: at 30 the pretrained methods are four points ahead (0.97
# against 0.93; from scratch even scores lower than at 10). Fine-tuning moves feature
# extraction by about a point either way: with so few images, moving 19,000 weights gains
# about as much as it risks. (If your `transfer_model` adds `Dropout`, your fine-tuning row
# can differ from these numbers by a point or two.)
#
# Do not read much into one point of this plot: each is a single run, and the from-scratch
# ones depend on the random initial weights as much as on the method. Trained with seeds 0
# to 4 on the same draw of 2 images per class, the from-scratch network scored
# between 0.75 and 0.83 (0.80 on average, level with feature extraction); at 10 per class
# between 0.93 and 0.95. On this task, then, pretraining on digits 0-4 buys little accuracy;
# what it does buy is a model with no random start to get lucky or unlucky with, fitted in
# milliseconds. The gap is small because digits 5-9 are an easy task: a small CNN trained
# from scratch on 25 images already gets nearly nine test digits in ten right. Transfer
# pays most when the new task is hard for its number of labels and the source task is
# large and related (networks pretrained on millions of photographs, reused for a few
# hundred product or medical images). With one draw of images per budget, the order of
# curves this close can also change with the draw, most at the smallest budgets.
#
# ### Exercise 5 (a problem): ten labels per class
#
# You are given 10 labelled images of each of the digits 5-9 and the pretrained base saved
# at `BASE_PATH`. Write `few_label_classifier(images, labels)` that returns a trained Keras
# model: `model.predict` on images of shape `(n, 8, 8, 1)` gives 5 class probabilities per
# image (class `c` is digit `c + 5`). Choose the method: anything from this lab (a frozen
# base, fine-tuning, augmentation, more or fewer epochs) or your own. The rules:
#
# - learn only from `images` and `labels` (50 images) and the base at `BASE_PATH`;
# - calls are independent: every call starts from the pretrained weights saved at
#   `BASE_PATH`, never from a base that an earlier call trained, and a call never changes a
#   model that an earlier call returned. So load a fresh copy of the base inside your function
#   and build every layer there; the check calls your function twice and tests that the two
#   models share no weight and that the first model's predictions did not move;
# - the acceptance test: at least **85%** accuracy on the 224 test images of digits 5-9, for
#   each of the two draws of 10 images per class in the check. The grader also calls your
#   function on a third draw and applies the same tests;
# - keep one call to about 10 seconds: the grader calls it three times in one cell, and a
#   cell that runs past 120 seconds is stopped and scores nothing. The check prints how long
#   yours took.

# %% exercise="few_label_classifier"
def few_label_classifier(images, labels):
    """A model for digits 5-9 (classes 0-4) trained on 10 labelled images per class."""
    ### BEGIN SOLUTION
    pretrained = keras.models.load_model(BASE_PATH)
    pretrained.trainable = False
    inputs = keras.Input((8, 8, 1))
    features = pretrained(augmentation(seed=7)(inputs), training=False)
    model = keras.Model(inputs, layers.Dense(5, activation="softmax")(features))
    fit_steps(model, images, labels, 100, 3e-3)
    unfreeze(pretrained)
    fit_steps(model, images, labels, 40, 3e-4)
    return model
    ### END SOLUTION


# %% tests="few_label_classifier" points=3
def accepted(model, what):
    predictions = np.asarray(model(target_test, training=False))
    check("the shape of the predictions on the digits 5-9 test images", predictions.shape, (len(target_test), 5),
          hint="the model must output 5 probabilities per image")
    accuracy = float(np.mean(predictions.argmax(axis=1) == target_test_labels))
    check_that(f"at least 85% test accuracy on digits 5-9 ({what})", accuracy >= 0.85, got=round(accuracy, 3),
               hint="start from the pretrained base: feature extraction, then fine-tuning with a low learning rate")
    return accuracy


def independent(earlier, earlier_predictions, later, what):
    """The rule that calls are independent: no shared weight, the earlier model unchanged."""
    shared = {id(w) for w in earlier.weights} & {id(w) for w in later.weights}
    check_that(f"the models of two calls to share no weight ({what})", not shared, got=f"{len(shared)} shared",
               hint="load the base and build every layer inside few_label_classifier, once per call")
    check(f"the earlier model's predictions after a later call ({what}; they must not move)",
          np.asarray(earlier(target_test, training=False)), earlier_predictions, rtol=1e-5, atol=1e-6,
          hint="a later call trained a base or layer that the first model uses: give every call its own copy")


ten_each = labelled_subset(target_pool_labels, 10, seed=2024)
started = time.perf_counter()
few_label_model = few_label_classifier(target_pool[ten_each], target_pool_labels[ten_each])
print(f"few_label_classifier took {time.perf_counter() - started:.1f} s (keep it to about 10 s)")
few_label_accuracy = accepted(few_label_model, "10 labels per class")
first_predictions = np.asarray(few_label_model(target_test, training=False))
second_ten = labelled_subset(target_pool_labels, 10, seed=7)
second_model = few_label_classifier(target_pool[second_ten], target_pool_labels[second_ten])
accepted(second_model, "a second draw of 10 per class")
independent(few_label_model, first_predictions, second_model, "first and second call")
### BEGIN HIDDEN TESTS
second_predictions = np.asarray(second_model(target_test, training=False))
other_ten = labelled_subset(target_pool_labels, 10, seed=31)
third_model = few_label_classifier(target_pool[other_ten], target_pool_labels[other_ten])
other_accuracy = accepted(third_model, "another draw of 10 per class")
independent(second_model, second_predictions, third_model, "second and third call")
### END HIDDEN TESTS

# %% [markdown]
# ### Written answer: which method, when?
#
# A colleague has a new image task with 20 labelled images per class and a network
# pretrained on a related task. Using the curve above and your exercise 5, say in four to
# six sentences which of the three methods you would start with and why, when you would
# switch to another, and why fine-tuning uses a low learning rate and starts only after the
# head has been trained. A full-mark answer cites numbers from the curve, names one case in
# which training from scratch is the better choice, and names one risk of fine-tuning with
# few labels.

# %% [markdown] answer="which_method" points=3
# I would start with feature extraction: it is the cheapest method (one pass of the frozen
# base, then a logistic regression that fits in milliseconds), it cannot damage the pretrained
# features, and on the curve it is ahead of training from scratch at 2, 5 and 30 labels per
# class (0.80 against 0.75, 0.89 against 0.87, 0.97 against 0.93), though behind at 10 (0.91
# against 0.95), and the 20 labels per class of the task lie between those budgets. If a
# held-out validation split shows room to improve, I would then fine-tune. Fine-tuning uses a
# low learning rate and starts only after the head is trained because a random head sends
# large gradients into the base and would overwrite the features we wanted to reuse; with
# few labels the risk is overfitting them (here fine-tuning was no better than feature
# extraction), and, with BatchNormalization, corrupting its statistics unless those layers
# stay frozen. Training from scratch is the better choice when the source task is unrelated
# to the new one (features of handwritten digits for X-ray images), or when labels are
# plentiful and the task is easy: at 10 labels per class from scratch was ahead here.
#
# **Rubric (instructor only):** 1 point: picks a method and justifies it with numbers read
# from the curve (or exercise 5). 1 point: explains the low learning rate and the head-first
# order (a random head's large gradients would destroy the pretrained features). 1 point:
# names a case for training from scratch (unrelated source task, or many labels) and a risk
# of fine-tuning with few labels (overfitting, BatchNormalization statistics, no held-out
# check).

# %% [markdown]
# ## What you built
#
# - A convolution written by hand, `conv2d`, that agrees with `Conv2D` and with SciPy's
#   cross-correlation, and max pooling (`max_pool2d`) that agrees with `MaxPooling2D`.
# - The parameter count of weight sharing (320 for a `Conv2D(32, 3)`, whatever the image
#   size, against 133,120 for a dense layer with the same outputs), and the receptive-field
#   rule, checked against a gradient measurement.
# - A small CNN beside lab 02's MLP: close on centred digits, far ahead on shifted ones.
# - Transfer learning: a base pretrained on digits 0-4, frozen with its BatchNormalization in
#   inference mode (`transfer_model`), a new head for digits 5-9, fine-tuning with a low
#   learning rate, and a curve of all three methods against the label budget.
# - A classifier that reaches 85% on digits 5-9 from 10 labels per class, by a method you chose.
#
# This lab draws on lab 02 (the Sequential and Functional APIs, `compile`/`fit`, the digits
# MLP it compares against) and lab 07 (augmentation layers, here inside a CNN). Lab 08's
# pruning and quantization and lab 09's distillation apply unchanged to CNNs like these.
