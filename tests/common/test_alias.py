"""``scratchdl.common.install()``: the book's ``import common`` (and ``dataset.mnist``, and
``simple_convnet`` when the learner has none) resolving to scratchdl's modules, with either the book's
or the course's ``common.functions``; a learner's folder run as a learner runs it, in a subprocess."""

import importlib
import os
import runpy
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
from common_reference import write_mnist

import scratchdl.common
from scratchdl import functions as course_functions
from scratchdl.common import functions as book_functions
from scratchdl.common import layers, mnist, simple_convnet
from scratchdl.common.multi_layer_net import MultiLayerNet
from scratchdl.errors import ConfigError

EXAMPLES = Path(__file__).parents[2] / "examples"
SEED_OUTPUT = Path(__file__).parents[1] / "examples" / "seed_backprop_output.txt"


def test_the_books_names_are_scratchdls_modules(installed):
    installed()
    import common
    import common.layers
    import common.multi_layer_net_extend
    from common import functions
    from dataset.mnist import load_mnist

    assert common.layers is layers and functions is book_functions and load_mnist is mnist.load_mnist
    assert common.optimizer is scratchdl.common.optimizer                   # without importing it first
    extend = scratchdl.common.multi_layer_net_extend.MultiLayerNetExtend
    assert common.multi_layer_net_extend.MultiLayerNetExtend is extend
    namespace = {}
    exec("from common.layers import *", namespace)
    assert {"Affine", "Convolution", "SoftmaxWithLoss", "np", "softmax", "im2col"} <= set(namespace)
    assert namespace["np"] is np
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        _ = common.nothing


def test_functions_flavour_switches_and_uninstall_forgets(installed):
    installed(functions="course")
    import common.functions

    assert common.functions is course_functions
    installed(functions="book")
    import common.functions

    assert common.functions is book_functions
    scratchdl.common.uninstall()
    assert "common" not in sys.modules and "common.functions" not in sys.modules
    assert not any(type(f).__name__ == "AliasFinder" for f in sys.meta_path)
    with pytest.raises(ConfigError, match="valid: 'book'"):
        installed(functions="pytorch")


def test_scratchdls_modules_keep_their_own_names_when_imported_as_the_books(installed):
    installed(functions="course")
    import common.functions
    import common.layers

    own = {"scratchdl.functions": common.functions, "scratchdl.common.layers": common.layers}
    for name, module in own.items():
        assert module.__spec__.name == name and module.__name__ == name
    with warnings.catch_warnings():
        warnings.simplefilter("error")                 # no ImportWarning from a relative import inside
        assert importlib.reload(course_functions) is course_functions
        course_functions.cross_entropy_error(np.eye(2), np.full((2, 2), 0.5))


def test_a_learners_own_common_loses_and_their_own_simple_convnet_wins(installed, tmp_path, monkeypatch):
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "__init__.py").write_text("")
    (tmp_path / "common" / "layers.py").write_text("OWN = True\n")
    (tmp_path / "simple_convnet.py").write_text("OWN = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    scratchdl.common.uninstall()                   # in case an earlier test (a README example) installed it
    for name in ("common", "common.layers", "simple_convnet"):
        sys.modules.pop(name, None)
    import common.layers

    assert common.layers.OWN
    with pytest.warns(UserWarning, match=r"common, common\.layers had already been imported"):
        installed()
    import common.layers
    import simple_convnet as own

    assert common.layers is layers and own.OWN
    sys.modules.pop("simple_convnet")
    monkeypatch.syspath_prepend(str(tmp_path / "elsewhere"))
    (tmp_path / "simple_convnet.py").unlink()
    import importlib

    importlib.invalidate_caches()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        installed()
    import simple_convnet as fallback

    assert fallback is simple_convnet


LEARNERS_NET = '''\
    import numpy as np
    from collections import OrderedDict
    from common.layers import *
    from common.gradient import numerical_gradient


    class TwoLayerNet:
        """A learner's two-layer net, written the book's way on common.layers."""

        def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
            self.params = {"W1": weight_init_std * np.random.randn(input_size, hidden_size),
                           "b1": np.zeros(hidden_size),
                           "W2": weight_init_std * np.random.randn(hidden_size, output_size),
                           "b2": np.zeros(output_size)}
            self.layers = OrderedDict(Affine1=Affine(self.params["W1"], self.params["b1"]), Relu1=Relu(),
                                      Affine2=Affine(self.params["W2"], self.params["b2"]))
            self.last = SoftmaxWithLoss()

        def loss(self, x, t):
            for layer in self.layers.values():
                x = layer.forward(x)
            return self.last.forward(x, t)

        def numerical_gradient(self, x, t):
            return {k: numerical_gradient(lambda W: self.loss(x, t), v) for k, v in self.params.items()}

        def gradient(self, x, t):
            self.loss(x, t)
            dout = self.last.backward(1)
            for layer in reversed(list(self.layers.values())):
                dout = layer.backward(dout)
            a, b = self.layers["Affine1"], self.layers["Affine2"]
            return {"W1": a.dW, "b1": a.db, "W2": b.dW, "b2": b.db}
'''

LEARNERS_SCRIPT = '''\
    import scratchdl.common; scratchdl.common.install({flavour})
    import sys, os
    sys.path.append(os.pardir)
    import numpy as np
    from dataset.mnist import load_mnist
    from common.functions import softmax, cross_entropy_error
    from two_layer_net import TwoLayerNet

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
    np.random.seed(0)
    network = TwoLayerNet(input_size=784, hidden_size=2, output_size=10)
    grad_numerical = network.numerical_gradient(x_train[:3], t_train[:3])
    grad_backprop = network.gradient(x_train[:3], t_train[:3])
    for key in grad_numerical.keys():
        print(key + ":" + repr(float(np.average(np.abs(grad_backprop[key] - grad_numerical[key])))))
    y = softmax(np.array([0.3, 2.9, 4.0]))
    print("cross entropy:" + repr(float({call})))
'''


def learners_folder(tmp_path, flavour: str, call: str) -> Path:
    """The learner's folder: their own (broken) common/, ch05 with a net and a script, MNIST files."""
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "__init__.py").write_text("")
    (tmp_path / "common" / "layers.py").write_text("raise ImportError('the learner\\'s own copy was used')\n")
    (tmp_path / "ch05").mkdir()
    (tmp_path / "ch05" / "two_layer_net.py").write_text(textwrap.dedent(LEARNERS_NET))
    script = textwrap.dedent(LEARNERS_SCRIPT).format(flavour=flavour, call=call)
    (tmp_path / "ch05" / "gradient_check.py").write_text(script)
    (tmp_path / "mnist").mkdir()
    write_mnist(tmp_path / "mnist", (5, 2))
    return tmp_path / "ch05"


