"""course.pdp: PDPbox's objects built without its prints and progress bar, results unchanged."""
import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pdpbox")

from course import pdp


@pytest.fixture(scope="module")
def fitted():
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    model = DecisionTreeClassifier(max_depth=3, random_state=0).fit(frame, (frame["a"] + frame["b"] > 0).astype(int))
    return model, frame


def test_isolate_prints_nothing_and_matches_pdpbox(fitted, capsys):
    from pdpbox.pdp import PDPIsolate

    model, frame = fitted
    before = frame.copy()
    quiet = pdp.isolate(model=model, df=frame, model_features=["a", "b"], feature="a", feature_name="a")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert frame.equals(before), "isolate() must leave the caller's DataFrame unchanged"
    loud = PDPIsolate(model=model, df=frame.copy(), model_features=["a", "b"], feature="a", feature_name="a")
    np.testing.assert_allclose(quiet.results[0].pdp, loud.results[0].pdp)


def test_interact_prints_nothing(fitted, capsys):
    model, frame = fitted
    result = pdp.interact(model=model, df=frame, model_features=["a", "b"], features=["a", "b"],
                          feature_names=["a", "b"], num_grid_points=[4, 4])
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert len(result.results[0].pdp) == 16


def test_silenced_restores_stdout_and_the_progress_bar(capsys):
    import pdpbox.pdp

    original = pdpbox.pdp.tqdm
    with pdp.silenced():
        print("hidden")
        assert pdpbox.pdp.tqdm is not original
    print("shown")
    assert pdpbox.pdp.tqdm is original
    assert capsys.readouterr().out == "shown\n"


def test_silenced_restores_after_an_error():
    import pdpbox.pdp

    original = pdpbox.pdp.tqdm
    with pytest.raises(ValueError), pdp.silenced():
        raise ValueError("boom")
    assert pdpbox.pdp.tqdm is original
