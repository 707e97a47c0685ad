"""The scenario's mini-batch run as a short, self-contained script a student can take away.

``script_for(scenario)`` returns Python source: plain PyTorch (``torch.nn``, a ``DataLoader``
whose sampler hands out gdviz's own per-epoch permutations, ``torch.optim``) for the real
network, plain NumPy for an analytic landscape. The script rebuilds the data from the seed the
way gdviz does, starts from the same point (weights), takes the same batches with the same eta,
schedule and update rule, prints the full training loss per epoch and, last, the final one as a
plain number: the number ``gdviz simulate`` reports for the mini-batch. No Qt, no torch import.
"""
from __future__ import annotations

import inspect
import math
import textwrap

from gdviz.core.rules import RuleSpec
from gdviz.core.schedules import scaled_lr

SUPPORTED_ANALYTIC = ("regression", "logistic", "ravine", "rosenbrock", "himmelblau", "saddle",
                      "sharp_flat")


class ScriptError(ValueError):
    """The scenario has no script form (one line, naming why)."""


def script_for(scenario) -> str:
    """The mini-batch run of a validated scenario as a Python script."""
    if scenario.is_mlp:
        return _torch_script(scenario)
    if scenario.landscape not in SUPPORTED_ANALYTIC:
        raise ScriptError(
            f"a script is written for the landscapes {', '.join(SUPPORTED_ANALYTIC)} and the "
            f"real network (mlp); '{scenario.landscape}' has none (your own f would need gdviz's "
            f"expression parser)")
    return _numpy_script(scenario)


# shared pieces ---------------------------------------------------------------------------------
def _eta(scenario) -> float:
    """eta for the mini-batch's B, scaled as the scenario asks (a constant for the whole run)."""
    return scaled_lr(scenario.lr, scenario.lr_scaling, scenario.batch_size,
                     scenario.lr_reference_batch)


def _schedule_body(scenario) -> str:
    """``eta_at(epoch)``: gdviz.core.schedules.scheduled_lr for the scenario's schedule."""
    s = scenario.schedule
    if s == "constant":
        return "    return ETA"
    if s == "step":
        every = max(scenario.epochs / 3.0, 1.0)
        return f"    return ETA * 0.5 ** math.floor(epoch / {every!r})   # halved every {every:g} epochs"
    if s == "exponential":
        return ("    rate = 0.1 ** (1.0 / max(EPOCHS, 1e-9))   # eta falls to 10 % over the run\n"
                "    return ETA * rate**epoch")
    if s == "cosine":
        return ("    progress = min(epoch / max(EPOCHS, 1e-9), 1.0)\n"
                "    return 0.0 + 0.5 * (ETA - 0.0) * (1.0 + math.cos(math.pi * progress))")
    raise ScriptError(f"unknown schedule '{s}'")


def _header(scenario, kind: str) -> str:
    name = scenario.name
    return f'''"""gdviz scenario '{name}': the mini-batch run (B = {scenario.batch_size}) in plain {kind}.

Written by gdviz (`gdviz export {name} --out run.py`, or File > Copy as PyTorch script).
It is gdviz's own run, step for step: the same data (rebuilt from the seed), the same start,
the same batches in the same order, the same eta, schedule and update rule. It prints the
full training loss J after every epoch; its last line ends with the final J, the number
`gdviz simulate {name}` shows for the mini-batch.

The lesson's formulas, as the comments below use them:
  J(theta)   = 1/N  sum_i  l_i(theta)          loss over the whole training set
  g_B        = 1/B  sum_(i in batch) grad l_i  the batch's gradient estimate
  theta <- theta - eta * g_B                   one update (the optimizer may reshape g_B)
  updates per epoch = ceil(N / B)              (floor(N / B) when the short batch is dropped)
"""
'''


def _budget_lines() -> str:
    return '''def budget_spent(epoch, seen, next_size):
    """gdviz stops a run once it has done EPOCHS epochs, or when the next batch would take it
    past EPOCHS * N examples (equal compute for all methods)."""
    return epoch >= EPOCHS - 1e-12 or seen + next_size > EPOCHS * N * (1 + 1e-12)
'''


