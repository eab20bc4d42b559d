r"""Automatic differentiation: the second road to a gradient, define-by-run as in PyTorch.

``nn``'s layers each have a backward written by hand ("Deep Learning from Scratch", book 1). Here
nobody writes backward for a network: each operation on a ``Tensor`` records itself into a
computational graph as the program runs, and ``backward()`` applies the chain rule to that graph,
node by node in reverse ("Deep Learning from Scratch" 3 / DeZero, PyTorch's autograd)::

    from scratchdl.autograd import Tensor, functional as F
    x = Tensor([[1.0, 5.0]])
    W = Tensor([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]], requires_grad=True)
    loss = F.cross_entropy(F.relu(x @ W), [2])
    loss.backward()                       # W.grad is dL/dW

Every backward is written with Tensor operations, so ``create_graph=True`` gives second and
higher derivatives (``grad(grad(y, x, create_graph=True), x)``). ``draw`` and ``to_dot`` show the
graph. ``from_nn`` runs a model built of ``nn`` layers through this engine, and the tests check
that both roads give the same gradients (``tests/autograd/test_two_roads.py``).
"""

# isort: off
from .tensor import Tensor  # first: the operations it binds need it, and Function needs them
# isort: on
from . import from_nn, functional
from .drawing import Drawing, draw, to_dot
from .engine import backward, grad
from .function import Function
from .mode import enable_grad, is_grad_enabled, no_grad, scope, set_grad_enabled

__all__ = [
    "Drawing", "Function", "Tensor", "backward", "draw", "enable_grad", "from_nn", "functional", "grad",
    "is_grad_enabled", "no_grad", "scope", "set_grad_enabled", "to_dot",
]
