# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 09: High-performance modeling
#
# **Description:** fast input pipelines with `tf.data`, training on several devices with
# distribution strategies, and a small model that learns from a big one by knowledge
# distillation.
#
# A model in production is trained again and again, so the time each run takes matters as
# much as its accuracy. This lab attacks that time from three sides. First the **input
# pipeline**: an accelerator that waits for data is an expensive heater, and `tf.data` has
# tools that keep it fed. Then **distribution**: the same training code can run on one
# device or on several, and TensorFlow's strategies hide most of the plumbing. Last,
# **knowledge distillation**: once a large *teacher* model is trained, a much smaller
# *student* can learn to imitate it, and the student is what you deploy.
#
# **How the exercises work.** Cells that say `# YOUR CODE HERE` are yours: replace the
# `raise NotImplementedError()` line with your code. The cell after each exercise checks your
# answer and tells you what it expected when something is off. The grader runs more tests
# than the ones you see, on other inputs, so solve the problem, not the example. Run the
# notebook from top to bottom (*Run > Run All Cells*) before you submit, and restart the
# kernel before a second run: section 2 needs a fresh TensorFlow.

# %% [markdown]
# ## Setup
#
# Two things are unusual this week, and both concern the order of the first cells.
#
# 1. `start_lab` runs **before** TensorFlow is imported, so it seeds only Python and NumPy
#    for now (it also sets the plot style, quiets library logs and creates `WORK_DIR`, the
#    scratch folder for every file this lab writes). Seeding TensorFlow also switches on its *op determinism*
#    (`tf.config.experimental.enable_op_determinism()`), so that two runs give the same
#    numbers. For `tf.data` that means running every map function that may have side effects
#    (like the sleeps that fake a slow disk below) one element at a time, whatever
#    `num_parallel_calls` says: a parallel map would be no faster than a plain one. That would
#    hide exactly what section 1 measures. So we seed TensorFlow only at the start of
#    section 2, before any model is trained.
# 2. Section 2 trains on two devices, and TensorFlow sees all of this machine's CPU cores as
#    one device. TensorFlow can split a physical device into several *logical* devices, but
#    only before it initialises its devices, that is, before the first operation runs. So the
#    split comes right after the import.

# %%
from course import check, check_that, needs, set_seed, start_lab  # first: it also quiets TensorFlow's start-up log
from course.data import train_test
from course.plotting import labelled

import os
import tempfile
import time

import matplotlib.pyplot as plt
import numpy as np

WORK_DIR = start_lab("lab09", seed=42)  # Python and NumPy now; TensorFlow in section 2

# %%
import keras
import tensorflow as tf

tf.get_logger().setLevel("ERROR")  # imported after start_lab: MirroredStrategy's eager-mode notes stay quiet
physical_cpu = tf.config.list_physical_devices("CPU")[0]
try:
    tf.config.set_logical_device_configuration(
        physical_cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])
except RuntimeError:
    print("TensorFlow already initialised its devices: restart the kernel and run from the top.")
print("TensorFlow", tf.__version__, "| Keras", keras.__version__)
print("logical CPU devices:", [device.name for device in tf.config.list_logical_devices("CPU")])

# %% [markdown]
# ## 1. Input pipelines with `tf.data`
#
# Training consumes batches; something has to read them from storage, decode them and
# transform them. If that *something* runs in the same thread as the training step, the two
# take turns: while the model trains, the disk idles, and while the disk reads, the model
# idles. `tf.data` describes the input as a chain of transformations (a `Dataset`) that a
# C++ runtime executes with its own threads, so reading, preprocessing and training can
# overlap.
#
# To see the effect without a real slow disk, we build a **synthetic** one. `sleepy(seconds)`
# wraps a Python function in `tf.py_function` and sleeps first: a stand-in for a read or a
# costly decode. Sleeping needs no CPU, so the timings below show the *structure* of each
# pipeline and change little when the machine is busy.

# %%
AUTOTUNE = tf.data.AUTOTUNE


def sleepy(seconds, fn=None):
    """A map function that waits ``seconds`` (a slow read or decode), then applies ``fn``."""
    def mapped(x):
        def work(value):
            time.sleep(seconds)
            return value if fn is None else fn(value)

        y = tf.py_function(work, [x], x.dtype)
        y.set_shape(x.shape)
        return y

    return mapped


def slow_file(file_id, n_records=3, open_seconds=0.04, read_seconds=0.01):
    """A synthetic file: opening takes ``open_seconds``, each record ``read_seconds``.

    Record k of file f holds the number 100 * f + k.
    """
    file_id = tf.cast(file_id, tf.int64)
    opened = tf.data.Dataset.from_tensors(file_id).map(sleepy(open_seconds))
    records = opened.flat_map(lambda f: tf.data.Dataset.range(n_records).map(lambda k: 100 * f + k))
    return records.map(sleepy(read_seconds))


print("file 2 holds", [int(record) for record in slow_file(2)])

# %% [markdown]
# Two more helpers. `time_pipeline` iterates over a dataset and sleeps for `step_seconds`
# after each element, standing in for the training step that would consume it; it returns the
# wall-clock seconds until the last element was delivered and consumed. `pipeline_ops` lists
# the operations a dataset is made of (source first), read from the graph `tf.data` builds,
# which is how the tests see *which* transformations your pipelines use.
#
# `time_pipeline` runs every pipeline with two `tf.data.Options`, and both are worth knowing:
#
# - `tf.data` runs map functions on its own thread pool, with one thread per CPU core. That
#   suits work that keeps a core busy (decoding, resizing), but a pipeline that mostly
#   *waits* (for a disk, a network share, or our sleeps) can keep many more calls in flight
#   than there are cores. `threading.private_threadpool_size = 8` gives the pipeline a pool
#   of eight threads, so the parallel steps below can overlap up to eight waits even on a
#   two-core machine.
# - TensorFlow quietly adds a `prefetch` to the end of a pipeline whose last step is
#   synchronous (the `inject_prefetch` optimisation, on by default). That is good for
#   training, but it would make the "naive" pipeline below a prefetching one. We switch it
#   off so that each pipeline is timed as written.

# %%
TIMING = tf.data.Options()
TIMING.threading.private_threadpool_size = 8  # waiting threads need no core
TIMING.experimental_optimization.inject_prefetch = False  # time each pipeline as written


def time_pipeline(dataset, epochs=1, step_seconds=0.0):
    """Seconds until ``dataset`` delivered its last element, summed over ``epochs`` epochs,
    with a fake training step of ``step_seconds`` after each element."""
    dataset = dataset.with_options(TIMING)
    total = 0.0
    for _ in range(epochs):
        start = finish = time.perf_counter()
        for _ in dataset:
            time.sleep(step_seconds)
            finish = time.perf_counter()
        total += finish - start
    return total