# the real network --------------------------------------------------------------------------------
def _torch_script(scenario) -> str:
    from gdviz.mlp.datasets import MAKERS, _labels

    m = scenario.mlp
    maker = MAKERS[m.dataset]
    maker_src = inspect.getsource(maker)
    needs_labels = "_labels(" in maker_src
    sizes = (1 if m.dataset == "curve" else 2, *m.hidden, 1)
    act = "nn.Tanh()" if m.activation == "tanh" else "nn.ReLU()"
    layers = []
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(f"nn.Linear({a}, {b})")
        if k < len(sizes) - 2:
            layers.append(act)
    loss = ("nn.BCEWithLogitsLoss()   # l_i: cross-entropy of example i on the logit; the mean "
            "over a batch is J_B" if m.loss == "bce" else
            "nn.MSELoss()   # l_i = (f(x_i) - y_i)^2; the mean over a batch is J_B")
    opt = _torch_optimizer(scenario)
    n_val = int(round(m.val_fraction * scenario.n_examples))
    parts = [
        _header(scenario, "PyTorch"),
        "import math\n\nimport numpy as np\nimport torch\nfrom torch import nn\n"
        "from torch.utils.data import DataLoader, Sampler, TensorDataset\n\n",
        f"SEED = {scenario.seed}\n"
        f"N = {scenario.n_examples}              # training examples: the N of J = 1/N sum_i l_i\n"
        f"B = {scenario.batch_size}              # examples per update: the batch size\n"
        f"EPOCHS = {scenario.epochs!r}          # passes over the data\n"
        f"ETA = {_eta(scenario)!r}         # learning rate eta"
        + (f" (scaled '{scenario.lr_scaling}' from {scenario.lr!r} at B = "
           f"{scenario.lr_reference_batch})" if scenario.lr_scaling != "none" else "") + "\n"
        f"DROP_LAST = {bool(scenario.drop_last)}      # drop each epoch's short last batch\n"
        f"NOISE = {float(m.noise)!r}\nN_VAL = {n_val}           # validation points, drawn with "
        f"the training points\n",
        "\n\n# --- the data, made from the seed exactly as gdviz makes it ('"
        + m.dataset + "') ---\n"
        + (textwrap.dedent(inspect.getsource(_labels)) + "\n\n" if needs_labels else "")
        + textwrap.dedent(maker_src) + "\n\n"
        "rng = np.random.default_rng([SEED, 0xDA7A, 2])\n"
        f"x, y = {maker.__name__}(N + N_VAL, NOISE, rng)\n"
        "order = rng.permutation(N + N_VAL)       # mix the classes, then split\n"
        "x = np.ascontiguousarray(x[order], np.float32)\n"
        "y = np.ascontiguousarray(y[order, None], np.float32)\n"
        "X, Y = torch.from_numpy(x[:N]), torch.from_numpy(y[:N])   # the N training examples\n"
        "X_val, Y_val = torch.from_numpy(x[N:]), torch.from_numpy(y[N:])\n"
        "train = TensorDataset(X, Y)\n",
        "\n\n# --- the model: its layer widths, and nn.Linear's initialisation U(+-1/sqrt(fan_in))\n"
        "#     drawn from a generator seeded with SEED, layer by layer (weights, then bias) ---\n"
        "model = nn.Sequential(" + ", ".join(layers) + ")\n"
        "init = torch.Generator().manual_seed(SEED)\n"
        "with torch.no_grad():\n"
        "    for layer in model:\n"
        "        if isinstance(layer, nn.Linear):\n"
        "            bound = 1.0 / math.sqrt(layer.in_features)\n"
        "            n_w = layer.weight.numel()\n"
        "            flat = torch.empty(n_w + layer.bias.numel()).uniform_(-bound, bound, "
        "generator=init)\n"
        "            layer.weight.copy_(flat[:n_w].view_as(layer.weight))\n"
        "            layer.bias.copy_(flat[n_w:])\n"
        f"loss_fn = {loss}\n",
        "\n\n# --- the order of the examples: a fresh permutation every epoch, drawn without\n"
        "#     replacement from the mini-batch's own random stream (gdviz spawns one per method) ---\n"
        "class GdvizOrder(Sampler):\n"
        "    def __init__(self):\n"
        "        stream = np.random.SeedSequence(SEED).spawn(3)[1]   # [full, mini, stochastic]\n"
        "        self.generator = torch.Generator().manual_seed(int(stream.generate_state(1)[0]))\n\n"
        "    def __len__(self):\n        return N\n\n"
        "    def __iter__(self):   # called once per epoch by the DataLoader\n"
        "        return iter(torch.randperm(N, generator=self.generator).tolist())\n\n\n"
        "loader = DataLoader(train, batch_size=B, sampler=GdvizOrder(), drop_last=DROP_LAST)\n"
        f"optimizer = {opt}\n",
        "\n\ndef eta_at(epoch):\n"
        f"    \"\"\"eta for the next update at a fractional epoch (schedule: "
        f"{scenario.schedule}).\"\"\"\n" + _schedule_body(scenario) + "\n\n\n",
        _budget_lines(),
        "\n\ndef full_loss(xs, ys):\n"
        "    \"\"\"J over a whole set: the mean of every example's loss, no update.\"\"\"\n"
        "    with torch.no_grad():\n"
        "        return loss_fn(model(xs), ys).item()\n\n\n"
        "seen = 0\n"
        "done = False\n"
        "for epoch in range(math.ceil(EPOCHS)):\n"
        "    for k, (xb, yb) in enumerate(loader):      # ceil(N/B) batches per epoch\n"
        "        position = epoch + k * B / N             # fractional epoch before this update\n"
        "        if budget_spent(position, seen, len(xb)):\n"
        "            done = True\n"
        "            break\n"
        "        for group in optimizer.param_groups:\n"
        "            group[\"lr\"] = eta_at(position)\n"
        "        optimizer.zero_grad()\n"
        "        batch_loss = loss_fn(model(xb), yb)     # J_B = 1/B sum_(i in batch) l_i\n"
        "        batch_loss.backward()                   # g_B = grad J_B\n"
        "        optimizer.step()                        # theta <- theta - eta * g_B (per the rule)\n"
        "        seen += len(xb)\n"
        "    if done:\n        break\n"
        "    print(f\"epoch {epoch + 1}: J = {full_loss(X, Y):.6f}   validation J = "
        "{full_loss(X_val, Y_val):.6f}\")\n\n"
        "print(f\"final training loss J = {full_loss(X, Y)!r}\")\n",
    ]
    return "".join(parts)


