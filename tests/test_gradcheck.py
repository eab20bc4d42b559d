"""gradcheck itself: a wrong backward gives a large error, so a passing check means something."""

import numpy as np
import pytest

from scratchdl import gradcheck, nn
from scratchdl.gradcheck import GradcheckResult, numerical_grad, relative_error
from scratchdl.models import MLP

TOL = 1e-6


def x64(*shape, seed=0):
    return np.random.default_rng((seed, 777)).standard_normal(shape)


# ---- deliberately broken layers ---------------------------------------------------------------
class InputGradTooBig(nn.Linear):
    def backward(self, dout):
        return 1.01 * super().backward(dout)


class ForgetsBiasGrad(nn.Linear):
    def backward(self, dout):
        bias = self.bias.grad.copy()
        dx = super().backward(dout)
        self.bias.grad[...] = bias
        return dx


class WeightGradSlightlyOff(nn.Linear):
    """dW = x^T dout plus a small stray term."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.weight.grad += 0.001 * self.weight.data
        return dx


class SigmoidWrongDerivative(nn.Sigmoid):
    def backward(self, dout):
        y = self.saved()
        return dout * y  # should be y (1 - y)


class ReLUWritesIntoDout(nn.ReLU):
    """The course-code trap: dout[mask] = 0 in place, then returns dout."""

    def backward(self, dout):
        dout[~self.saved()] = 0
        return dout


class TanhIgnoresDout(nn.Tanh):
    def backward(self, dout):
        y = self.saved()
        return 1 - y * y


class BatchNormWithoutMeanTerm(nn.BatchNorm1d):
    """Training-mode backward that forgets the batch mean depends on x."""

    def backward(self, dout):
        x_hat, inv_std, axes, shape, training = self.saved()
        self.weight.grad += (dout * x_hat).sum(axis=axes)
        self.bias.grad += dout.sum(axis=axes)
        return dout * (self.weight.data * inv_std).reshape(shape)


class LossWithoutBatchDivision(nn.CrossEntropyLoss):
    def backward(self):
        return super().backward() * self.saved()[0].shape[0]


class SoftmaxLossIgnoringTargets(nn.CrossEntropyLoss):
    def backward(self):
        p, _ = self.saved()
        return p / p.shape[0]


BROKEN = [
    ("input gradient 1% too large", lambda: InputGradTooBig(3, 4), x64(5, 3), "input"),
    ("bias gradient missing", lambda: ForgetsBiasGrad(3, 4), x64(5, 3), "bias"),
    ("weight gradient off by 0.1% of W", lambda: WeightGradSlightlyOff(3, 4), x64(5, 3), "weight"),
    ("sigmoid derivative y", SigmoidWrongDerivative, x64(4, 3), "input"),
    ("tanh ignores dout", TanhIgnoresDout, x64(4, 3), "input"),
    ("batch norm without the mean term", lambda: BatchNormWithoutMeanTerm(3), x64(6, 3), "input"),
]


@pytest.mark.parametrize("label, make, x, where", BROKEN, ids=[b[0] for b in BROKEN])
def test_a_wrong_backward_is_caught(label, make, x, where):
    result = gradcheck(make(), x)
    assert result.max_error > 1e-4, f"{label}: {result}"
    assert result.errors[where] == result.max_error
    assert not result.ok()


def test_a_wrong_loss_backward_is_caught():
    y, t = x64(6, 4), np.arange(6) % 4
    assert gradcheck(nn.CrossEntropyLoss(), y, t).max_error < TOL
    assert gradcheck(LossWithoutBatchDivision(), y, t).max_error > 0.5  # (6 - 1) / 6
    assert gradcheck(SoftmaxLossIgnoringTargets(), y, t).max_error > 0.1


def test_the_correct_layers_pass():
    """The same layers as above, unbroken, pass: the failures come from the bugs."""
    assert gradcheck(nn.Linear(3, 4), x64(5, 3)).max_error < TOL
    assert gradcheck(nn.Sigmoid(), x64(4, 3)).max_error < TOL
    assert gradcheck(nn.Tanh(), x64(4, 3)).max_error < TOL
    assert gradcheck(nn.BatchNorm1d(3), x64(6, 3)).max_error < TOL


def test_a_wrong_layer_inside_a_model_is_caught():
    model = MLP([3, 5, 2], rng=np.random.default_rng(0))
    assert gradcheck(model, x64(4, 3)).ok()
    setattr(model.layers, "1", SigmoidWrongDerivative())  # in place of the ReLU
    assert [type(m).__name__ for m in model.layers] == ["Linear", "SigmoidWrongDerivative", "Linear"]
    result = gradcheck(model, x64(4, 3))
    assert result.errors["layers.0.weight"] > 1e-3
    assert result.errors["input"] > 1e-3
    assert result.errors["layers.2.weight"] < TOL  # above the broken layer, all is still right


def test_in_place_writes_into_dout_do_not_hide_from_it():
    """gradcheck's own dout is untouched by its loss, so a ReLU that writes into dout still passes
    its own check; what it corrupts is a branch that shares dout, shown here directly."""
    x = x64(4, 3)
    assert gradcheck(ReLUWritesIntoDout(), x).ok()  # a limit of the check; the parity tests catch it
    relu = ReLUWritesIntoDout()
    relu(x)
    dout = np.ones_like(x)
    relu.backward(dout)
    assert (dout == 0).any()  # the trap: the caller's array changed
    clean = nn.ReLU()
    clean(x)
    dout = np.ones_like(x)
    clean.backward(dout)
    assert (dout == 1).all()


# ---- the machinery ----------------------------------------------------------------------------
def test_checks_every_parameter_and_leaves_the_module_alone():
    model = MLP([3, 4, 2], batchnorm=True, rng=np.random.default_rng(1))
    before = {k: v.copy() for k, v in model.state_dict().items()}
    result = gradcheck(model, x64(5, 3).astype(np.float32))
    assert set(result.errors) == {"input", *(n for n, _ in model.named_parameters())}
    assert result.ok()
    for name, array in model.state_dict().items():
        np.testing.assert_array_equal(array, before[name])
        assert array.dtype == before[name].dtype
    assert all(p.data.dtype == np.float32 for p in model.parameters())
    assert all((p.grad == 0).all() for p in model.parameters())


def test_dropout_sees_the_same_mask_in_every_evaluation():
    layer = nn.Dropout(0.5, rng=np.random.default_rng(3))
    assert gradcheck(layer, x64(6, 5)).max_error < TOL


def test_numerical_grad_and_relative_error():
    v = np.array([1.0, -2.0, 0.5])
    grad = numerical_grad(lambda: float((v**3).sum()), v)
    np.testing.assert_allclose(grad, 3 * v**2, rtol=1e-8)
    np.testing.assert_array_equal(v, [1.0, -2.0, 0.5])  # restored
    assert relative_error([1.0, 2.0], [1.0, 2.2]) == pytest.approx(0.2 / 2.2)
    assert relative_error([0.0], [0.0]) == 0.0
    assert relative_error([1e-12], [0.0]) == 1.0
    assert relative_error([1e-12], [0.0], floor=1e-3) == pytest.approx(1e-9)


def test_a_gradient_that_is_zero_by_construction_is_not_a_failure():
    """The bias of a Linear before training-mode batch norm has gradient 0: rounding noise in
    both the analytic and the numerical value must not read as a 100% error."""
    model = nn.Sequential(nn.Linear(3, 4, rng=np.random.default_rng(2)), nn.BatchNorm1d(4), nn.Tanh())
    result = gradcheck(model.train(), x64(6, 3))
    assert result.ok(), str(result)
    # ... while a wrong gradient there is still caught.
    broken = nn.Sequential(ForgetsBiasGrad(3, 4), nn.Tanh())
    assert gradcheck(broken, x64(6, 3)).errors["0.bias"] > 0.1


def test_result_report():
    result = GradcheckResult({"input": 1e-9, "weight": 3e-4})
    assert result.max_error == 3e-4
    assert not result.ok() and result.ok(tol=1e-3)
    text = str(result)
    assert text.splitlines()[0] == "worst relative error 3.000e-04"
    assert "weight" in text and "3.000e-04" in text
