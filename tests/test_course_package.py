"""Unit tests of the helper package the labs import."""
from __future__ import annotations

import random

import numpy as np
import pytest

from course import CheckFailed, check, check_that, data, plotting, set_seed


def failure(*args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        check(*args, **kwargs)
    return str(info.value)


def test_check_passes_and_says_ok(capsys):
    check("the answer", 42.0000001, 42)
    check("a list", [1, 2], [1, 2])
    check("a dict", {"a": 1}, {"a": 1})
    check("a flag", True, True)
    assert capsys.readouterr().out.splitlines() == ["OK the answer", "OK a list", "OK a dict", "OK a flag"]


def test_failure_names_the_value_expected_got_and_hint():
    message = failure("f(3, 4)", 41.0, 42.0, hint="f = x*x*y + y + 2")
    assert message.startswith("f(3, 4): expected 42.0, but got 41.0.")
    assert "largest difference is 1" in message and message.endswith("Hint: f = x*x*y + y + 2")


def test_shape_mismatch_is_explained():
    message = failure("the logits", np.zeros((5, 3)), np.zeros((5, 10)))
    assert "shapes differ: expected (5, 10), got (5, 3)" in message


def test_none_points_at_a_missing_return():
    assert "forget to `return`" in failure("rmse", None, 1.5)


def test_wrong_type_for_a_number():
    assert "A number or array was expected, not str" in failure("accuracy", "0.9", 0.9)


def test_bool_is_not_silently_a_number():
    failure("is it fitted", 1, True)
    check("is it fitted", np.bool_(True), True)


def test_tensors_compare_as_arrays():
    tf = pytest.importorskip("tensorflow")
    check("a tensor", tf.constant([1.0, 2.0]), [1.0, 2.0])
    torch = pytest.importorskip("torch")
    check("a torch tensor", torch.tensor([1.0, 2.0], requires_grad=True) * 1, np.array([1.0, 2.0]))


def test_tolerances_are_respected():
    check("close", 1.0 + 1e-9, 1.0)
    failure("not close", 1.1, 1.0, rtol=0.01)
    check("loose", 1.1, 1.0, rtol=0.2)


def test_dicts_of_arrays_compare_key_by_key_with_a_clear_message(capsys):
    expected = {"weights": np.ones((2, 3)), "bias": np.zeros(3)}
    check("the parameters", {"bias": np.zeros(3), "weights": np.ones((2, 3)) + 1e-9}, expected)
    assert capsys.readouterr().out == "OK the parameters\n"
    message = failure("the parameters", {"weights": np.ones((2, 3)), "bias": np.ones(3)}, expected, hint="zeros")
    assert message.startswith("the parameters['bias']: expected array of shape (3,)")
    assert "largest difference is 1" in message and message.endswith("Hint: zeros")
    assert "shapes differ" in failure("the parameters", {"weights": np.ones(3), "bias": np.zeros(3)}, expected)
    message = failure("the parameters", {"weights": np.ones((2, 3))}, expected)
    assert "The keys differ: missing key(s) 'bias'." in message
    assert "unexpected key(s) 'b'" in failure("the parameters", {**expected, "b": 1}, expected)
    assert "A dict was expected, not list" in failure("the parameters", [1, 2], expected)


def test_lists_of_arrays_and_mismatched_types_never_raise_numpy_errors():
    expected = [np.zeros(2), np.zeros((2, 2))]  # ragged: not one array
    check("the layers", [np.zeros(2), np.zeros((2, 2))], expected)
    assert "the layers[1]: expected array of shape (2, 2)" in failure("the layers", [np.zeros(2), np.ones((2, 2))],
                                                                     expected)
    assert "of length 2 was expected, not a list of length 1" in failure("the layers", [np.zeros(2)], expected)
    assert "expected 'relu', but got array" in failure("the activation", np.zeros(3), "relu")


def test_check_that_reports_the_property_and_value():
    check_that("the loss to fall", True)
    with pytest.raises(CheckFailed, match=r"Expected the loss to fall, but it does not hold.\nGot: \(2.3, 2.4\)"):
        check_that("the loss to fall", False, got=(2.3, 2.4))


def test_check_needs_a_description():
    with pytest.raises(TypeError, match="non-empty description"):
        check("", 1, 1)


def test_set_seed_repeats_python_and_numpy():
    set_seed(7)
    first = (random.random(), np.random.rand())
    set_seed(7)
    assert (random.random(), np.random.rand()) == first
    with pytest.raises(ValueError, match="non-negative integer, got -1"):
        set_seed(-1)


def test_train_test_splits_are_fixed_and_scaled():
    x_train, x_test, y_train, y_test = data.train_test("digits")
    assert x_train.shape == (1347, 64) and x_test.shape == (450, 64)
    assert 0 <= x_train.min() and x_train.max() <= 1
    again = data.train_test("digits")
    np.testing.assert_array_equal(again[0], x_train)
    x_train, x_test, *_ = data.train_test("breast_cancer")
    np.testing.assert_allclose(x_train.mean(axis=0), 0, atol=1e-5)
    assert x_train.dtype == np.float32


def test_bad_dataset_arguments_say_what_is_allowed():
    with pytest.raises(ValueError, match="unknown dataset 'mnist'; choose one of digits, breast_cancer"):
        data.load_arrays("mnist")
    with pytest.raises(ValueError, match="test_size must be a fraction strictly between 0 and 1, got 1.5"):
        data.train_test("iris", test_size=1.5)
    with pytest.raises(ValueError, match="choose one of titanic, otto, ross"):
        data.pdpbox_csv("boston")


def test_pdpbox_tables_load_offline():
    titanic = data.load_titanic()
    assert len(titanic) == 891 and {"Sex", "Fare", "Age", "Survived"} <= set(titanic.columns)
    otto = data.load_otto(n_rows=100)
    assert otto.shape[0] == 100
    with pytest.raises(ValueError, match="n_rows must be an integer"):
        data.load_otto(n_rows=0)


def test_plots_need_titles_and_labels():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plotting.use_course_style()
    fig, ax = plt.subplots()
    plotting.labelled(ax, "Loss", "epoch", "loss", caption="It falls.")
    assert ax.get_title() == "Loss" and fig.texts[0].get_text() == "It falls."
    with pytest.raises(ValueError, match="every plot needs a xlabel"):
        plotting.labelled(ax, "Loss", "", "loss")
    history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}
    figure = plotting.plot_history(history)
    assert len(figure.axes[0].lines) == 2
    with pytest.raises(ValueError, match=r"metric\(s\) \['accuracy'\] not in the history"):
        plotting.plot_history(history, metrics=("accuracy",))
    plt.close("all")