def pipeline_ops(dataset):
    """Names of the tf.data operations that make up ``dataset``, source first."""
    serialized = tf.raw_ops.DatasetToGraphV2(input_dataset=tf.data.experimental.to_variant(dataset))
    graph = tf.compat.v1.GraphDef.FromString(serialized.numpy())
    return [node.op for node in graph.node if node.op.endswith(("Dataset", "DatasetV2", "DatasetV3", "DatasetV4"))]


print(pipeline_ops(tf.data.Dataset.range(8).map(lambda x: x + 1).batch(4)))

# %% [markdown]
# ### The baseline: every stage waits for the others
#
# Our first pipeline reads 10 records from one slow file (10 ms each), preprocesses each one
# (squares it, after a 20 ms "decode"), and feeds a training step of 15 ms. Nothing overlaps,
# so one epoch costs about 10 × (10 + 20 + 15) ms plus the time to open the file.

# %%
READ, PREP, STEP, N_RECORDS = 0.01, 0.02, 0.015, 10
preprocess = sleepy(PREP, lambda v: v * v)


def one_file():
    return slow_file(0, n_records=N_RECORDS, read_seconds=READ)


timings = {}
timings["naive"] = time_pipeline(one_file().map(preprocess), step_seconds=STEP)
print(f"naive: {timings['naive']:.2f} s")

# %% [markdown]
# ### Prefetching overlaps the producer and the consumer
#
# `dataset.prefetch(k)` runs the pipeline ahead in a background thread and keeps up to `k`
# elements in a buffer. While the model trains on element *i*, the pipeline already prepares
# element *i + 1*. The epoch then costs about N × max(produce, consume) instead of
# N × (produce + consume). `tf.data.AUTOTUNE` lets the runtime choose the buffer size and
# adjust it while the pipeline runs. A `prefetch` at the very end of a pipeline is almost
# always worth it.

# %%
timings["prefetch"] = time_pipeline(one_file().map(preprocess).prefetch(AUTOTUNE), step_seconds=STEP)
print(f"prefetch: {timings['prefetch']:.2f} s (naive {timings['naive']:.2f} s)")

# %% [markdown]
# ### Parallel map spreads the preprocessing over several threads
#
# Preprocessing one element does not depend on the others, so several elements can be
# transformed at once: `map(fn, num_parallel_calls=k)` runs `k` calls in parallel, and
# `num_parallel_calls=AUTOTUNE` lets the runtime pick `k` from the cores it has and the cost
# it measures. The elements still come out **in order** (unless you pass
# `deterministic=False`, which trades order for a little more speed).

# %%
timings["parallel map"] = time_pipeline(one_file().map(preprocess, num_parallel_calls=AUTOTUNE),
                                        step_seconds=STEP)
timings["parallel map + prefetch"] = time_pipeline(
    one_file().map(preprocess, num_parallel_calls=AUTOTUNE).prefetch(AUTOTUNE), step_seconds=STEP)
for name in ("parallel map", "parallel map + prefetch"):
    print(f"{name}: {timings[name]:.2f} s")

# %% [markdown]
# The parallel map more than halves the epoch. Adding a `prefetch` after it changes little
# here: a parallel map already works ahead of the consumer, into a buffer of its own. What is
# left is the part nothing here parallelises: the 10 reads of the single file one after the
# other, and the 15 ms training step for each element. Removing that bottleneck needs more
# files, which is the next tool.

# %% [markdown]
# ### Parallel interleave reads several files at once
#
# Real datasets are split into many files (shards), and opening a file, especially on remote
# storage, has a latency of its own. Reading the files one after the other
# (`flat_map`) pays every latency in turn. `interleave(open_file, cycle_length=c)` keeps `c`
# files open and takes one record from each in turn; with `num_parallel_calls`, those files
# are read by parallel threads, so their latencies overlap. This is how `tf.data` reads
# sharded TFRecord files, for example.
#
# Four slow files of three records each, read both ways:

# %%
file_ids = tf.data.Dataset.range(4)
sequential_files = file_ids.flat_map(slow_file)
interleaved_files = file_ids.interleave(slow_file, cycle_length=4, num_parallel_calls=AUTOTUNE)
print("flat_map order:  ", [int(record) for record in sequential_files])
print("interleave order:", [int(record) for record in interleaved_files])
timings["4 files, flat_map"] = time_pipeline(sequential_files)
timings["4 files, parallel interleave"] = time_pipeline(interleaved_files)
print(f"flat_map {timings['4 files, flat_map']:.2f} s, "
      f"parallel interleave {timings['4 files, parallel interleave']:.2f} s")

# %% [markdown]
# The interleaved order is deterministic: record 0 of each open file, then record 1 of each,
# and so on. With fewer open files than files (`cycle_length` smaller), a new file is opened
# as soon as one is used up.

# %% [markdown]
# ### Caching: pay for the expensive part once
#
# Parallelism makes each epoch cheaper; caching removes work from every epoch after the first.
# `dataset.cache()` stores the elements the first time they pass and serves them from memory
# afterwards; `dataset.cache(filename)` stores them in files instead, which survives the
# process and suits data that does not fit in memory. Put the cache *after* the expensive,
# deterministic steps (reading, decoding) and *before* anything that must change every epoch
# (random augmentation, shuffling).
#
# Three epochs of a pipeline with an expensive map, without and with a cache:

# %%
expensive = sleepy(0.02, lambda v: v * 10)
source = tf.data.Dataset.range(10)
timings["3 epochs, no cache"] = time_pipeline(source.map(expensive), epochs=3)
in_memory = source.map(expensive).cache()
epoch_seconds = [time_pipeline(in_memory) for _ in range(3)]
timings["3 epochs, memory cache"] = sum(epoch_seconds)
print("memory cache, seconds per epoch:", np.round(epoch_seconds, 3))

cache_file = str(WORK_DIR / "tens_cache")
first_run = source.map(expensive).cache(cache_file)
print("writing the file cache:", round(time_pipeline(first_run), 3), "s")
print("files:", sorted(path.name for path in WORK_DIR.iterdir()))
second_run = source.map(expensive).cache(cache_file)  # a new pipeline, as in a new process
timings["1 epoch, from a file cache"] = time_pipeline(second_run)
print("a new pipeline reading the file cache:", round(timings["1 epoch, from a file cache"], 3), "s")

# %% [markdown]
# ### Exercise 1 (a problem): find and remove the bottlenecks
#
# Here is an input pipeline as it is often first written: correct, and slow. It reads a list of
# slow files one after the other, preprocesses one record at a time, then batches.

# %%
def slow_pipeline(file_ids, batch_size=4):
    """Every record of the files, preprocessed, in batches: correct, but each stage waits for the others."""
    files = tf.data.Dataset.from_tensor_slices(tf.constant(file_ids, dtype=tf.int64))
    return files.flat_map(slow_file).map(preprocess).batch(batch_size)


def best_speedup(slow_dataset, fast_dataset, step_seconds=STEP):
    """Best-of-two timing ratio, so that one busy moment of the machine cannot decide a test."""
    slow_time = min(time_pipeline(slow_dataset, step_seconds=step_seconds) for _ in range(2))
    fast_time = min(time_pipeline(fast_dataset, step_seconds=step_seconds) for _ in range(2))
    return slow_time / fast_time


