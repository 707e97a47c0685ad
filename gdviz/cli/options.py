"""What every verb of the ``gdviz`` command shares: the parser that reports bad input on one line,
the scenario options, and the scenario they resolve to. The verbs' modules (gdviz.cli, .export,
.sweep) import it; it imports none of them."""
from __future__ import annotations

import argparse
import sys
import re


class UsageError(Exception):
    """Bad input on the command line: reported on one line, exit status 2."""


# Any number written with a minus sign is a value, not an option: "--epochs -1e3" means the
# value -1e3 (argparse alone only knows "-1" and "-0.5"), so the range check can name it.
_NEGATIVE_NUMBER = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-(inf|infinity|nan)$",
                              re.IGNORECASE)


class Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        # no prefix matching: `sweep --seed 42` silently ran 42 seeds (--seeds)
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_NUMBER

    def error(self, message):  # one line, no usage dump: scripts and people read it alike
        raise UsageError(_clip_quoted(message))


def _clip_quoted(message: str) -> str:
    """argparse's message with every quoted value cut to a readable length."""
    from gdviz.core.messages import clip
    message = re.sub(r"'([^']{80,})'", lambda m: repr(clip(m.group(1))), message)
    return clip(message, 300)


def scenario_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="a built-in scenario name or a path to a .toml file")
    p.add_argument("--landscape", help="landscape name (regression, logistic, ravine, ...)")
    p.add_argument("--n-examples", type=int, dest="n_examples", help="number of examples N")
    p.add_argument("--batch-size", type=int, dest="batch_size", help="the mini-batch's B")
    p.add_argument("--epochs", type=float, help="epochs each method runs")
    p.add_argument("--lr", type=float, help="learning rate eta")
    p.add_argument("--optimizer", help="sgd, momentum, nesterov, rmsprop or adam")
    p.add_argument("--seed", type=int, help="random seed for data and shuffling")
    p.add_argument("--shuffle-seed", type=int, dest="shuffle_seed",
                   help="the shuffles' own seed (the data stay those of --seed)")
    p.add_argument("--clock", choices=("updates", "examples", "hardware"),
                   help="the clock the methods advance on")
    p.add_argument("--drop-last", action="store_true", default=None, dest="drop_last",
                   help="drop the short last batch of each epoch (floor(N/B) updates)")
    p.add_argument("--function", help="your own f(x, y), e.g. '(x**2 + y - 11)**2 + (x + y**2 - 7)**2'")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"),
                   help="MLP scenarios: where the network trains (auto: CUDA when it works)")


def resolve_scenario(args: argparse.Namespace):
    """The scenario named on the command line with the options applied (validated)."""
    from gdviz import scenario as sc

    base = args.scenario if isinstance(args.scenario, sc.Scenario) else sc.load(args.scenario)
    changes = {k: getattr(args, k, None) for k in (
        "landscape", "n_examples", "batch_size", "epochs", "lr", "optimizer", "seed", "clock",
        "drop_last", "function", "shuffle_seed")}
    if changes.get("landscape") and changes["landscape"] != "custom" and not changes.get("function"):
        changes["function"] = None
        base = sc.dataclasses.replace(base, function=None)
    if changes.get("landscape") and changes["landscape"] != base.landscape and "starts" not in changes:
        base = sc.dataclasses.replace(base, starts={}, xlim=None, ylim=None)
        if changes["landscape"] != sc.MLP:
            base = sc.dataclasses.replace(base, mlp=None)   # leaving the MLP mode
    device = getattr(args, "device", None)
    if device:
        if not base.is_mlp and changes.get("landscape") != sc.MLP:
            raise UsageError("--device applies only to MLP scenarios (landscape mlp)")
        changes["mlp"] = sc.dataclasses.replace(base.mlp or sc.MlpSettings(), device=device)
    scenario = base.with_changes(source=f"{base.name} with command-line options", **changes)
    if scenario.batch_size < base.batch_size and changes.get("batch_size") is None:
        say(sc.lowered_batch_note(base, scenario))
    return scenario


def say(message: str) -> None:
    """One line on stderr: control characters escaped, long runs of characters cut."""
    from gdviz.core.messages import one_line
    try:
        print(one_line(message), file=sys.stderr, flush=True)
    except OSError:     # stderr closed or full: nothing more can be said
        pass