def _torch_optimizer(scenario) -> str:
    o, mom = scenario.optimizer, scenario.momentum
    if o == "sgd":
        return "torch.optim.SGD(model.parameters(), lr=ETA)   # theta <- theta - eta g_B"
    if o == "momentum":
        return (f"torch.optim.SGD(model.parameters(), lr=ETA, momentum={mom!r})"
                "   # m <- mu m + g_B; theta <- theta - eta m")
    if o == "nesterov":
        return (f"torch.optim.SGD(model.parameters(), lr=ETA, momentum={mom!r}, nesterov=True)"
                "   # m <- mu m + g_B; theta <- theta - eta (g_B + mu m)")
    if o == "rmsprop":
        spec = RuleSpec("rmsprop")
        return (f"torch.optim.RMSprop(model.parameters(), lr=ETA, alpha={spec.alpha!r}, "
                f"eps={spec.eps!r})"
                "   # v <- a v + (1-a) g^2; theta <- theta - eta g / (sqrt v + eps)")
    return ("torch.optim.Adam(model.parameters(), lr=ETA)"
            "   # moments m, v of g_B, bias-corrected; theta <- theta - eta m^ / (sqrt v^ + eps)")


# analytic landscapes ----------------------------------------------------------------------------
_DATA = {
    "regression": '''# l_i(w, b) = 1/2 (w x_i + b - y_i)^2: least squares for a line, theta = (slope w, intercept b)
x = rng.uniform(-1.0, 3.0, N)
y = 2.0 * x + 1.0 + rng.normal(0.0, NOISE, N)


def losses(theta, idx):              # l_i(theta) for the examples idx
    r = theta[0] * x[idx] + theta[1] - y[idx]
    return 0.5 * r * r


def grads(theta, idx):               # grad l_i(theta), one row per example
    r = theta[0] * x[idx] + theta[1] - y[idx]
    return np.stack([r * x[idx], r], axis=-1)
''',
    "logistic": '''# l_i(w) = log(1 + exp(-y_i w.x_i)) + lam/2 |w|^2: two-weight logistic regression, labels +-1
labels = np.where(rng.random(N) < 0.5, -1.0, 1.0)
features = labels[:, None] * np.array([1.0, 0.5]) + rng.normal(0.0, NOISE, (N, 2))
yx = labels[:, None] * features
RIDGE = 0.01


def losses(theta, idx):              # l_i(theta) for the examples idx
    return np.logaddexp(0.0, -(yx[idx] @ theta)) + 0.5 * RIDGE * theta @ theta


def grads(theta, idx):               # grad l_i(theta), one row per example
    margin = yx[idx] @ theta
    weight = -0.5 * (1.0 - np.tanh(0.5 * margin))      # -sigmoid(-margin)
    return weight[:, None] * yx[idx] + RIDGE * theta
''',
}