print("batches of slow_pipeline([0, 1]):", [batch.tolist() for batch in slow_pipeline([0, 1]).as_numpy_iterator()])
print(f"slow_pipeline([0, 1, 2, 3]) with a {STEP * 1000:.0f} ms training step: "
      f"{time_pipeline(slow_pipeline([0, 1, 2, 3]), step_seconds=STEP):.2f} s")

# %% [markdown]
# Write `fast_pipeline(file_ids, batch_size=4)` that delivers the **same records** as
# `slow_pipeline(file_ids, batch_size)`, each preprocessed exactly once, in batches of
# `batch_size` (only the last batch may be smaller), **in any order**, and much faster: no stage
# may wait for another. Keep `slow_file` and `preprocess` as they are: they stand for your
# storage and your decoder, which you cannot change. Which stages wait for which, and which
# tool of this section removes each wait, is for you to find.
#
# The test cell times both pipelines with `best_speedup` (with the training step of `STEP`
# seconds) and prints the speed-up: about 3x on a machine that is not overloaded. Timings on a
# busy, shared machine are not reliable enough to grade, so the grade reads what makes the
# speed-up instead, with `pipeline_ops`: the files are opened and read by parallel threads (a
# `ParallelInterleaveDataset`), the records are preprocessed by parallel threads (a
# `ParallelMapDataset`), and the last operation is a `PrefetchDataset`, so that the pipeline
# works ahead of the training step. The grader also tries other lists of files and other batch
# sizes.

# %% exercise="fast_pipeline"
def fast_pipeline(file_ids, batch_size=4):
    """The records of slow_pipeline(file_ids, batch_size), with no stage waiting for another."""
    ### BEGIN SOLUTION
    files = tf.data.Dataset.from_tensor_slices(tf.constant(file_ids, dtype=tf.int64))
    records = files.interleave(slow_file, cycle_length=len(file_ids), num_parallel_calls=AUTOTUNE)
    return records.map(preprocess, num_parallel_calls=AUTOTUNE).batch(batch_size).prefetch(AUTOTUNE)
    ### END SOLUTION


# %% tests="fast_pipeline" points=3
def check_fast(file_ids, batch_size, timed=True):
    """Same records as slow_pipeline (any order), batches of batch_size, no stage waiting for another."""
    expected = sorted(int(v) for batch in slow_pipeline(file_ids, batch_size).as_numpy_iterator() for v in batch)
    batches = [batch.tolist() for batch in fast_pipeline(file_ids, batch_size).as_numpy_iterator()]
    check(f"the records of fast_pipeline({file_ids}, {batch_size}), sorted", sorted(v for b in batches for v in b), expected,
          hint="every record of every file, preprocessed once (preprocess squares the record)")
    sizes = [len(b) for b in batches]
    check_that(f"batches of {batch_size} (only the last smaller) from fast_pipeline({file_ids}, {batch_size})",
               all(size == batch_size for size in sizes[:-1]) and 0 < sizes[-1] <= batch_size, got=sizes,
               hint="batch after the per-record steps")
    ops = pipeline_ops(fast_pipeline(file_ids, batch_size))
    check_that(f"the files of fast_pipeline({file_ids}, {batch_size}) to be read by parallel threads",
               any("ParallelInterleave" in op for op in ops), got=ops,
               hint="opening a file takes 40 ms: flat_map opens them one after the other")
    check_that(f"the records of fast_pipeline({file_ids}, {batch_size}) to be preprocessed by parallel threads",
               any("ParallelMap" in op for op in ops), got=ops,
               hint="each record's preprocessing waits 20 ms, and records do not depend on each other")
    check_that(f"fast_pipeline({file_ids}, {batch_size}) to end with a prefetch", bool(ops) and "Prefetch" in ops[-1],
               got=ops, hint="the training step should not wait while the next batch is assembled")
    if not timed:
        return
    speedup = best_speedup(slow_pipeline(file_ids, batch_size), fast_pipeline(file_ids, batch_size))
    print(f"speedup over slow_pipeline({file_ids}, {batch_size}): {speedup:.1f}x (shown, not graded)")


check_fast([0, 1, 2, 3], 4)
### BEGIN HIDDEN TESTS
check_fast([5, 2, 7, 1, 3, 8], 5, timed=False)
check_fast([0, 1, 2, 3, 4], 3, timed=False)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 (a problem): cache without freezing the augmentation
#
# A training pipeline often has an expensive step that gives the same result every epoch
# (reading and decoding an image) followed by a random augmentation that must give a new
# result every epoch (a random crop, a flip). Write `epoch_pipeline(dataset, decode, augment,
# batch_size)` that applies `decode`, then `augment`, to every element of `dataset`, keeps the
# elements in their order, and batches them, such that when the pipeline is iterated for
# several epochs:
#
# - `decode` runs **once per element in total**, whatever the number of epochs;
# - `augment` runs **once per element in every epoch**, on the decoded element.
#
# The tests pass counting versions of `decode` and `augment` (a deterministic `augment`, so
# that they can compare values); the grader also tries other sizes.

# %% exercise="epoch_pipeline"
def epoch_pipeline(dataset, decode, augment, batch_size):
    """decode once (cached), augment every epoch, then batch."""
    ### BEGIN SOLUTION
    decoded = dataset.map(decode, num_parallel_calls=AUTOTUNE).cache()
    return decoded.map(augment, num_parallel_calls=AUTOTUNE).batch(batch_size).prefetch(AUTOTUNE)
    ### END SOLUTION


# %% tests="epoch_pipeline" points=2
def counted(fn, calls):
    """A map function that applies ``fn`` and appends one entry to the list ``calls`` per element."""
    def mapped(x):
        def work(value):
            calls.append(1)
            return fn(value)

        y = tf.py_function(work, [x], x.dtype)
        y.set_shape(x.shape)
        return y

    return mapped


def check_epochs(n, batch_size, epochs=3):
    decode_calls, augment_calls = [], []
    pipeline = epoch_pipeline(tf.data.Dataset.range(n), counted(lambda v: v * 10, decode_calls),
                              counted(lambda v: v + 1, augment_calls), batch_size)
    seen = [[batch.tolist() for batch in pipeline.as_numpy_iterator()] for _ in range(epochs)]
    values = [10 * i + 1 for i in range(n)]
    check(f"the batches of each of {epochs} epochs (range({n}), batches of {batch_size})", seen,
          [[values[i:i + batch_size] for i in range(0, n, batch_size)]] * epochs,
          hint="decode (times ten here), then augment (plus one here), in order, then batch")
    check(f"calls of decode in {epochs} epochs of {n} elements", len(decode_calls), n,
          hint="cache the decoded elements, so later epochs read them from the cache")
    check(f"calls of augment in {epochs} epochs of {n} elements", len(augment_calls), n * epochs,
          hint="anything after the cache runs every epoch, anything before it only in the first")


