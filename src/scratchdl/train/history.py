"""Per-epoch training history: saved as JSON and CSV, drawn as loss and accuracy curves."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..atomic import write_atomic, write_json_atomic, write_text_atomic

COLUMNS = ["epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "lr", "seconds",
           "samples_per_second", "processes"]


class History(list):
    """The per-epoch record of a run: losses, accuracies, learning rate, speed and MPI processes.

    A list of per-epoch dicts with the keys in ``COLUMNS`` (missing values are None)."""

    def column(self, key: str) -> list:
        return [row.get(key) for row in self]

    def _repr_html_(self) -> str:
        """Jupyter's view: one table row per epoch."""
        columns = [c for c in COLUMNS if any(row.get(c) is not None for row in self)]

        def cell(value):
            return "" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)

        head = "".join(f"<th>{c}</th>" for c in columns)
        body = "".join("<tr>" + "".join(f"<td>{cell(row.get(c))}</td>" for c in columns) + "</tr>"
                       for row in self)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def to_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(self)
        return buffer.getvalue()

    def save(self, folder, curves: bool = True) -> None:
        """Write ``history.json``, ``history.csv`` and (``curves``) ``curves.png`` into ``folder``."""
        folder = Path(folder)
        write_json_atomic(folder / "history.json", list(self))
        write_text_atomic(folder / "history.csv", self.to_csv())
        if curves:
            self.save_curves(folder)

    def save_curves(self, folder) -> None:
        """Draw ``curves.png`` into ``folder`` (nothing while the history is empty)."""
        if self:
            write_atomic(Path(folder) / "curves.png", lambda tmp: plot_curves(self, tmp))


def plot_curves(history: History, path) -> None:
    """Loss and accuracy per epoch, train and test, side by side, written to ``path`` as PNG."""
    fig = draw_curves(history)
    fig.savefig(path, format="png", dpi=100)
    from ..plotting import pyplot

    pyplot().close(fig)


def draw_curves(history: History, fig=None):
    """Draw loss and accuracy per epoch, train and test, into ``fig`` (a new figure if None)."""
    from ..plotting import pyplot

    fig = fig or pyplot().figure(figsize=(10, 4))
    fig.clear()
    ax_loss, ax_acc = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.12, top=0.92, wspace=0.22)  # tight_layout: 3x slower
    epochs = history.column("epoch")
    for split, style in (("train", "-o"), ("test", "--s")):
        for ax, metric in ((ax_loss, "loss"), (ax_acc, "accuracy")):
            values = history.column(f"{split}_{metric}")
            if any(v is not None for v in values):
                ax.plot(epochs, values, style, label=split)
    ax_loss.set(title="Loss", xlabel="epoch", ylabel="cross-entropy")
    ax_acc.set(title="Accuracy", xlabel="epoch", ylabel="accuracy", ylim=(0, 1.01))
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    return fig
