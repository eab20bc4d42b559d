"""Learning-rate schedules equal PyTorch's over 20 epochs, and resume from their state dict."""

import numpy as np
import pytest
import torch

from scratchdl import optim
from scratchdl.errors import ConfigError
from scratchdl.nn import Parameter

torch.set_num_threads(1)

EPOCHS = 20
BASE_LR = 0.1

SCHEDULERS = {
    "step": (lambda o: optim.StepLR(o, step_size=3, gamma=0.5),
             lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
    "step_default_gamma": (lambda o: optim.StepLR(o, step_size=7),
                           lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7)),
    "exponential": (lambda o: optim.ExponentialLR(o, gamma=0.9),
                    lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)),
    "cosine": (lambda o: optim.CosineAnnealingLR(o, T_max=EPOCHS),
               lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=EPOCHS)),
    "cosine_eta_min": (lambda o: optim.CosineAnnealingLR(o, T_max=8, eta_min=0.01),
                       lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=8, eta_min=0.01)),
}


def ours_sequence(make, epochs=EPOCHS, opt_cls=optim.SGD):
    opt = opt_cls([Parameter(np.zeros(2))], lr=BASE_LR)
    sched = make(opt)
    lrs = [opt.lr]
    for _ in range(epochs):
        opt.step()
        sched.step()
        lrs.append(opt.lr)
        assert sched.get_last_lr() == opt.lr
    return lrs


def torch_sequence(make, epochs=EPOCHS):
    param = torch.nn.Parameter(torch.zeros(2))
    param.grad = torch.zeros(2)
    opt = torch.optim.SGD([param], lr=BASE_LR)
    sched = make(opt)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(epochs):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return lrs


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_lr_sequence_equals_torch(name):
    make_ours, make_torch = SCHEDULERS[name]
    ours, theirs = ours_sequence(make_ours), torch_sequence(make_torch)
    assert len(ours) == EPOCHS + 1
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    assert len(set(ours)) > 2  # the schedule does change the rate


def test_schedules_drive_any_optimizer():
    make_ours, make_torch = SCHEDULERS["cosine"]
    np.testing.assert_allclose(ours_sequence(make_ours, opt_cls=optim.Adam), torch_sequence(make_torch),
                               rtol=1e-12, atol=1e-12)


def test_known_values():
    assert ours_sequence(SCHEDULERS["step"][0], epochs=7) == pytest.approx(
        [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025])
    cosine = ours_sequence(SCHEDULERS["cosine"][0])
    assert cosine[EPOCHS // 2] == pytest.approx(BASE_LR / 2, rel=1e-12)
    assert cosine[-1] == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_state_dict_round_trip(name):
    make, _ = SCHEDULERS[name]
    straight = ours_sequence(make)

    opt = optim.SGD([Parameter(np.zeros(2))], lr=BASE_LR)
    sched = make(opt)
    resumed = [opt.lr]
    for _ in range(7):
        sched.step()
        resumed.append(opt.lr)
    state = dict(sched.state_dict())

    fresh_opt = optim.SGD([Parameter(np.zeros(2))], lr=0.5)  # a different rate, restored below
    fresh = make(fresh_opt)
    fresh.load_state_dict(state)
    assert fresh_opt.lr == resumed[-1]
    assert fresh.last_epoch == 7
    for _ in range(EPOCHS - 7):
        fresh.step()
        resumed.append(fresh_opt.lr)
    assert resumed == straight


def test_bad_options():
    opt = optim.SGD([Parameter(np.zeros(2))], lr=0.1)
    with pytest.raises(ConfigError, match="step_size must be >= 1"):
        optim.StepLR(opt, step_size=0)
    with pytest.raises(ConfigError, match="T_max must be >= 1"):
        optim.CosineAnnealingLR(opt, T_max=0)