check_epochs(6, 4)
### BEGIN HIDDEN TESTS
check_epochs(11, 3, epochs=4)
check_epochs(2, 5, epochs=2)
### END HIDDEN TESTS

# %% [markdown]
# ### All the timings
#
# Here is everything this section measured. The sleeps are fixed, but thread scheduling is
# not, and a busy machine adds a few milliseconds here and there, so your numbers vary from run
# to run, and bars within a few hundredths of a second of each other can swap places (the
# parallel map with and without a prefetch, for example). The large gaps come from the
# structure of the pipelines and hold on any machine: the naive pipeline is the slowest of the
# first four and the parallel map the fastest; the parallel interleave reads the four files in
# well under the time of `flat_map`; and a cached epoch takes milliseconds where an uncached
# one takes tenths of a second. (On a heavily overloaded machine, where every Python callback
# waits for a free core, these overheads swamp the sleeps and even the large gaps shrink.)

# %%
fig, ax = plt.subplots(figsize=(7, 4))
names = list(timings)
ax.barh(names, [timings[name] for name in names], color=["#0072B2"] * 4 + ["#E69F00"] * 2 + ["#009E73"] * 3)
ax.invert_yaxis()
labelled(ax, "Wall-clock time of each synthetic pipeline", "seconds", "pipeline",
         caption="Prefetch and parallel map overlap the stages; interleave overlaps file latencies; a cache skips the work.")
plt.show()

# %% [markdown]
# ### Written answer: which bottleneck does each tool remove?
#
# For each of **prefetch**, **parallel map**, **parallel interleave**, **cache** and
# **AUTOTUNE**, write one or two sentences: which bottleneck of an input pipeline does it
# remove, and when would it *not* help? A full-mark answer names, for each of the five tools,
# the wait it removes and one concrete situation where it gains nothing, and cites at least one
# of the timings above as evidence.

# %% [markdown] answer="bottlenecks" points=5
# - **prefetch** removes the idle time between producer and consumer: the next element is
#   prepared while the current one trains (naive 0.5 s against about 0.4 s with a prefetch
#   here). It cannot help much when one side is far slower than the other: the epoch is then
#   bounded by the slower side alone.
# - **parallel map** removes the wait for a costly element-wise transformation by running
#   several calls at once (it roughly halved the epoch above). It does not help when the source
#   itself is the slow part, or when the map keeps every core busy already (CPU-bound work with
#   no spare cores).
# - **parallel interleave** removes the latency of reading files one after the other (opening,
#   time to first byte, the bandwidth of one stream): four files in less than half the
#   `flat_map` time. It needs data split into several files; one big file gains nothing.
# - **cache** removes repeated work across epochs (reading and decoding): epochs 2 and 3 took
#   milliseconds. It is useless for a single epoch and wrong after a step that must change every
#   epoch (augmentation, shuffling), and it needs the memory or disk to hold the data.
# - **AUTOTUNE** removes the guesswork of buffer sizes and parallelism levels: the runtime
#   measures and tunes them while the pipeline runs. It cannot create speed the hardware or the
#   storage does not have.
#
# **Rubric (instructor only):** 1 point per tool (5 in all): ½ for the bottleneck it removes
# (overlap of producer and consumer; concurrent element-wise work; concurrent file reads and
# their latencies; work repeated across epochs; tuning of buffers and parallelism), ½ for a
# correct case where it does not help (as above, or any other sound one). Take ½ point off the
# total (at most once) if no timing from the lab is cited.

# %% [markdown]
# ## 2. Distribution strategies
#
# From here on we train models, so we seed TensorFlow and Keras too (which also switches on
# op determinism: two runs give the same weights).
#
# Training on several devices comes in two flavours. In **data parallelism** every device
# holds a full copy (a *replica*) of the model and processes its own slice of each batch;
# the gradients are then combined. In **model parallelism** the model itself is split
# across devices because it does not fit on one. Data parallelism is by far the more common.
# Its updates can be **synchronous** (all replicas wait for each other and apply the same
# combined gradient: an *all-reduce*) or **asynchronous** (each worker updates shared
# parameters at its own pace; faster workers do not wait, at the cost of stale gradients).
#
# `tf.distribute.Strategy` packages these choices behind one API:
#
# | strategy | devices | updates |
# |---|---|---|
# | `OneDeviceStrategy` | one device, no distribution: test your code before scaling | - |
# | `MirroredStrategy` | several GPUs (or logical devices) on one machine | synchronous all-reduce |
# | `MultiWorkerMirroredStrategy` | several machines, each with its devices | synchronous all-reduce |
# | `ParameterServerStrategy` | workers plus parameter servers that hold the variables | asynchronous |
# | `CentralStorageStrategy` | variables on the CPU, computation mirrored on the GPUs | synchronous |
# | `TPUStrategy` | the cores of a TPU | synchronous |
#
# Only the first two run on this machine; the others need a cluster or a TPU and change
# only the line that creates the strategy. The two logical CPUs we made in the setup share
# the same cores, so they show how the code works, not a speedup.

# %%
set_seed(42)
x_train, x_test, y_train, y_test = train_test("digits")
one_device = tf.distribute.OneDeviceStrategy("/cpu:0")
mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
print("replicas:", one_device.num_replicas_in_sync, "(one device),", mirrored.num_replicas_in_sync, "(mirrored)")
print("digits:", x_train.shape, x_test.shape)

# %% [markdown]
# ### Variables belong to the scope they are created in
#
# A strategy decides where variables live. Inside `with strategy.scope():` a
# `MirroredStrategy` creates a `MirroredVariable`: one copy per device, kept identical by
# every update. Outside the scope you get an ordinary variable on the default device. So the
# model, its optimizer and its metrics must be **created** inside the scope; calling `fit`
# can happen outside.

# %%
plain = tf.Variable(1.0)
with mirrored.scope():
    mirrored_variable = tf.Variable(1.0)
print("outside the scope:", type(plain).__name__)
print("inside the scope: ", type(mirrored_variable).__name__)
for copy in mirrored.experimental_local_results(mirrored_variable):
    print("  a copy on", copy.device)

# %% [markdown]
# ### The global batch is split between the replicas
#
# With data parallelism the batch size you choose is the **global** batch: each of the
# replicas receives `global_batch / replicas` examples. `experimental_distribute_dataset`
# splits every batch of a dataset this way (Keras does it for you inside `fit`). To keep the
# per-replica batch constant when you add devices, scale the global batch with
# `strategy.num_replicas_in_sync`, and usually the learning rate with it.

# %%
batches = tf.data.Dataset.range(12).batch(8)
for batch in mirrored.experimental_distribute_dataset(batches):
    print([part.numpy().tolist() for part in mirrored.experimental_local_results(batch)])

# %% [markdown]
# ### Training with `fit` under a strategy
#
# Everything else is ordinary Keras. We build and compile a small classifier inside the
# mirrored scope and train it with a global batch of 128 (64 per replica). Each step runs the
# forward and backward pass on both devices, sums the gradients with an all-reduce, and
# applies the same update to both copies of each weight.

