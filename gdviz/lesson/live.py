"""Live numbers for the lesson panels: the values the view hands over and how they are printed.

No Qt here: the view builds a :class:`LiveValues` from a simulation snapshot and the panels turn
it into LaTeX with :func:`live_latex`.
"""
from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass

from gdviz.core.batching import updates_per_epoch  # noqa: F401 - ⌈N/B⌉, for the panels
from gdviz.lesson.content import Formula, MethodIntuition


@dataclass(frozen=True)
class LiveValues:
    """The numbers behind the formulas, all for the *selected* method.

    batch_size, updates_per_epoch, lr, grad_estimate and the noise values belong to the method
    named by ``selected`` ("full_batch" | "mini_batch" | "stochastic"); grad_full is the true
    gradient at that method's current θ. Noise is the total variance (trace of the covariance)
    of g_𝓑 around the true gradient; ``None`` where not known yet. The measured value is the
    mean over ``noise_draws`` sampled batches, ± ``noise_stderr``; ``grad_norm2`` = |∇J|².

    All of them describe one step, the selected method's last: ``lr`` is the eta that step
    used, ``grad_estimate`` and ``grad_full`` were taken where it began, ``step`` is the
    displacement it made and ``rule`` (a gdviz.core.optimizers.RuleState) the update rule with
    its state after the step. Without ``step`` the step is taken as -lr * g (plain SGD).
    """
    n_examples: int
    batch_size: int
    updates_per_epoch: int
    lr: float
    selected: str
    grad_estimate: tuple[float, float]
    grad_full: tuple[float, float]
    noise_measured: float | None = None
    noise_predicted: float | None = None
    trace_sigma: float | None = None
    noise_stderr: float | None = None
    noise_draws: int | None = None
    grad_norm2: float | None = None
    drop_last: bool = False         # the short last batch is dropped: ⌊N/B⌋ updates per epoch
    step: tuple[float, float] | None = None
    rule: object = None


def predicted_noise(trace_sigma: float, n: int, b: int) -> float:
    """Expected total variance of a mini-batch gradient drawn without replacement:
    tr Σ · (N−B) / (B (N−1)); zero once the batch is the whole dataset."""
    if b >= n or n <= 1:
        return 0.0
    return trace_sigma * (n - b) / (b * (n - 1))


def relative_noise(n: int, b: int) -> float:
    """Noise of a batch of B relative to a single example (B = 1 gives 1.0)."""
    return predicted_noise(1.0, n, b)


def method_for_batch(n: int, b: int) -> str:
    """Which of the three methods a batch size is: B = 1 stochastic, B ≥ N full batch."""
    if b >= n:
        return "full_batch"
    return "stochastic" if b <= 1 else "mini_batch"