_TILTED = {
    "ravine": ("1.5", '''C, S = np.cos(np.pi / 6), np.sin(np.pi / 6)
ROT = np.array([[C, S], [-S, C]])
H = ROT.T @ np.diag([1.0, 25.0]) @ ROT     # an ill-conditioned valley, kappa = 25


def f(theta):
    return 0.5 * theta @ H @ theta


def grad_f(theta):
    return theta @ H
'''),
    "rosenbrock": ("1.0", '''def f(theta):
    x, y = theta
    return (1 - x) ** 2 + 10.0 * (y - x * x) ** 2


def grad_f(theta):
    x, y = theta
    d = y - x * x
    return np.array([-2 * (1 - x) - 40.0 * x * d, 20.0 * d])
'''),
    "himmelblau": ("12.0", '''def f(theta):
    x, y = theta
    return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2


def grad_f(theta):
    x, y = theta
    a, b = x * x + y - 11, x + y * y - 7
    return np.array([4 * x * a + 2 * b, 2 * a + 4 * y * b])
'''),
    "saddle": ("1.0", '''def f(theta):
    x, y = theta
    return (x * x - 1) ** 2 + 0.5 * y * y


def grad_f(theta):
    x, y = theta
    return np.array([4 * x * (x * x - 1), y])
'''),
    "sharp_flat": ("1.5", '''WELLS = ((np.array([-2.0, 1.0]), 0.35, 1.1), (np.array([2.0, -1.0]), 1.3, 1.0))  # sharp, flat


def f(theta):
    value = 0.04 * theta @ theta
    for centre, width, depth in WELLS:
        d = theta - centre
        value -= depth * np.exp(-(d @ d) / (2 * width**2))
    return value


def grad_f(theta):
    g = 0.08 * theta
    for centre, width, depth in WELLS:
        d = theta - centre
        g = g + depth * np.exp(-(d @ d) / (2 * width**2)) * d / width**2
    return g
'''),
}

_RULES = {
    "sgd": ("", "    theta = theta - eta * g                     # theta <- theta - eta g_B"),
    "momentum": ("m = None\n", "    m = g.copy() if m is None else MU * m + g   # m <- mu m + g_B\n"
                 "    theta = theta - eta * m                     # theta <- theta - eta m"),
    "nesterov": ("m = None\n", "    m = g.copy() if m is None else MU * m + g   # m <- mu m + g_B\n"
                 "    theta = theta - eta * (g + MU * m)         # theta <- theta - eta (g_B + mu m)"),
    # the constants are torch.optim's, filled in from gdviz.core.rules.RuleSpec
    "rmsprop": ("v = None\n", "    v = (1 - {alpha}) * g * g if v is None else {alpha} * v + (1 - {alpha}) * g * g\n"
                "    theta = theta - eta * g / (np.sqrt(v) + {eps})"),
    "adam": ("m = v = None\n",
             "    m = (1 - {b1}) * g if m is None else {b1} * m + (1 - {b1}) * g\n"
             "    v = (1 - {b2}) * g * g if v is None else {b2} * v + (1 - {b2}) * g * g\n"
             "    m_hat, v_hat = m / (1 - {b1}**t), v / (1 - {b2}**t)   # bias corrections\n"
             "    theta = theta - eta * m_hat / (np.sqrt(v_hat) + {eps})"),
}