def run_script(folder: Path, name: str, *args) -> str:
    env = dict(os.environ, SCRATCHDL_DATA_DIR=str(folder.parent))
    done = subprocess.run([sys.executable, name, *args], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("flavour,call", [
    ("", "cross_entropy_error(y, np.array([0, 0, 1]))"),                      # the book's (y, t)
    ("functions='course'", "cross_entropy_error(np.array([0, 0, 1]), y)"),    # the course's (d, y)
])
def test_a_book_style_folder_runs_unchanged_after_the_one_line(tmp_path, flavour, call):
    folder = learners_folder(tmp_path, flavour, call)
    printed = run_script(folder, "gradient_check.py").splitlines()

    (x, t), _ = mnist.load_mnist(one_hot_label=True, data_dir=tmp_path / "mnist")
    np.random.seed(0)  # noqa: NPY002 (the book's global generator, as the script seeds it)
    network = MultiLayerNet(784, [2], 10, weight_init_std=0.01)       # the same draws and layers
    numerical, backprop = network.numerical_gradient(x[:3], t[:3]), network.gradient(x[:3], t[:3])
    expected = {key: float(np.average(np.abs(backprop[key] - numerical[key]))) for key in numerical}
    assert [line.split(":")[0] for line in printed] == ["W1", "b1", "W2", "b2", "cross entropy"]
    for line in printed[:4]:
        key, value = line.split(":")
        assert abs(float(value) - expected[key]) < 1e-10
    y = book_functions.softmax(np.array([0.3, 2.9, 4.0]))
    assert float(printed[4].split(":")[1]) == book_functions.cross_entropy_error(y, np.array([0, 0, 1]))


def run_example(path: Path, args, capsys) -> str:
    """``path`` run as ``python path *args`` would run it, in this process; what it printed."""
    old = sys.argv
    sys.argv = [str(path), *args]
    try:
        runpy.run_path(str(path), run_name="__main__")
    finally:
        sys.argv = old
    return capsys.readouterr().out


@pytest.mark.parametrize("name,args", [("seed_backprop.py", ()), ("seed_forward.py", ("--seed", "3"))])
def test_the_study_reports_exercises_print_the_seeds_numbers_after_the_line(installed, tmp_path, capsys, name,
                                                                             args):
    """The exercise with its import written the course's way, ``from common.functions import ...``,
    after the one line (``functions='course'``), prints what the example prints (which
    tests/examples checks against the seed's numbers)."""
    source = (EXAMPLES / name).read_text(encoding="utf-8")
    prefix = "from scratchdl.functions import "
    original = next(line for line in source.splitlines() if line.startswith(prefix))
    one_line = "import scratchdl.common; scratchdl.common.install(functions='course')"
    rewritten = source.replace(original, f"{one_line}\nfrom common.functions import {original[len(prefix):]}")
    assert rewritten != source
    (tmp_path / name).write_text(rewritten, encoding="utf-8")
    printed = run_example(tmp_path / name, args, capsys)
    assert printed == run_example(EXAMPLES / name, args, capsys)
    if name == "seed_backprop.py":
        report = SEED_OUTPUT.read_text(encoding="utf-8").splitlines()
        assert report[0] in printed and report[-1] in printed and len(printed.splitlines()) > 50