# %%
def make_classifier():
    """A small dense classifier for the 8x8 digits; it outputs logits."""
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(10)])
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def accuracy(model, x, y):
    """Share of the rows of ``x`` whose highest logit is the label."""
    return float(np.mean(np.argmax(model(x, training=False), axis=1) == y))


GLOBAL_BATCH = 64 * mirrored.num_replicas_in_sync
with mirrored.scope():
    mirrored_model = make_classifier()
history = mirrored_model.fit(x_train, y_train, batch_size=GLOBAL_BATCH, epochs=4, verbose=0)
print("training accuracy by epoch:", np.round(history.history["accuracy"], 3))
print("test accuracy:", round(accuracy(mirrored_model, x_test, y_test), 3))

# %% [markdown]
# ### Exercise 3: build in scope, and see how a batch is split
#
# Write `build_in_scope(strategy)` that returns `make_classifier()` created inside the
# strategy's scope. Then write `replica_batch_sizes(strategy, dataset)` that distributes the
# (already batched) `dataset` with the strategy and returns, for each global batch, the list
# of per-replica batch sizes, e.g. `[[4, 4], [2, 2]]` for 12 elements in batches of 8 on two
# replicas. `strategy.experimental_local_results(value)` gives the per-replica parts of a
# distributed value.

# %% exercise="scope"
def build_in_scope(strategy):
    """``make_classifier()``, with its variables created by ``strategy``."""
    ### BEGIN SOLUTION
    scope = strategy.scope()
    with scope:
        built = make_classifier()
    return built
    ### END SOLUTION


def replica_batch_sizes(strategy, dataset):
    """Per-replica sizes of every batch of ``dataset`` distributed by ``strategy``."""
    ### BEGIN SOLUTION
    sizes = []
    for batch in strategy.experimental_distribute_dataset(dataset):
        parts = strategy.experimental_local_results(batch)
        sizes.append([int(tf.shape(part)[0]) for part in parts])
    return sizes
    ### END SOLUTION


# %% tests="scope" points=2
scoped = build_in_scope(mirrored)
kernel = scoped.layers[0].kernel.value
check_that("the first kernel of build_in_scope(mirrored) to be a mirrored variable",
           isinstance(kernel, tf.distribute.DistributedValues), got=type(kernel).__name__,
           hint="create the model inside `with strategy.scope():`")
check("the number of copies of that kernel", len(mirrored.experimental_local_results(kernel)), 2)
check("replica_batch_sizes(mirrored, range(12).batch(8))",
      replica_batch_sizes(mirrored, tf.data.Dataset.range(12).batch(8)), [[4, 4], [2, 2]],
      hint="loop over strategy.experimental_distribute_dataset(dataset) and measure each local result")
### BEGIN HIDDEN TESTS
single = build_in_scope(one_device)
check_that("a model built under OneDeviceStrategy to have ordinary variables",
           not isinstance(single.layers[0].kernel.value, tf.distribute.DistributedValues))
check_that("the model to be compiled", scoped.optimizer is not None and scoped.compiled)
for n, size in ((7, 7), (10, 3), (5, 5)):
    data = tf.data.Dataset.range(n).batch(size)
    expected = [[int(tf.shape(part)[0]) for part in mirrored.experimental_local_results(batch)]
                for batch in mirrored.experimental_distribute_dataset(data)]
    check(f"replica_batch_sizes(mirrored, range({n}).batch({size}))", replica_batch_sizes(mirrored, data), expected)
check("replica_batch_sizes(one_device, range(10).batch(4))",
      replica_batch_sizes(one_device, tf.data.Dataset.range(10).batch(4)), [[4], [4], [2]])
### END HIDDEN TESTS

# %% [markdown]
# ### Scaling the loss by the global batch
#
# In a custom training loop you call `strategy.run(step_fn, args=...)`, which runs `step_fn`
# once per replica on that replica's part of the batch, and `strategy.reduce` to combine the
# per-replica results. The loss needs care. Each replica sees only its slice, yet the
# gradients are **summed** across replicas. So each replica must divide its summed
# per-example loss by the **global** batch size, not by its own slice size:
# `tf.nn.compute_average_loss(per_example_loss, global_batch_size=...)` does exactly that.
# Averaging per replica and then summing would multiply the loss (and the gradients, and in
# effect the learning rate) by the number of replicas.
#
# ### Exercise 4: the loss of a global batch, computed by the replicas
#
# Write `global_batch_loss(strategy, model, x, y)`: put all of `x, y` in one global batch,
# distribute it with the strategy, let each replica compute its per-example sparse
# categorical cross-entropy from the model's logits (a loss with `reduction=None`) and scale
# it with `tf.nn.compute_average_loss`, then `strategy.reduce` the per-replica results with
# `SUM` and return a Python float. It must equal the mean loss over all of `x`, for any
# number of replicas and any batch size (also odd ones).

# %% exercise="global_loss"
def global_batch_loss(strategy, model, x, y):
    """Mean cross-entropy of ``model`` on (x, y), computed replica by replica."""
    ### BEGIN SOLUTION
    global_batch_size = len(x)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(global_batch_size)
    x_parts, y_parts = next(iter(strategy.experimental_distribute_dataset(dataset)))
    per_example = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=None)

    def replica_loss(x_part, y_part):
        losses = per_example(y_part, model(x_part, training=False))
        return tf.nn.compute_average_loss(losses, global_batch_size=global_batch_size)

    per_replica = strategy.run(replica_loss, args=(x_parts, y_parts))
    return float(strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None))
    ### END SOLUTION


# %% tests="global_loss" points=2
mean_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
got = global_batch_loss(mirrored, mirrored_model, x_test[:16], y_test[:16])
check("global_batch_loss on 16 test digits, 2 replicas", got,
      float(mean_loss(y_test[:16], mirrored_model(x_test[:16]))), rtol=1e-4,
      hint="divide by the global batch size with tf.nn.compute_average_loss, then reduce with SUM")
check("global_batch_loss on 9 test digits (an odd batch: unequal slices), 2 replicas",
      global_batch_loss(mirrored, mirrored_model, x_test[:9], y_test[:9]),
      float(mean_loss(y_test[:9], mirrored_model(x_test[:9]))), rtol=1e-4,
      hint="unequal slices: divide each replica's summed loss by the global batch size, not by its own slice size")
### BEGIN HIDDEN TESTS
for n in (7, 31):
    check(f"global_batch_loss on {n} digits, 2 replicas", global_batch_loss(mirrored, mirrored_model, x_test[-n:], y_test[-n:]),
          float(mean_loss(y_test[-n:], mirrored_model(x_test[-n:]))), rtol=1e-4,
          hint="an odd batch gives unequal slices: averaging per replica first is then wrong")
with one_device.scope():
    probe = make_classifier()