def _numpy_script(scenario) -> str:
    from gdviz.core.landscapes import make_landscape

    key = scenario.landscape
    landscape = make_landscape(key, scenario.n_examples, scenario.seed, scenario.noise,
                               None, scenario.bounds())
    start = scenario.resolved_starts(landscape)["mini_batch"]
    if key in _DATA:
        data = _DATA[key]
    else:
        scale, fns = _TILTED[key]
        pairs = key == "saddle"
        data = (f"# l_i(theta) = f(theta) + a_i.theta: one function f, each example tilted by its own\n"
                f"# vector a_i; the a_i average to zero, so J = f, and one example's gradient is grad f + a_i\n"
                f"tilts = rng.normal(0.0, NOISE * {scale}, (N, 2))\n"
                f"tilts = tilts - tilts.mean(axis=0)\n"
                + ("half = tilts[: N // 2]                 # mirrored pairs a, -a side by side\n"
                   "tilts = np.zeros((N, 2))\n"
                   "tilts[0:2 * len(half):2] = half\n"
                   "tilts[1:2 * len(half):2] = -half\n" if pairs else "")
                + "\n\n" + fns + "\n\n"
                "def losses(theta, idx):              # l_i(theta) for the examples idx\n"
                "    return f(theta) + tilts[idx] @ theta\n\n\n"
                "def grads(theta, idx):               # grad l_i(theta), one row per example\n"
                "    return grad_f(theta) + tilts[idx]\n")
    state, rule = _RULES[scenario.optimizer]
    spec = RuleSpec(scenario.optimizer)
    rule = rule.format(alpha=repr(spec.alpha), eps=repr(spec.eps), b1=repr(spec.betas[0]),
                       b2=repr(spec.betas[1]))
    return "".join([
        _header(scenario, "NumPy"),
        "import math\n\nimport numpy as np\n\n",
        f"SEED = {scenario.seed}\n"
        f"N = {scenario.n_examples}              # examples: the N of J = 1/N sum_i l_i\n"
        f"B = {scenario.batch_size}              # examples per update: the batch size\n"
        f"EPOCHS = {scenario.epochs!r}          # passes over the data\n"
        f"ETA = {_eta(scenario)!r}         # learning rate eta\n"
        f"MU = {scenario.momentum!r}           # momentum (momentum and Nesterov only)\n"
        f"DROP_LAST = {bool(scenario.drop_last)}      # drop each epoch's short last batch\n"
        f"NOISE = {float(scenario.noise)!r}\n"
        f"START = np.array([{float(start[0])!r}, {float(start[1])!r}])   # the mini-batch's start\n\n",
        f"# --- the data ('{key}'), made from the seed exactly as gdviz makes it ---\n"
        "rng = np.random.default_rng([SEED, 0xDA7A])\n" + data + "\n\n",
        "def J(theta):                        # the full loss: the mean over all N examples\n"
        "    return float(np.mean(losses(theta, np.arange(N))))\n\n\n",
        "def eta_at(epoch):\n"
        f"    \"\"\"eta for the next update at a fractional epoch (schedule: "
        f"{scenario.schedule}).\"\"\"\n" + _schedule_body(scenario) + "\n\n\n",
        _budget_lines(),
        "\n\n# the mini-batch's own random stream (gdviz spawns one per method: full, mini, "
        "stochastic)\n"
        "order = np.random.default_rng(np.random.SeedSequence(SEED).spawn(3)[1])\n"
        "theta = START.copy()\n" + state + "t = 0\nseen = 0\ndone = False\n"
        "for epoch in range(math.ceil(EPOCHS)):\n"
        "    # a fresh permutation each epoch: every example once per epoch, without replacement\n"
        "    # (a batch of all N is summed in index order and draws none)\n"
        "    perm = np.arange(N) if B == N else order.permutation(N)\n"
        "    stop = N - N % B if DROP_LAST else N\n"
        "    for start in range(0, stop, B):          # the epoch's updates, B examples each\n"
        "        idx = perm[start:start + B]\n"
        "        position = epoch + start / N             # fractional epoch before this update\n"
        "        if budget_spent(position, seen, len(idx)):\n"
        "            done = True\n"
        "            break\n"
        "        eta = eta_at(position)\n"
        "        t += 1\n"
        "        g = grads(theta, idx).mean(axis=0)      # g_B = 1/B sum_(i in batch) grad l_i\n",
        textwrap.indent(rule, "    ") + "\n",
        "        seen += len(idx)\n",
        "    if done:\n        break\n",
        "    print(f\"epoch {epoch + 1}: J = {J(theta):.6f}\")\n\n",
        "print(f\"final training loss J = {J(theta)!r}\")\n",
    ])
