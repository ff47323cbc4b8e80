"""Exercise code for lab 01 written three honest ways, and planted copies of it.

Used by tests/test_semester.py: the honest students solved the exercises independently (same
results, different code); the copies are an honest student's code renamed, reordered or
reformatted, as a student hiding a copy would.
"""
from __future__ import annotations

import re

HONEST = {
    # bob: numpy-minded, loops, explicit names
    "bob": {
        "standardize": '''def standardize(x):
    """Column-wise z-scores of the 2-D tensor ``x``, as float32."""
    values = tf.convert_to_tensor(x)
    values = tf.cast(values, dtype=tf.float32)
    centred = values - tf.math.reduce_mean(values, axis=0, keepdims=True)
    spread = tf.sqrt(tf.reduce_mean(tf.square(centred), axis=0, keepdims=True))
    return centred / spread
''',
        "f_graph": '''def build_f_graph():
    """A graph computing f = x^2 y + y + 2 from two float32 placeholders."""
    g = tf.Graph()
    with g.as_default():
        px = tf.compat.v1.placeholder(dtype=tf.float32, name="x")
        py = tf.compat.v1.placeholder(dtype=tf.float32, name="y")
        out = tf.add(tf.add(tf.multiply(tf.square(px), py), py), 2.0)
    return g, px, py, out


def run_f(x_value, y_value):
    """Evaluate f in a session, feeding ``x_value`` and ``y_value``."""
    g, px, py, out = build_f_graph()
    sess = tf.compat.v1.Session(graph=g)
    try:
        result = sess.run(out, {px: x_value, py: y_value})
    finally:
        sess.close()
    return result
''',
        "counter": '''def run_counter(steps, start=0):
    """Values of a graph variable after each of ``steps`` increments."""
    g = tf.Graph()
    with g.as_default():
        v = tf.compat.v1.Variable(start)
        step = v.assign_add(1)
        setup = tf.compat.v1.global_variables_initializer()
    seen = []
    with tf.compat.v1.Session(graph=g) as sess:
        sess.run(setup)
        while len(seen) < steps:
            seen.append(int(sess.run(step)))
    return seen
''',
        "gradients": '''def grad_f(x, y):
    """Partial derivatives of f(x, y) = x^2 y + y + 2 by automatic differentiation."""
    vx = tf.Variable(tf.cast(x, tf.float32))
    vy = tf.Variable(tf.cast(y, tf.float32))
    with tf.GradientTape(persistent=True) as t:
        value = vx ** 2 * vy + vy + 2.0
    gx = t.gradient(value, vx)
    gy = t.gradient(value, vy)
    del t
    return gx, gy
''',
    },
    # carol: compact, functional style
    "carol": {
        "standardize": '''def standardize(x):
    """Column-wise z-scores of the 2-D tensor ``x``, as float32."""
    x = tf.cast(x, "float32")
    mu, var = tf.nn.moments(x, axes=[0])
    return tf.math.divide(tf.math.subtract(x, mu), tf.math.sqrt(var))
''',
        "f_graph": '''def build_f_graph():
    """A graph computing f = x^2 y + y + 2 from two float32 placeholders."""
    graph = tf.Graph()
    with graph.as_default():
        inputs = [tf.compat.v1.placeholder(tf.float32, shape=None, name=n) for n in ("x", "y")]
        f = inputs[1] * (inputs[0] ** 2 + 1) + 2
    return (graph, *inputs, f)


def run_f(x_value, y_value):
    """Evaluate f in a session, feeding ``x_value`` and ``y_value``."""
    graph, x, y, f = build_f_graph()
    with tf.compat.v1.Session(graph=graph) as s:
        return s.run(f, feed_dict=dict(zip((x, y), (x_value, y_value))))
''',
        "counter": '''def run_counter(steps, start=0):
    """Values of a graph variable after each of ``steps`` increments."""
    graph = tf.Graph()
    with graph.as_default():
        c = tf.compat.v1.Variable(start, dtype=tf.int32)
        plus_one = tf.compat.v1.assign_add(c, 1)
    with tf.compat.v1.Session(graph=graph) as s:
        s.run(c.initializer)
        return [int(s.run(plus_one)) for _ in range(steps)]
''',
        "gradients": '''def grad_f(x, y):
    """Partial derivatives of f(x, y) = x^2 y + y + 2 by automatic differentiation."""
    xy = tf.constant([x, y], dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(xy)
        f = xy[0] * xy[0] * xy[1] + xy[1] + 2
    d = tape.gradient(f, xy)
    return d[0], d[1]
''',
    },
}


def renamed(code: str) -> str:
    """Every name the student chose, renamed (what a student hiding a copy does first)."""
    names = {"values": "arr", "centred": "diff", "spread": "sd", "g": "graph_obj", "px": "inp_x", "py": "inp_y",
             "out": "res", "sess": "session_obj", "result": "answer", "v": "var", "step": "incr",
             "setup": "initialise", "seen": "history", "vx": "xv", "vy": "yv", "t": "tp", "value": "fval",
             "gx": "dfdx", "gy": "dfdy"}
    return re.sub(r"\b(" + "|".join(map(re.escape, names)) + r")\b", lambda m: names[m.group(1)], code)


def reordered(code: str) -> str:
    """The two functions of a cell swapped, and independent lines swapped."""
    if "def run_f" in code:
        first, second = code.split("\n\n\ndef run_f")
        code = "def run_f" + second.rstrip("\n") + "\n\n\n" + first + "\n"
    return code.replace('''    x = tf.cast(x, "float32")
    mu, var = tf.nn.moments(x, axes=[0])''', '''    x = tf.cast(x, "float32")
    mu, var = tf.nn.moments(x, axes=[0])''')


def reformatted(code: str) -> str:
    """Another layout: comments, blank lines, calls broken over lines, other quotes."""
    out = []
    for line in code.splitlines():
        stripped = line.strip()
        indent = line[: len(line) - len(line.lstrip())]
        if stripped.startswith("return "):
            out.append(f"{indent}# done: hand the result back")
        out.append(line.replace(", ", " ,  ").replace('"x"', "'x'").replace('"y"', "'y'"))
        if stripped.endswith(":") and not stripped.startswith(("def", "class")):
            out.append("")
    return "\n".join(out) + "\n"
