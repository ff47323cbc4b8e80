"""Plot helpers: a colour-blind-safe palette and figures that always carry labels."""
from __future__ import annotations

# Okabe & Ito (2008), a palette readable with the common forms of colour blindness.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def use_course_style() -> None:
    """Make matplotlib draw with the course palette, a grid and readable font sizes."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update({
        "axes.prop_cycle": cycler(color=OKABE_ITO),
        "axes.grid": True,
        "grid.alpha": 0.3,
        "figure.figsize": (6.4, 4.0),
        "figure.dpi": 100,
        "font.size": 10,
    })


def labelled(ax, title: str, xlabel: str, ylabel: str, caption: str | None = None):
    """Give an axes its title and axis labels, and put a one-line caption under the figure."""
    for name, text in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel)):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"every plot needs a {name}; got {text!r}")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if caption:
        add_caption(ax.figure, caption)
    return ax


def add_caption(fig, caption: str, title: str | None = None):
    """Put a one-line italic caption under ``fig`` (and, for a grid of panels, a ``title`` above it)."""
    if not isinstance(caption, str) or not caption.strip():
        raise ValueError(f"a caption is one non-empty line of text; got {caption!r}")
    if title is not None:
        fig.suptitle(title)
    fig.text(0.5, -0.02, caption, ha="center", va="top", fontsize=9, style="italic")
    return fig


def plot_history(history, metrics=("loss",), title: str = "Learning curves", caption: str | None = None):
    """Plot training and validation curves from a Keras ``History`` (or its ``.history`` dict)."""
    import matplotlib.pyplot as plt

    logs = getattr(history, "history", history)
    missing = [m for m in metrics if m not in logs]
    if missing:
        raise ValueError(f"metric(s) {missing} not in the history; it has {sorted(logs)}")
    fig, ax = plt.subplots()
    for metric in metrics:
        ax.plot(logs[metric], label=f"train {metric}")
        if f"val_{metric}" in logs:
            ax.plot(logs[f"val_{metric}"], "--", label=f"validation {metric}")
    ax.legend()
    labelled(ax, title, "epoch", ", ".join(metrics), caption)
    return fig
