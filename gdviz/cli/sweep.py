"""``gdviz sweep``: the batch-size lab headless, as a table, JSON or CSV.

    gdviz sweep SCENARIO [--batch-sizes 1,2,4,…|auto] [--lrs a,b,…|auto] [--seeds K]
                [--criterion mean_of_copies|expected|single_run] [--copies K]
                [--target-fraction EPS] [--optimizer NAME[,NAME…]] [--max-epochs E] [--json]
                [--out FILE.png|svg|csv]

By default (criterion mean_of_copies) the steps of (B, η) are to the first update at which the
mean loss of K shuffle-copies is ≤ the target; copy k is the mini-batch run of ``gdviz simulate
SCENARIO --batch-size B --lr η --shuffle-seed S --epochs E --optimizer NAME``, S = seed + k. With
``--criterion single_run`` every run (B, η, seed) is ``gdviz simulate … --seed seed`` and counts
its own first passage (null where the run did not get there). Several optimizers
(``--optimizer sgd,momentum,adam``) run one lab each and print B_crit for each.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys

from gdviz.core.lab_report import (  # noqa: F401 (the serialisers, shared with the lab window)
    result_json, result_json_runs, result_json_text, runs_csv)
from gdviz.core.lab_copies import CRITERIA, DEFAULT_COPIES
from gdviz.core.messages import echo
from gdviz.core.optimizers import OPTIMIZERS

# how the summary names what a step count measures (gdviz.core.lab_copies.CRITERIA)
CRITERION_LABELS = {"mean_of_copies": "mean loss of {k} shuffle-copies",
                    "expected": "exact expected loss (moment recursion)",
                    "single_run": "single runs: each copy's first passage (a lucky dip counts)"}


def _say(message: str) -> None:
    from gdviz.cli.options import say
    say(message)


def _usage(message: str) -> Exception:
    from gdviz.cli.options import UsageError
    return UsageError(message)


def _int_list(text: str) -> tuple[int, ...] | None:
    if text.strip() == "auto":
        return None
    values = []
    for v in text.split(","):
        try:
            values.append(int(v))
        except ValueError:
            raise _usage(f"--batch-sizes: {echo(v)} is not a whole number (give 'auto' or a "
                         "comma-separated list of whole numbers)") from None
    return tuple(values)


def _float_list(text: str) -> tuple[float, ...] | None:
    if text.strip() == "auto":
        return None
    values = []
    for v in text.split(","):
        try:
            values.append(float(v))
        except ValueError:
            raise _usage(f"--lrs: {echo(v)} is not a number (give 'auto' or a comma-separated "
                         "list of numbers)") from None
    return tuple(values)


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("sweep", help="the batch-size lab: steps and examples to a target "
                                            "over batch sizes, learning rates and seeds")
    p.add_argument("scenario", help="a built-in scenario name or a path to a .toml file")
    p.add_argument("--batch-sizes", dest="batch_sizes", default="auto",
                   help="comma-separated batch sizes, or auto (powers of two up to N, and N)")
    p.add_argument("--lrs", default="auto",
                   help="comma-separated learning rates, or auto (16 on a log grid up to twice "
                        "the stability limit)")
    p.add_argument("--seeds", type=int, default=None,
                   help="single_run only: seeds scenario seed … seed + K − 1 (each draws its "
                        "data and shuffles)")
    p.add_argument("--criterion", choices=CRITERIA, default="mean_of_copies",
                   help="what a step count measures: the mean loss of K shuffle-copies "
                        "(default), the exact expected loss (least squares, SGD), or single "
                        "runs' first passage (a lucky dip counts)")
    p.add_argument("--copies", type=int, default=DEFAULT_COPIES,
                   help=f"K shuffle-copies per (B, η) (default {DEFAULT_COPIES})")
    p.add_argument("--target-fraction", type=float, dest="target_fraction", default=None,
                   help="ε: the target is J* + ε (J(θ₀) − J*) (default 0.01; on a real network, "
                        "whose target is a validation loss, 0.2)")
    p.add_argument("--optimizer", help="the update rule, or several separated by commas "
                                        f"({', '.join(OPTIMIZERS)}; default: the scenario's)")
    p.add_argument("--max-epochs", type=float, dest="max_epochs",
                   help="budget of each run in epochs (default: the scenario's epochs; on a "
                        "real network 80)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--out", help="write the runs to FILE.csv, or the six plots to FILE.png or "
                                 "FILE.svg")
    return p


def _fmt(v, spec=".4g") -> str:
    return "—" if v is None else format(v, spec)


def result_table(scenario, result) -> str:
    from gdviz.core.lab import noise_disagreement, regime

    t0 = result.targets[0]
    fit, noise = result.fit, result.noise
    edge = (f"stability limit {result.stability_limit:.4g}" if result.stability_limit
            else "no stability limit for this rule")
    counts = {name: int((result.status == code).sum())
              for code, name in enumerate(("reached", "not reached", "diverged"))}
    criterion = getattr(result, "criterion", "single_run")
    if criterion == "single_run" and not result.shuffle_seeds:
        runs_are = (f"{len(result.seeds)} seeds ({result.seeds[0]}…{result.seeds[-1]}); "
                    "steps: single runs' first passage (a lucky dip counts)")
    elif criterion == "single_run":
        runs_are = (f"data seed {scenario.seed}, {result.copies} shuffle-copies; steps: "
                    "single runs' first passage (a lucky dip counts)")
    else:
        runs_are = (f"data seed {scenario.seed}; steps: first update at which the "
                    + CRITERION_LABELS[criterion].format(k=result.copies)
                    + " reaches the target")
    lines = [
        f"{scenario.name}: {scenario.landscape}, N = {scenario.n_examples}, {result.optimizer}, "
        f"budget {result.max_epochs:g} epochs, {runs_are}",
        f"target: J ≤ {t0.loss:.6g} = J* + {result.fraction:g}·(J(θ₀) − J*), J* = {t0.j_star:.6g}"
        + ("" if t0.j_star_known else " (best of a long full-batch run)")
        + (" (seed " + str(t0.seed) + "; each seed has its own data)"
           if any(t.loss != t0.loss for t in result.targets) else ""),
        f"λ_max = {result.lambda_max:.4g}, {edge}; "
        f"{len(result.lrs)} learning rates {result.lrs[0]:.3g} … {result.lrs[-1]:.3g}; "
        f"runs: {counts['reached']} reached, {counts['not reached']} not reached, "
        f"{counts['diverged']} diverged",
        f"{'B':>6} {'best η':>9} {'steps (median)':>15} {'IQR':>15} {'theory':>7} "
        f"{'examples':>10} {'hw time (s)':>11}  regime (from the fit)",
    ]
    if result.measure == "validation loss":     # the real network: no Hessian
        from gdviz.mlp.lab import REFERENCE
        lines[1] = (f"target: validation loss ≤ {t0.loss:.6g} = J*_val + {result.fraction:g}·"
                    f"(J_val(θ₀) − J*_val), J*_val = {t0.j_star:.6g} (seed {t0.seed}, each "
                    f"seed has its own data)\n{REFERENCE.describe()}")
        lines[2] = (f"{len(result.lrs)} learning rates {result.lrs[0]:.3g} … "
                    f"{result.lrs[-1]:.3g}; runs: {counts['reached']} reached, "
                    f"{counts['not reached']} not reached, {counts['diverged']} diverged")
    for p in result.best:
        iqr = ("—" if p.steps_q1 is None or len(result.seeds) == 1   # one count: no spread
               else f"{p.steps_q1:g}–{_fmt(p.steps_q3, 'g')}")
        theory = getattr(p, "steps_theory", None)
        # a regime only for a batch size that reached the target, from a fit of ≥ 4 points
        named = ("not reached: no regime" if p.steps_median is None
                 else regime(p.batch_size, fit.b_crit))
        lines.append(f"{p.batch_size:>6} {_fmt(p.lr, '.3g'):>9} {_fmt(p.steps_median, 'g'):>15} "
                     f"{iqr:>15} {_fmt(theory, 'g'):>7} {_fmt(p.examples_median, 'g'):>10} "
                     f"{_fmt(p.time_median):>11}  {named or ''}")
    lines.append(f"fit S = S_min (1 + B_crit (N − B)/(B (N − 1))) over {fit.points} reached "
                 f"batch sizes: S_min = {_fmt(fit.s_min)}, E_min = {_fmt(fit.e_min)}, "
                 f"B_crit = E_min/S_min = {_fmt(fit.b_crit)}"
                 + ("" if fit.b_crit is not None or fit.points >= 4
                    else " (fewer than 4 batch sizes reached the target: no fit, no regimes)"))
    lines.append(f"noise scale on the full-batch path (η = {_fmt(noise.lr, '.3g')}): "
                 f"B_simple = {_fmt(noise.b_simple_start)} at the start, "
                 f"{_fmt(noise.b_simple_target)} at the target, "
                 f"{_fmt(getattr(noise, 'b_simple_path_mean', None))} averaged along the path; "
                 f"B_noise = {_fmt(noise.b_noise_target)} at the target, "
                 f"{_fmt(getattr(noise, 'b_noise_path_mean', None))} averaged along the path")
    factor = noise_disagreement(result)
    if factor is not None:
        lines.append(f"note: the fitted B_crit and B_noise averaged along the full-batch path "
                     f"differ by a factor {factor:.3g} here. McCandlish et al. predict them "
                     "about equal for a tuned descent over many directions of curvature; "
                     "lesson-7-critical-batch (least squares, 100 parameters) shows it")
    return "\n".join(lines)


def _export_plots(scenario, result, out: str) -> None:
    """The lab's six plots as one PNG or SVG; Qt is imported here only, always offscreen."""
    from gdviz.export.render import prepare_headless
    prepare_headless()                  # never the desktop platform
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication([])   # noqa: F841 (kept alive while drawing)
    from gdviz.export.lab_figure import export_figure
    export_figure(result, out, f"gdviz sweep {scenario.name}: {scenario.landscape}, "
                               f"N = {scenario.n_examples}, {result.optimizer}")