check("global_batch_loss with OneDeviceStrategy", global_batch_loss(one_device, probe, x_test[:13], y_test[:13]),
      float(mean_loss(y_test[:13], probe(x_test[:13]))), rtol=1e-4)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Knowledge distillation
#
# Big models learn more, but they are slow and costly to serve. Knowledge distillation
# (Hinton, Vinyals and Dean, 2015) trains a small **student** to reproduce the output of a
# large, already trained **teacher**. The trick is what the student imitates: not only the
# teacher's top class, but its whole probability distribution. The teacher's "wrong"
# probabilities carry information (a 7 that the teacher finds a little like a 1 and not at
# all like a 6), which Hinton called **dark knowledge**.
#
# First, a teacher: a dense network with 128 hidden units, trained on the digits.

# %%
def make_teacher():
    return keras.Sequential([keras.Input((64,)), keras.layers.Dense(128, activation="relu"),
                             keras.layers.Dense(10)], name="teacher")


def make_student():
    return keras.Sequential([keras.Input((64,)), keras.layers.Dense(8, activation="relu"),
                             keras.layers.Dense(10)], name="student")


teacher = make_teacher()
teacher.compile(optimizer=keras.optimizers.Adam(0.01),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
teacher.fit(x_train, y_train, batch_size=64, epochs=12, verbose=0)
print(f"teacher: {teacher.count_params()} weights, test accuracy {accuracy(teacher, x_test, y_test):.3f}")
print(f"student: {make_student().count_params()} weights")

# %% [markdown]
# ### Temperature softens the targets
#
# A trained teacher is confident: its softmax puts nearly all the probability on one class,
# and the dark knowledge hides in numbers like 1e-6. Dividing the logits by a
# **temperature** T > 1 before the softmax flattens the distribution and brings those small
# probabilities up to a visible size, without changing their order:
#
# $$p_i = \frac{\exp(z_i / T)}{\sum_j \exp(z_j / T)}$$

# %%
logits = teacher(x_test[:1], training=False)[0]
fig, ax = plt.subplots(figsize=(7, 3.5))
for offset, temperature in zip((-0.27, 0.0, 0.27), (1, 4, 10)):
    ax.bar(np.arange(10) + offset, tf.nn.softmax(logits / temperature).numpy(), width=0.27, label=f"T = {temperature}")
ax.set_xticks(range(10))
ax.legend()
labelled(ax, f"The teacher's soft targets for one test digit (a {y_test[0]})", "class", "probability",
         caption="At T = 1 one class takes everything; higher temperatures reveal which other digits look alike.")
plt.show()

# %% [markdown]
# ### Exercise 5: soft targets and their dark knowledge
#
# Write `soft_targets(logits, temperature)` that returns the softmax of `logits / temperature`
# along the last axis (a float32 tensor, finite even for very large logits), and
# `dark_mass(logits, temperature)` that returns, as a Python float, the average over the rows
# of the probability **not** given to each row's most likely class: how much there is to learn
# beyond the hard label.

# %% exercise="soft_targets"
def soft_targets(logits, temperature):
    """Softmax of the logits divided by the temperature."""
    ### BEGIN SOLUTION
    logits = tf.cast(logits, tf.float32)
    return tf.nn.softmax(logits / temperature, axis=-1)
    ### END SOLUTION


def dark_mass(logits, temperature):
    """Mean probability outside each row's top class, at this temperature."""
    ### BEGIN SOLUTION
    probabilities = soft_targets(logits, temperature)
    return float(tf.reduce_mean(1.0 - tf.reduce_max(probabilities, axis=-1)))
    ### END SOLUTION


# %% tests="soft_targets" points=2
check("soft_targets([[1, 2, 3]], 1)", soft_targets([[1.0, 2.0, 3.0]], 1.0), tf.nn.softmax([[1.0, 2.0, 3.0]]),
      rtol=1e-5, hint="divide the logits by the temperature, then apply tf.nn.softmax")
check("soft_targets([[0, 4]], 2)", soft_targets([[0.0, 4.0]], 2.0), [[1 / (1 + np.exp(2)), 1 / (1 + np.exp(-2))]],
      rtol=1e-5, hint="at T = 2 the logits [0, 4] become [0, 2] before the softmax")
teacher_logits = teacher(x_test, training=False)
masses = [dark_mass(teacher_logits, t) for t in (1.0, 4.0, 20.0)]
print("dark mass at T = 1, 4, 20:", np.round(masses, 3))
check_that("the dark mass of the teacher to grow with the temperature", masses[0] < masses[1] < masses[2],
           got=masses, hint="1 - (largest probability of each row), averaged over the rows")
check("the dtype of soft_targets([[1, 2]], 1)", soft_targets(np.array([[1, 2]]), 1.0).dtype.name, "float32",
      hint="cast the logits with tf.cast(logits, tf.float32) first (integer logits too)")
check("the type of dark_mass's result", type(dark_mass([[1.0, 2.0]], 1.0)).__name__, "float",
      hint="a reduced tensor is not a float: return float(...)")
check("soft_targets of very large logits [[1000, 0]]", soft_targets([[1000.0, 0.0]], 1.0), [[1.0, 0.0]], atol=1e-6,
      hint="exp(1000) overflows: tf.nn.softmax subtracts the row maximum first, and so can you")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(9)
z = rng.normal(0, 5, size=(6, 10)).astype("float32")
for t in (0.5, 3.0):
    e = np.exp(z / t - (z / t).max(axis=1, keepdims=True))
    expected = e / e.sum(axis=1, keepdims=True)
    check(f"soft_targets on random logits at T = {t}", soft_targets(z, t), expected, rtol=1e-4, atol=1e-7)
    check(f"dark_mass on random logits at T = {t}", dark_mass(z, t), float(np.mean(1 - expected.max(axis=1))), rtol=1e-4)
### END HIDDEN TESTS

# %% [markdown]
# ### The distillation loss
#
# The student is trained on a weighted sum of two losses:
#
# - the **student loss**, the usual cross-entropy between the true labels and the student's
#   logits;
# - the **distillation loss**, the Kullback-Leibler divergence
#   KL(teacher ‖ student) between the teacher's and the student's soft targets at the same
#   temperature T, multiplied by T². (The gradients of the soft targets shrink like 1/T²;
#   the factor keeps the two losses in balance whatever the temperature.)
#
# $$L = \alpha \, L_\text{student} + (1 - \alpha) \, T^2 \, \mathrm{KL}\big(p^\text{teacher}_T \,\|\, p^\text{student}_T\big)$$
#
# In Keras, the natural place for this is a model that wraps the two networks and overrides
# `train_step` (what `fit` runs on each batch) and `test_step` (what `evaluate` runs). The
# teacher only predicts; only the student's weights get gradients.
#
# ### Exercise 6: the `Distiller`
#
# Complete the class below. `train_step(data)` receives one batch `(x, y)`. It must run the
# teacher (not training), then, inside a `tf.GradientTape`, the student (training), compute
# `student_loss` with `self.student_loss_fn`, `distillation_loss` with
# `self.distillation_loss_fn` on the teacher's and the student's soft targets at
# `self.temperature` (teacher first; `tf.nn.softmax(logits / T)`, as in exercise 5) times
# `temperature ** 2`, and the total `loss`; take the gradient of `loss` with respect to the
# **student's** trainable variables and apply it with `self.optimizer.apply_gradients`.
# Then update the four trackers (the three losses and the accuracy of the student's logits
# against `y`); the step's result is the dictionary of their values that
# `self.get_metrics_result()` gives. `test_step(data)` evaluates the student alone: it updates
# `student_loss_tracker` and `accuracy_tracker` and gives back the same dictionary.

# %% exercise="distiller"
class Distiller(keras.Model):
    """Trains ``student`` to match the labels and the soft targets of ``teacher``."""

    def __init__(self, student, teacher, alpha=0.1, temperature=4.0):
        super().__init__()
        self.student, self.teacher = student, teacher
        self.teacher.trainable = False
        self.alpha, self.temperature = alpha, temperature
        self.student_loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        self.distillation_loss_fn = keras.losses.KLDivergence()
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.student_loss_tracker = keras.metrics.Mean(name="student_loss")
        self.distillation_loss_tracker = keras.metrics.Mean(name="distillation_loss")
        self.accuracy_tracker = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

    @property
    def metrics(self):  # Keras resets these at each epoch; get_metrics_result() reads them
        return [self.loss_tracker, self.student_loss_tracker, self.distillation_loss_tracker, self.accuracy_tracker]

    def call(self, x, training=False):
        return self.student(x, training=training)

    def train_step(self, data):
        x, y = data
        ### BEGIN SOLUTION
        teacher_logits = self.teacher(x, training=False)
        with tf.GradientTape() as tape:
            student_logits = self.student(x, training=True)
            student_loss = self.student_loss_fn(y, student_logits)
            distillation_loss = self.distillation_loss_fn(
                tf.nn.softmax(teacher_logits / self.temperature),
                tf.nn.softmax(student_logits / self.temperature)) * self.temperature**2
            loss = self.alpha * student_loss + (1 - self.alpha) * distillation_loss
        variables = self.student.trainable_variables
        gradients = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(gradients, variables))
        self.loss_tracker.update_state(loss)
        self.student_loss_tracker.update_state(student_loss)
        self.distillation_loss_tracker.update_state(distillation_loss)
        self.accuracy_tracker.update_state(y, student_logits)
        return self.get_metrics_result()
        ### END SOLUTION

    def test_step(self, data):
        x, y = data
        ### BEGIN SOLUTION
        student_logits = self.student(x, training=False)
        self.student_loss_tracker.update_state(self.student_loss_fn(y, student_logits))
        self.accuracy_tracker.update_state(y, student_logits)
        return self.get_metrics_result()
        ### END SOLUTION


