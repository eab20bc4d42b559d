"""``explain_call``: a call whose arguments do not bind is an ArgumentError showing the signature and
the hint; the function itself, and a TypeError from inside it, are untouched."""

import pytest

from scratchdl.calls import explain_call
from scratchdl.errors import ArgumentError, ScratchDLError


@explain_call("try f(a, b=1)")
def f(a, b=1):
    """Adds, or fails inside on a str."""
    return a + b


class Layer:
    @explain_call("the layer's call is Layer(size)")
    def __init__(self, size: int):
        self.size = size

    @explain_call()
    def forward(self, x, train_flg=True):
        return x


class Child(Layer):
    pass


def test_a_good_call_runs_and_keeps_the_name_and_signature():
    assert f(2, b=3) == 5 and f.__name__ == "f" and f.__doc__.startswith("Adds")
    assert Layer(3).forward(4, False) == 4


@pytest.mark.parametrize("call,message", [
    (lambda: f(), "f(a, b=1): missing a required argument: 'a'; try f(a, b=1)"),
    (lambda: f(1, 2, 3), "f(a, b=1): too many positional arguments; try f(a, b=1)"),
    (lambda: Layer(size=1, out=2), "Layer(size): got an unexpected keyword argument 'out'; the layer's"),
    (lambda: Child(), "Child(size): missing a required argument: 'size'"),
    (lambda: Layer(1).forward(1, True, 3), "Layer.forward(x, train_flg=True): too many positional arguments"),
])
def test_a_call_that_does_not_bind_names_the_signature(call, message):
    with pytest.raises(ArgumentError) as e:
        call()
    assert str(e.value).startswith(message)
    assert isinstance(e.value, TypeError) and isinstance(e.value, ScratchDLError)


def test_a_type_error_from_inside_passes_through():
    with pytest.raises(TypeError, match="can only concatenate str") as e:
        f("a")
    assert not isinstance(e.value, ArgumentError)