def run(args) -> int:
    from gdviz.cli.options import UsageError

    out = args.out
    suffix = ""
    if out is not None:
        suffix = out.rsplit(".", 1)[-1].lower() if "." in out else ""
        if suffix not in ("csv", "png", "svg"):
            raise UsageError(f"--out {out}: the file name must end in .csv, .png or .svg")
        from gdviz.export.atomic import ExportError, check_target
        try:
            check_target(out)
        except ExportError as exc:
            raise UsageError(f"--out: {exc}") from None
    results = compute_all(args)
    scenario, result = _combined(results)
    if out is not None:
        from gdviz.export.atomic import AtomicFile, ExportError
        try:
            if suffix == "csv":
                with AtomicFile(out) as part:
                    part.path.write_text(runs_csv(result), encoding="utf-8")
                    part.commit()
            else:
                _export_plots(scenario, result, out)
        except ExportError as exc:
            _say(f"gdviz: error: {exc}")
            return 1
        except OSError as exc:          # a full disk: the path and the reason, not [Errno 28]
            _say(f"gdviz: error: {out}: could not write: {exc.strerror or exc}; nothing was "
                 "written")
            return 1
    if args.json:
        sys.stdout.write(result_json_text(scenario, result))
    else:
        print("\n\n".join(result_table(sc, r) for sc, r in results))
        if len(results) > 1:
            print("\n" + optimizer_summary([r for _, r in results]))
    return 0