# %% tests="distiller" points=3
def tiny_pair(seed):
    """A 4-input, 3-class linear teacher and student with fixed random weights."""
    rng = np.random.default_rng(seed)
    pair = []
    for scale in (3.0, 0.5):
        net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
        net.set_weights([rng.normal(0, scale, (4, 3)).astype("float32"), rng.normal(0, 0.1, 3).astype("float32")])
        pair.append(net)
    return pair  # teacher, student


def reference_losses(teacher_net, student_net, x, y, alpha, temperature):
    """The distillation losses of the lab's formula, written out in NumPy."""
    def softmax(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    zt, zs = teacher_net(x).numpy(), student_net(x).numpy()
    student_loss = float(np.mean(-np.log(softmax(zs)[np.arange(len(y)), y])))
    pt, ps = softmax(zt / temperature), softmax(zs / temperature)
    distillation_loss = float(np.mean(np.sum(pt * np.log(pt / ps), axis=1))) * temperature**2
    return student_loss, distillation_loss, alpha * student_loss + (1 - alpha) * distillation_loss


tiny_teacher, tiny_student = tiny_pair(0)
xb = np.random.default_rng(1).normal(size=(8, 4)).astype("float32")
yb = np.array([0, 1, 2, 0, 1, 2, 0, 1])
expected_losses = reference_losses(tiny_teacher, tiny_student, xb, yb, alpha=0.3, temperature=2.0)
teacher_before = [w.copy() for w in tiny_teacher.get_weights()]
student_before = [w.copy() for w in tiny_student.get_weights()]
distiller = Distiller(tiny_student, tiny_teacher, alpha=0.3, temperature=2.0)
distiller.compile(optimizer=keras.optimizers.SGD(0.1))
logs = distiller.train_step((tf.constant(xb), tf.constant(yb)))
check("the keys train_step returns", sorted(logs), ["accuracy", "distillation_loss", "loss", "student_loss"],
      hint="update all four trackers, then return the dictionary that self.get_metrics_result() gives")
check("student_loss after one step", float(logs["student_loss"]), expected_losses[0], rtol=1e-4,
      hint="self.student_loss_fn(y, student_logits)")
check("distillation_loss after one step", float(logs["distillation_loss"]), expected_losses[1], rtol=1e-3,
      hint="KL divergence of tf.nn.softmax(teacher_logits / T) and tf.nn.softmax(student_logits / T), times T ** 2")
check("loss after one step", float(logs["loss"]), expected_losses[2], rtol=1e-3,
      hint="alpha * student_loss + (1 - alpha) * distillation_loss")
check_that("the teacher's weights to stay unchanged",
           all(np.array_equal(a, b) for a, b in zip(teacher_before, tiny_teacher.get_weights())),
           hint="take gradients for self.student.trainable_variables only")
eval_teacher, eval_student = tiny_pair(4)
evaluator = Distiller(eval_student, eval_teacher)
evaluator.compile(optimizer=keras.optimizers.SGD(0.1))
eval_weights = [w.copy() for w in eval_student.get_weights()]
evaluated = evaluator.test_step((tf.constant(xb), tf.constant(yb)))
check("student_loss from test_step", float(evaluated["student_loss"]),
      reference_losses(eval_teacher, eval_student, xb, yb, 0.1, 4.0)[0], rtol=1e-4,
      hint="test_step: run the student (training=False) and update student_loss_tracker with student_loss_fn")
check("accuracy from test_step", float(evaluated["accuracy"]),
      float(np.mean(np.argmax(eval_student(xb).numpy(), axis=1) == yb)), atol=1e-6,
      hint="update accuracy_tracker with (y, student_logits); the result is the dict of get_metrics_result()")
check_that("test_step to leave the student unchanged",
           all(np.array_equal(a, b) for a, b in zip(eval_weights, eval_student.get_weights())),
           hint="test_step evaluates: no GradientTape, no apply_gradients")
### BEGIN HIDDEN TESTS
# one SGD step must move the student along the gradient of the reference loss
ref_student = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
ref_student.set_weights(student_before)
with tf.GradientTape() as tape:
    zs = ref_student(xb)
    zt = tiny_teacher(xb)
    ce = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=yb, logits=zs))
    pt, log_ps = tf.nn.softmax(zt / 2.0), tf.nn.log_softmax(zs / 2.0)
    kl = tf.reduce_mean(tf.reduce_sum(pt * (tf.math.log(pt) - log_ps), axis=1)) * 4.0
    total = 0.3 * ce + 0.7 * kl
