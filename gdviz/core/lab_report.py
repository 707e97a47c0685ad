"""The lab's runs as data: ``gdviz sweep``'s JSON and CSV, one implementation for the command
line and the lab window's Export menu (pure functions of a LabResult)."""
from __future__ import annotations

import csv
import io
import json
import math

from gdviz.core.lab_grid import REACHED, STATUS_NAMES


def _num(v):
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def result_json(scenario, result) -> dict:
    t0 = result.targets[0]
    target = {"loss": t0.loss, "fraction": result.fraction, "j_star": t0.j_star,
              "criterion": getattr(result, "criterion", "single_run"),
              "copies": getattr(result, "copies", 1)}
    if getattr(result, "shuffle_seeds", ()):
        target["shuffle_seeds"] = [int(s) for s in result.shuffle_seeds]
    if any(t.loss != t0.loss or t.j_star != t0.j_star for t in result.targets):
        # each seed draws its own data: one target per seed
        target["per_seed"] = [{"seed": t.seed, "loss": t.loss, "j_star": t.j_star}
                              for t in result.targets]
    out = {
        "scenario": scenario.to_dict(),
        "target": target,
        **_summary_json(result),
        "runs": result_json_runs(result),
    }
    out["best"] = out.pop("best")            # after the runs, where it has always been
    others = getattr(result, "others", ())
    if others:
        # sweep --optimizer a,b,…: the first optimizer's lab above, each one's summary here
        out["optimizers"] = [{"optimizer": r.optimizer, **_summary_json(r)}
                             for r in (result, *others)]
    return out


def _summary_json(result) -> dict:
    noise = result.noise
    return {
        "noise": {"b_simple_start": _num(noise.b_simple_start),
                  "b_simple_target": _num(noise.b_simple_target),
                  "b_noise_target": _num(noise.b_noise_target),
                  "b_simple_path_mean": _num(getattr(noise, "b_simple_path_mean", None)),
                  "b_noise_path_mean": _num(getattr(noise, "b_noise_path_mean", None)),
                  "path_lr": _num(noise.lr)},
        "fit": {"s_min": _num(result.fit.s_min), "e_min": _num(result.fit.e_min),
                "b_crit": _num(result.fit.b_crit), "points": result.fit.points},
        "best": [{"batch_size": p.batch_size, "lr": p.lr, "steps_median": p.steps_median,
                  "steps_q1": p.steps_q1, "steps_q3": p.steps_q3,
                  "examples_median": p.examples_median,
                  "steps_theory": _num(getattr(p, "steps_theory", None))}
                 for p in result.best],
    }


def finite_json(value):
    """``value`` with every non-finite float (NaN, ±inf) as None: JSON's null, as ``simulate
    --json`` writes them (a target of nan failed the whole --json before)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_json(v) for v in value]
    return value


def result_json_text(scenario, result) -> str:
    """What ``--json`` prints: one line of JSON (null for a non-finite number), ending in a
    newline."""
    return json.dumps(finite_json(result_json(scenario, result)), allow_nan=False,
                      separators=(",", ":")) + "\n"


def runs_csv(result) -> str:
    data = result_json_runs(result)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["batch_size", "lr", "seed", "steps", "examples", "time", "status"])
    for r in data:
        w.writerow(["" if r[k] is None else repr(r[k]) if isinstance(r[k], float) else r[k]
                    for k in ("batch_size", "lr", "seed", "steps", "examples", "time", "status")])
    return buf.getvalue()


def result_json_runs(result) -> list[dict]:
    out = []
    for i, b in enumerate(result.batch_sizes):
        for j, lr in enumerate(result.lrs):
            for k, seed in enumerate(result.seeds):
                reached = result.status[i, j, k] == REACHED
                out.append({"batch_size": int(b), "lr": float(lr), "seed": int(seed),
                            "steps": int(result.steps[i, j, k]) if reached else None,
                            "examples": int(result.examples[i, j, k]) if reached else None,
                            "time": _num(result.time[i, j, k]) if reached else None,
                            "status": STATUS_NAMES[result.status[i, j, k]]})
    return out
