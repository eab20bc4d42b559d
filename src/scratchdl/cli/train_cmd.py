"""``scratchdl train``: train a zoo model on a dataset, with checkpoints, curves and resume."""

from __future__ import annotations

import inspect
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np

from .. import backend, checkpoint, data, distributed, models, optim
from ..errors import ConfigError, ShapeError
from ..nn import CrossEntropyLoss, blocks, init
from ..nn.activation import ACTIVATIONS
from ..train import Checkpointing, TrainingDiverged, TrainState, evaluate, fit
from ..train.callbacks import EpochLog
from .options import (
    dataset_name,
    initializer,
    int_list,
    non_negative_float,
    positive_float,
    positive_int,
    probability,
)

DEFAULTS = {"model": "simple_cnn", "dataset": "digits", "optimizer": "adam", "lr": None, "epochs": 40,
            "batch_size": 32, "init": "he_normal", "batchnorm": False, "dropout": 0.0,
            "weight_decay": 0.0, "scheduler": "cosine", "seed": 0, "dtype": "float32", "hidden": [100],
            "activation": "relu", "data_dir": None}


SCHEDULERS = {
    "none": lambda opt, epochs: None,
    "cosine": lambda opt, epochs: optim.CosineAnnealingLR(opt, T_max=epochs),
    "step": lambda opt, epochs: optim.StepLR(opt, step_size=max(epochs // 3, 1)),
    "exponential": lambda opt, epochs: optim.ExponentialLR(opt, gamma=0.9),
}


# Learning rates that train the zoo on digits well with each optimizer (Adam's: 0.003 gave
# 98.3-98.6% test accuracy on seeds 3, 5-9 with the default SimpleConvNet; 0.001 gave 97.5-98.3%).
DEFAULT_LR = {"sgd": 0.05, "momentum": 0.02, "nesterov": 0.02, "adagrad": 0.05, "rmsprop": 0.001,
              "adam": 0.003, "adamw": 0.003}


def register(commands) -> None:
    p = commands.add_parser("train", help="train a model (default: SimpleConvNet on digits with Adam)",
                            description="Train a zoo model on a dataset and print its test accuracy.")
    p.add_argument("--model", choices=sorted(models.MODELS), help=f"default {DEFAULTS['model']}")
    p.add_argument("--hidden", type=int_list, metavar="SIZES",
                   help="MLP hidden layer sizes, comma-separated, e.g. 100,50 (default 100: one layer)")
    p.add_argument("--activation", choices=sorted(ACTIVATIONS),
                   help="the MLP's hidden activation (default relu)")
    p.add_argument("--dataset", type=dataset_name, help="a name from `scratchdl datasets` or a .npz file "
                   f"(default {DEFAULTS['dataset']})")
    p.add_argument("--data-dir", help="folder with the dataset's files (mnist, fashion-mnist)")
    p.add_argument("--optimizer", choices=sorted(optim.OPTIMIZERS), help="default adam")
    p.add_argument("--lr", type=positive_float,
                   help="learning rate (default: 0.003 for adam/adamw, 0.05 sgd, 0.02 momentum/nesterov, "
                   "0.05 adagrad, 0.001 rmsprop)")
    p.add_argument("--epochs", type=positive_int, help="default 40")
    p.add_argument("--batch-size", type=positive_int, help="default 32")
    p.add_argument("--init", type=initializer, metavar="INIT",
                   help=f"weight initializer: {', '.join(init.names())}, normal:STD or uniform:BOUND "
                   "(default he_normal)")
    p.add_argument("--batchnorm", action="store_true", default=None, help="add batch norm (mlp, vgg)")
    p.add_argument("--dropout", type=probability, help="dropout probability (mlp, alexnet)")
    p.add_argument("--weight-decay", type=non_negative_float, help="default 0")
    p.add_argument("--scheduler", choices=sorted(SCHEDULERS),
                   help="learning-rate schedule over the epochs (default cosine)")
    p.add_argument("--seed", type=int, help="random seed (default 0)")
    p.add_argument("--dtype", choices=["float32", "float64"], help="default float32")
    p.add_argument("--out", metavar="DIR",
                   help="output folder, new or empty (default runs/<model>-<dataset>-<time>)")
    p.add_argument("--resume", metavar="DIR", help="continue the run saved in DIR")
    p.add_argument("--checkpoint-every", type=positive_int, metavar="STEPS",
                   help="also save a checkpoint every STEPS steps (always at each epoch end)")
    p.add_argument("--threads", type=positive_int,
                   help="threads for the layers' work (default: every core, shared among the MPI ranks "
                   "on one machine); BLAS itself runs one thread inside them")
    p.add_argument("--no-progress", action="store_true",
                   help="no per-batch progress bar (there is none when the output is not a terminal; "
                   "one line per epoch is printed either way)")
    p.add_argument("--sync-batchnorm", action="store_true",
                   help="under MPI, batch norm over the whole global batch (default: per process, as DDP)")
    p.add_argument("--distributed", action="store_true",
                   help="data-parallel over the processes of mpiexec -n N scratchdl train (automatic "
                   "when mpiexec starts several; needs mpi4py: pip install -e '.[mpi]')")
    add_device_option(p)
    p.set_defaults(run=run)


def add_device_option(p) -> None:
    p.add_argument("--device", choices=backend.DEVICES, default="cpu",
                   help="where to compute: cpu, or cuda (an NVIDIA GPU through CuPy; see README, GPU); "
                   "default cpu")


def _options(args, stamp: str | None = None) -> tuple[dict, Path]:
    """The run's options: the defaults, then a resumed run's, then what the user gave now."""
    given = {k: getattr(args, k) for k in DEFAULTS if getattr(args, k, None) is not None}
    if args.resume:
        meta = checkpoint.read_meta(args.resume)
        saved = meta.get("options", {})
        changed = sorted(k for k in given if k not in ("epochs", "data_dir") and given[k] != saved.get(k))
        if changed:
            names = ", ".join("--" + k.replace("_", "-") for k in changed)
            raise ConfigError(f"--resume: cannot change {names} of a saved run")
        if args.out and Path(args.out).resolve() != Path(args.resume).resolve():
            raise ConfigError("--resume: the run continues in its own folder; drop --out")
        done = meta["progress"]["epoch"]
        if "epochs" in given and given["epochs"] <= done:
            raise ConfigError(f"--epochs {given['epochs']}: the run in {args.resume} has trained {done} "
                              f"epoch(s) already; to train longer, give more than {done}")
        return {**DEFAULTS, **saved, **given}, Path(args.resume)
    options = {**DEFAULTS, **given}
    if options["lr"] is None:
        options["lr"] = DEFAULT_LR[options["optimizer"]]
    stamp = stamp or _stamp()
    out = Path(args.out or f"runs/{options['model']}-{options['dataset']}-{stamp}")
    if checkpoint.is_checkpoint(out):
        raise ConfigError(f"--out: {out} already holds a run; continue it with --resume {out} "
                          "or choose another folder")
    return options, out


def build_model(options: dict, input_shape, num_classes: int):
    """The zoo model the options name, sized for the dataset, with only the options it accepts."""
    name = options["model"]
    extra = {"init": options["init"], "batchnorm": options["batchnorm"], "dropout": options["dropout"],
             "activation": options["activation"], "hidden": options["hidden"]}
    # --hidden is the MLP's list of layer sizes; a CNN's own ``hidden`` (one size) is not set from it
    accepted = set(inspect.signature(models.MODELS[name]).parameters) - {"hidden"}
    if name == "mlp":
        accepted = {"init", "batchnorm", "dropout", "hidden", "activation"}
    for key, value in extra.items():
        if key not in accepted and value != DEFAULTS[key]:
            raise ConfigError(f"--{key}: model {name!r} has no {key} option")
    kwargs = {k: v for k, v in extra.items() if k in accepted}
    return models.build(name, input_shape, num_classes, dtype=options["dtype"], **kwargs)


def check_fits(model, name: str, dataset) -> None:
    """One sample through the model, so a shape mismatch is reported before training starts."""
    try:
        model.eval()
        out = model(dataset.x[:1])
    except ShapeError as e:
        raise ShapeError(f"model {name!r} does not fit dataset {dataset.name!r} "
                         f"(sample shape {tuple(dataset.input_shape)}): {e}") from None
    finally:
        model.train()
    if out.shape[1:] != (dataset.num_classes,):
        raise ShapeError(f"model {name!r} gives {out.shape[1]} outputs, dataset {dataset.name!r} "
                         f"has {dataset.num_classes} classes")


def finished_message(out, meta: dict) -> str:
    """What ``--resume`` says of a run that has trained all its epochs: its result, and how to go on."""
    epochs = meta["options"]["epochs"]
    history = meta.get("history") or [{}]
    accuracy = history[-1].get("test_accuracy")
    result = f", test accuracy {accuracy:.4f}" if accuracy is not None else ""
    return (f"{out} is finished: {epochs} of {epochs} epochs trained{result}; nothing to do. To train "
            f"longer, give the new total: scratchdl train --resume {out} --epochs {2 * epochs}")


def resume_message(out, state: TrainState, options: dict, saved_epochs: int, lr: float) -> str:
    """``resuming DIR at epoch E, step S`` and, when ``--epochs`` extends the run, the schedule it follows."""
    line = f"resuming {out} at epoch {state.epoch + 1}, step {state.step}"
    if options["epochs"] == saved_epochs:
        return line
    line += f", now of {options['epochs']} epochs (was {saved_epochs})"
    if options["scheduler"] == "none":
        return line
    return (f"{line}; learning rate {lr:.3g} from here on, as a {options['epochs']}-epoch "
            f"{options['scheduler']} schedule has it at this epoch")


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def run(args) -> int:
    from threadpoolctl import threadpool_limits

    backend.check_device(args.device)  # before anything is read or written
    comm = distributed.world(required=args.distributed)  # cli.main made it, or stopped with one line
    if comm.size > 1:
        crowded = distributed.crowding_warning(distributed.crowded_machines(comm))
        if crowded and comm.is_root:
            print(f"scratchdl train: warning: {crowded}", file=sys.stderr, flush=True)
    if args.threads:
        blocks.NUM_THREADS = args.threads
    caller_dtype = backend.get_default_dtype()  # the run sets its own; a caller in this process keeps theirs
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            if comm.size == 1:
                return _train(args)
            runner = distributed.RankRunner(comm, "scratchdl train")
            return runner.run(lambda: _train(args, runner))
    finally:
        backend.set_default_dtype(caller_dtype)


def _train(args, runner=None) -> int:
    """One training run; under MPI (``runner``), every rank runs it and rank 0 alone writes and prints."""
    comm = runner.comm if runner else None
    root = comm is None or comm.is_root
    options, out = _options(args, comm.bcast(_stamp()) if comm else None)  # one run folder name
    if args.resume and args.epochs is None and (meta := checkpoint.read_meta(out)).get("finished"):
        checkpoint.load(out)  # a damaged run says so, finished or not
        if root:
            print(finished_message(out, meta))
        return 0
    if comm and getattr(args, "device", "cpu") in ("cuda", "gpu"):
        distributed.select_gpu(comm)  # rank r on GPU r mod (GPUs on its machine)
    backend.set_default_dtype(options["dtype"])
    backend.seed(options["seed"])
    distributed.root_first(comm, lambda: data.fetch(options["dataset"], options["data_dir"]))  # one download
    train_set, test_set = data.load_splits(options["dataset"], data_dir=options["data_dir"],
                                           seed=options["seed"], dtype=options["dtype"])
    model = build_model(options, train_set.input_shape, train_set.num_classes)
    check_fits(model, options["model"], train_set)
    if comm and args.sync_batchnorm:
        distributed.convert_sync_batchnorm(model, comm)
    optimizer = optim.create(options["optimizer"], model.parameters(), lr=options["lr"],
                             weight_decay=options["weight_decay"])
    scheduler = SCHEDULERS[options["scheduler"]](optimizer, options["epochs"])
    state = None
    if args.resume:
        ckpt = checkpoint.load(out)
        checkpoint.restore(ckpt, model, optimizer, scheduler)
        state = TrainState.from_progress(ckpt.meta["progress"], ckpt.meta.get("history", []))
        if root:
            print(resume_message(out, state, options, ckpt.meta["options"]["epochs"], optimizer.lr))
    dataset = {"name": train_set.name, "input_shape": list(train_set.input_shape),
               "num_classes": train_set.num_classes, "classes": train_set.classes}
    meta = {"model": {"name": options["model"], "config": model.config}, "dtype": options["dtype"],
            "options": options, "dataset": dataset, "processes": comm.size if comm else 1}
    started = time.perf_counter()
    loss_fn = CrossEntropyLoss()
    if runner:
        distributed.check_batch_size(options["batch_size"], len(train_set), comm.size)
        runner.ready()  # every rank is set up (or all stop here with the first rank's error)
        if root:
            print(_split_line(options["batch_size"], comm.size), flush=True)
    try:
        state = fit(model, loss_fn, optimizer, train_set, test_set, epochs=options["epochs"],
                    batch_size=options["batch_size"], seed=options["seed"], scheduler=scheduler,
                    callbacks=[Checkpointing(out, meta, args.checkpoint_every), EpochLog()] if root else [],
                    progress=not args.no_progress, state=state, device=args.device, comm=comm)
    except TrainingDiverged as e:
        kept = (f"the last good checkpoint is kept in {out}" if checkpoint.is_checkpoint(out)
                else "no checkpoint had been saved yet")
        error = TrainingDiverged(f"{e}; {kept}")
        error.on_every_rank = True  # under MPI the loss is checked after the all-reduce
        raise error from None
    if state.interrupted:
        if root:
            print(f"interrupted at epoch {state.epoch + 1}, step {state.step}; checkpoint saved in {out}; "
                  f"continue with: {_resume_command(comm, out)}")
        return 130
    result = evaluate(model, loss_fn, test_set, comm=comm)
    if not root:
        return 0
    seconds = time.perf_counter() - started
    correct = int(np.trace(result.confusion_matrix))
    print(f"test accuracy: {result.accuracy:.4f} ({correct}/{len(test_set)}) on {train_set.name}, "
          f"{options['model']}, {seconds:.1f} s; saved in {out}")
    return 0


def _split_line(batch_size: int, processes: int) -> str:
    """``2 processes, global batch 32 = 16 per process`` (``5 or 6`` when it does not divide)."""
    low, high = batch_size // processes, -(-batch_size // processes)
    share = f"{low}" if low == high else f"{low} or {high}"
    return f"{processes} processes, global batch {batch_size} = {share} per process"


def _resume_command(comm, out) -> str:
    """The command that continues the run, on as many processes as now (``mpiexec -n 2 ...``)."""
    if comm is None:
        return f"scratchdl train --resume {out}"
    started = distributed.launcher()
    launch = started.command() if started and started.size == comm.size else f"mpiexec -n {comm.size}"
    return f"{launch} scratchdl train --resume {out}"