def tex_number(x: float | None, digits: int = 3) -> str:
    """A number as LaTeX with *digits* significant digits; 1.2\\times10^{-5} for tiny ones."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return r"\text{–}"
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e5:
        s = f"{x:.{digits}g}"
        if "e" not in s:
            return s
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    return rf"{mantissa}\times 10^{{{int(exponent)}}}"


def tex_measured(mean: float | None, stderr: float | None) -> str | None:
    """mean ± standard error, the mean rounded to the error's second significant digit, so
    every digit shown is one the measurement supports; the plain mean without an error."""
    if mean is None or not math.isfinite(mean):
        return None
    if stderr is None or not math.isfinite(stderr):
        return tex_number(mean)
    if stderr == 0:
        return rf"{tex_number(mean)} \pm 0"
    place = math.floor(math.log10(stderr)) - 1          # decimal place of its 2nd digit
    top = max(abs(mean), stderr)
    if 1e-3 <= top < 1e5 and place >= -6:
        decimals = max(0, -place)
        return rf"{mean:.{decimals}f} \pm {stderr:.{decimals}f}"
    exponent = math.floor(math.log10(top))
    decimals = max(0, exponent - place)
    scale = 10.0 ** exponent
    return (rf"\left({mean / scale:.{decimals}f} \pm {stderr / scale:.{decimals}f}\right)"
            rf"\times 10^{{{exponent}}}")


def noise_scale(trace_sigma: float | None, grad_norm2: float | None) -> float | None:
    """McCandlish's B_simple = tr Σ / |∇J|²: the batch size at which the averaging noise
    tr Σ / B equals the squared gradient itself."""
    if trace_sigma is None or grad_norm2 is None:
        return None
    return trace_sigma / grad_norm2 if grad_norm2 > 0 else math.inf


def _tex_scale(x: float | None) -> str | None:
    # zero gradient (a minimum, a saddle): any batch is all noise
    return None if x is None else (r"\infty" if math.isinf(x) else tex_number(x))


def tex_vector(v) -> str:
    # Braces make a leading minus unary: "(0.1, -0.5)", not "(0.1,  - 0.5)".
    return rf"\left({{{tex_number(float(v[0]))}}},\ {{{tex_number(float(v[1]))}}}\right)"


# Where a rule's second moment has no value in the drawn coordinates (the real network's
# per-weight v cannot be projected onto the plane).
PER_WEIGHT = r"\text{one per weight}"


def rule_name(values: LiveValues) -> str:
    return getattr(values.rule, "name", "sgd")


def live_fields(values: LiveValues) -> dict[str, str | None]:
    """The ${NAME} substitutions for the formulas' live templates; None where not known."""
    g = values.grad_estimate
    step = values.step if values.step is not None else (-values.lr * g[0], -values.lr * g[1])

    def opt(x):
        return None if x is None else tex_number(x)

    fields = {
        "N": str(values.n_examples),
        "B": str(values.batch_size),
        "updates": str(values.updates_per_epoch),
        "lr": tex_number(values.lr),
        "g": tex_vector(g),
        "gfull": tex_vector(values.grad_full),
        "step": tex_vector(step),
        "measured": opt(values.noise_measured),
        "predicted": opt(values.noise_predicted),
        "trace": opt(values.trace_sigma),
        "measured_pm": tex_measured(values.noise_measured, values.noise_stderr),
        "draws": None if values.noise_draws is None else f"{values.noise_draws:,}".replace(",", r"\,"),
        "gnorm2": opt(values.grad_norm2),
        "bsimple": _tex_scale(noise_scale(values.trace_sigma, values.grad_norm2)),
    }
    fields.update(_rule_fields(values.rule))
    return fields


def _rule_fields(rule) -> dict[str, str | None]:
    """Constants and moment buffers of the update rule in force (None before its first step)."""
    if rule is None:
        return dict.fromkeys(("mu", "alpha", "b1", "b2", "t", "m", "v", "mhat", "vhat"))
    b1, b2 = rule.betas
    t = max(int(rule.t), 1)
    m = None if rule.m is None else tuple(float(x) for x in rule.m)
    v = None if rule.v is None else tuple(float(x) for x in rule.v)
    started = rule.t > 0
    return {
        "mu": f"{rule.momentum:g}", "alpha": f"{rule.alpha:g}", "b1": f"{b1:g}",
        "b2": f"{b2:g}", "t": str(rule.t),
        "m": tex_vector(m) if m is not None and started else None,
        "v": (tex_vector(v) if v is not None else PER_WEIGHT) if started else None,
        "mhat": tex_vector([x / (1 - b1**t) for x in m]) if m is not None and started else None,
        "vhat": ((tex_vector([x / (1 - b2**t) for x in v]) if v is not None else PER_WEIGHT)
                 if started else None),
    }


_LEAD_TEXT = re.compile(r"^\s*(\\text\{[^}]*\})")


def _fill(line: str, fields: dict[str, str | None]) -> str:
    template = string.Template(line)
    if any(fields.get(name, "") is None for name in template.get_identifiers()):
        # A number is not known yet (noise before enough steps): keep the line's label only.
        lead = _LEAD_TEXT.match(line)
        return (lead.group(1) if lead else "") + r"\text{not yet}"
    return template.safe_substitute(fields)


def live_latex(item: Formula | MethodIntuition, values: LiveValues,
               lesson=None) -> tuple[str, ...]:
    """The live lines of a formula (or a method) with the current numbers filled in; a line
    ``${update}`` becomes the live lines of the update rule in force (from *lesson*, default
    the built-in one)."""
    fields = live_fields(values)
    templates: list[str] = []
    for line in item.live:
        if line.strip() == "${update}":
            from gdviz.lesson.content import default_lesson
            templates += (lesson or default_lesson()).update_formula(rule_name(values)).live
        else:
            templates.append(line)
    lines = tuple(_fill(line, fields) for line in templates)
    if values.drop_last:
        # The trainer drops the last, incomplete batch: the count is ⌊N/B⌋, not ⌈N/B⌉.
        lines = tuple(s.replace(r"\lceil", r"\lfloor").replace(r"\rceil", r"\rfloor")
                      for s in lines)
    return lines
