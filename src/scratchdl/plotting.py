"""pyplot for the library's own figures: drawn to files, never to a window.

Outside Jupyter the backend is Agg (file only), so training on a machine with a display opens no
window. Inside a Jupyter kernel the notebook's inline backend is kept: switching it to Agg would
stop the learner's own ``plt.show()`` from drawing anything after the first library figure.
"""

from __future__ import annotations


def in_notebook() -> bool:
    """Whether this process is a Jupyter (IPython) kernel."""
    import sys

    shell = sys.modules.get("IPython")
    ipython = shell.get_ipython() if shell is not None else None
    return ipython is not None and type(ipython).__name__ == "ZMQInteractiveShell"


def pyplot():
    """``matplotlib.pyplot``, on Agg unless running in a notebook, with a Japanese font registered."""
    import matplotlib

    if not in_notebook():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib_fontja  # noqa: F401  (registers IPAexGothic so Japanese labels render)

    return plt