gradients = tape.gradient(total, ref_student.trainable_variables)
for name, before, gradient, after in zip(("kernel", "bias"), student_before, gradients, tiny_student.get_weights()):
    check(f"the student's {name} after one SGD step", after, before - 0.1 * gradient.numpy(), rtol=1e-3, atol=1e-5)
# alpha = 1 is plain training on the labels; another temperature changes only the distillation part
t2, s2 = tiny_pair(3)
expected2 = reference_losses(t2, s2, xb, yb, alpha=1.0, temperature=5.0)
second = Distiller(s2, t2, alpha=1.0, temperature=5.0)
second.compile(optimizer=keras.optimizers.SGD(0.0))
out = second.train_step((tf.constant(xb), tf.constant(yb)))
check("loss with alpha = 1", float(out["loss"]), expected2[2], rtol=1e-3)
check("distillation_loss at T = 5", float(out["distillation_loss"]), expected2[1], rtol=1e-3)
check("accuracy tracked by train_step", float(out["accuracy"]),
      float(np.mean(np.argmax(s2(xb).numpy(), axis=1) == yb)), atol=1e-6)
# test_step: the student alone, on another pair
t3, s3 = tiny_pair(5)
evaluator = Distiller(s3, t3)
evaluator.compile(optimizer=keras.optimizers.SGD(0.1))
weights_before = [w.copy() for w in s3.get_weights()]
result = evaluator.test_step((tf.constant(xb), tf.constant(yb)))
check("student_loss from test_step", float(result["student_loss"]), reference_losses(t3, s3, xb, yb, 0.1, 4.0)[0], rtol=1e-4)
check("accuracy from test_step", float(result["accuracy"]), float(np.mean(np.argmax(s3(xb).numpy(), axis=1) == yb)), atol=1e-6)
check_that("test_step to leave the student unchanged",
           all(np.array_equal(a, b) for a, b in zip(weights_before, s3.get_weights())))
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 7: distil a student
#
# Write `distill(teacher, x, y, temperature=4.0, alpha=0.1, epochs=20)`: create a fresh
# student with `make_student()`, wrap it with the teacher in a `Distiller`, compile it with
# `keras.optimizers.Adam(0.01)` (no loss: `train_step` computes it), fit it on `x, y` with a
# batch size of 64 for `epochs` epochs (`verbose=0`), and return `(student, history)`.
#
# Below, we compare the result with the same student architecture trained from scratch on
# the labels alone, for the same number of epochs.

# %% exercise="distill"
def distill(teacher, x, y, temperature=4.0, alpha=0.1, epochs=20):
    """A fresh student trained by distillation from ``teacher``; returns (student, history)."""
    ### BEGIN SOLUTION
    fresh = make_student()
    wrapper = Distiller(fresh, teacher, alpha=alpha, temperature=temperature)
    wrapper.compile(optimizer=keras.optimizers.Adam(0.01))
    history = wrapper.fit(x, y, batch_size=64, epochs=epochs, verbose=0)
    return fresh, history
    ### END SOLUTION


set_seed(7)
distilled_student, distill_history = distill(teacher, x_train, y_train)
set_seed(7)
scratch_student = make_student()
scratch_student.compile(optimizer=keras.optimizers.Adam(0.01),
                        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
scratch_history = scratch_student.fit(x_train, y_train, batch_size=64, epochs=20, verbose=0)
results = {"teacher": accuracy(teacher, x_test, y_test),
           "student from scratch": accuracy(scratch_student, x_test, y_test),
           "distilled student": accuracy(distilled_student, x_test, y_test)}
for name, value in results.items():
    print(f"{name:22s} test accuracy {value:.3f}")

# %%
with needs("exercise 7 (distill)"):
    fig, ax = plt.subplots()
    ax.bar(list(results), list(results.values()), color=["#000000", "#E69F00", "#0072B2"])
    ax.set_ylim(min(results.values()) - 0.05, 1.0)
    labelled(ax, "Test accuracy on the digits", "model", "accuracy",
             caption=f"The students have {make_student().count_params()} weights, the teacher {teacher.count_params()}.")
    plt.show()

# %% tests="distill" points=2
check_that("the distilled student to reach a test accuracy above 0.75", results["distilled student"] > 0.75,
           got=results["distilled student"], hint="train the student inside a Distiller for the given epochs")
check_that("the history to record the distillation loss", "distillation_loss" in distill_history.history,
           got=sorted(distill_history.history), hint="fit the Distiller, not the bare student, and return its history")
check("the number of epochs trained", len(distill_history.history["loss"]), 20)
### BEGIN HIDDEN TESTS
check_that("distilled_student to be a fresh model shaped like make_student()",
           distilled_student is not teacher and distilled_student.count_params() == make_student().count_params())
losses = distill_history.history["distillation_loss"]
check_that("the distillation loss to fall during training", losses[-1] < losses[0], got=(losses[0], losses[-1]))
check_that("the distilled student to come close to the scratch student",
           results["distilled student"] > results["student from scratch"] - 0.1, got=results)
### END HIDDEN TESTS

# %% [markdown]
# On the digits the two students end up close, and the distilled one is not reliably ahead:
# with 8 hidden units the limit is the student's size, not its training signal, and the labels
# of a small, clean dataset already tell it most of what the teacher knows. Distillation pays
# off when the soft targets say much more than the labels. In Hinton, Vinyals and Dean's
# experiment on the full MNIST set, a network of two 800-unit layers made 146 test errors
# trained on the labels, and 74 when it also matched the soft targets of a large teacher at
# T = 20. Try other values of `temperature` and `alpha` once you have finished: a very high
# temperature makes the targets nearly uniform, and a temperature of 1 throws the dark
# knowledge away.
#
# ## What you built
#
# - A synthetic slow input pipeline, and the `tf.data` tools that speed it up: `prefetch`
#   overlaps producing and consuming, a parallel `map` spreads preprocessing over threads, a
#   parallel `interleave` overlaps the latencies of many files, `cache` skips repeated work,
#   and `AUTOTUNE` lets the runtime size buffers and thread pools; then you found and removed
#   the bottlenecks of a slow pipeline yourself, and placed a cache so that it skips the decoding
#   but not the augmentation.
# - Distributed training with `OneDeviceStrategy` and `MirroredStrategy` over two logical
#   devices: variables created in the strategy's scope, a global batch split into
#   per-replica batches, and a loss scaled by the global batch before the replicas' results
#   are summed.
# - A `Distiller` with its own `train_step` and `test_step`, temperature-softened targets and
#   the KL divergence between teacher and student, and a small student trained by it.