def optimizer_summary(results) -> str:
    """One line per optimizer: its fitted B_crit, S_min and the path-mean B_noise."""
    lines = ["critical batch size per optimizer (Zhang et al. 2019: momentum and "
             "preconditioning can raise it):"]
    for r in results:
        lines.append(f"  {r.optimizer:<9} B_crit = {_fmt(r.fit.b_crit):>8}   S_min = "
                     f"{_fmt(r.fit.s_min):>8}   fit over {r.fit.points} batch sizes")
    return "\n".join(lines)


def _optimizer_list(text: str | None) -> list[str | None]:
    """``--optimizer``: one name, several separated by commas, or None (the scenario's)."""
    from gdviz.cli.options import UsageError
    if text is None:
        return [None]
    names = [v.strip() for v in text.split(",")]
    for name in names:
        if name not in OPTIMIZERS:
            raise UsageError(f"--optimizer: {name!r} is not one of {', '.join(OPTIMIZERS)}")
    if len(set(names)) != len(names):
        raise UsageError(f"--optimizer: {text!r} names an optimizer twice")
    return names


def compute(args):
    """(the scenario as run, the LabResult) for the parsed options; ``args.scenario`` is a name,
    a path or a Scenario (gdviz.sweep runs this too). With several optimizers the first one's
    result carries the others in ``others``."""
    return _combined(compute_all(args))


def _combined(results):
    scenario, result = results[0]
    if len(results) > 1:
        result = dataclasses.replace(result, others=tuple(r for _, r in results[1:]))
    return scenario, result


def compute_all(args):
    """[(the scenario as run, its LabResult)], one per optimizer of ``--optimizer``."""
    from gdviz.cli.options import UsageError, resolve_scenario
    from gdviz.core.lab import Lab, LabSettings

    settings = LabSettings(batch_sizes=_int_list(args.batch_sizes), lrs=_float_list(args.lrs),
                           seeds=8 if args.seeds is None else args.seeds,  # single_run, mlp
                           target_fraction=args.target_fraction,
                           max_epochs=args.max_epochs, criterion=args.criterion,
                           copies=args.copies)
    results = []
    for name in _optimizer_list(args.optimizer):
        base = resolve_scenario(argparse.Namespace(scenario=args.scenario, optimizer=name))
        try:
            settings.check(base.n_examples)     # the lab's own checks of what was asked for
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if base.is_mlp:
            from gdviz.mlp.lab import MlpLab
            lab = MlpLab(base, settings)
        else:
            lab = Lab(base, settings)
        results.append((lab.scenario, lab.run()))
    return results
