"""The lesson texts: every point of the lesson is present, broken files fail clearly, and the
live-value helpers compute the right numbers. No Qt here."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from gdviz.lesson import (
    LessonContentError, LiveValues, live_latex, load_lesson, method_for_batch, predicted_noise,
    relative_noise, updates_per_epoch)
from gdviz.lesson.content import default_lesson
from gdviz.lesson.live import tex_number
from gdviz.resources import resources_dir


@pytest.fixture(scope="module")
def lesson():
    return load_lesson()


def _has(text: str, *words: str) -> bool:
    low = text.lower()
    return all(w.lower() in low for w in words)


# key -> fragments its LaTeX must contain
FORMULAS = {
    "dataset_loss": [r"\frac{1}{N}", r"\sum", r"\ell_i"],
    "update": [r"\theta_{t+1}", r"\theta_{t}", r"\eta", "g_{t}"],
    "full_gradient": [r"g_{\text{full}}", r"{\nabla}_{\theta}", r"\frac{1}{N}"],
    "minibatch_loss": [r"J_{\mathcal{B}}", r"\frac{1}{B}", r"i \in \mathcal{B}"],
    "minibatch_gradient": [r"g_{\mathcal{B}}", r"\frac{1}{B}", r"{\nabla}_{\theta}"],
    "stochastic_gradient": ["g_{i}", r"{\nabla}_{\theta}\,\ell_i"],
    "updates_per_epoch": [r"\lceil", r"\frac{N}{B}", r"\rceil"],
    "gradient_noise": [r"\operatorname{Var}(g_{\mathcal{B}})", r"\sigma^{2}", "N-B", "N-1"],
}


def test_eight_formulas_in_lesson_order(lesson):
    assert [f.key for f in lesson.formulas] == list(FORMULAS)
    for f in lesson.formulas:
        for fragment in FORMULAS[f.key]:
            assert fragment in f.latex, (f.key, fragment)
        assert f.name and f.meaning and f.symbols and f.live


def test_formula_symbols_are_explained(lesson):
    def texts(key):
        return " ".join(s.tex + " " + s.text for s in lesson.formula(key).symbols)
    assert _has(texts("dataset_loss"), r"\theta", "parameters", "N", r"\ell_i")
    assert _has(texts("update"), r"\theta_{t+1}", r"\eta", "learning rate", "g_{t}")
    assert _has(texts("full_gradient"), r"g_{\text{full}}", "entire dataset")
    assert _has(texts("minibatch_loss"), r"\mathcal{B}", "batch size", r"i \in")
    assert _has(texts("updates_per_epoch"), r"\lceil", "round up")
    noise = texts("gradient_noise")
    # The without-replacement factor is explained, including its limits.
    assert _has(noise, r"\frac{N-B}{N-1}", "without replacement", "B = N", "no noise")
    assert _has(noise, r"\sigma^{2}", "single-example")


def test_notation_covers_every_symbol(lesson):
    texs = " ".join(s.tex for s in lesson.notation.symbols)
    for sym in [r"\theta", r"\theta_{t}", r"\theta_{t+1}", r"J(\theta)", r"\ell_i", "N", "B",
                r"\mathcal{B}", r"i \in \mathcal{B}", r"\eta", "g_{t}", r"g_{\text{full}}",
                r"{\nabla}_{\theta}\, J", r"{\nabla}_{\theta}\,\ell_i", r"g_{\mathcal{B}}",
                "g_{i}", r"\lceil", r"\operatorname{Var}", r"\sigma^{2}", "epoch"]:
        assert sym in texs, sym


def test_background_and_chain(lesson):
    bg = lesson.background
    text = " ".join(bg.paragraphs)
    assert _has(text, "batch size", "before", "step")
    assert _has(text, "full batch", "stochastic", "mini-batch", "one update per epoch", "GPU")
    assert [c.lower() for c in bg.chain] == [
        "batch size", "gradient estimate", "update path", "training behaviour"]


PROS_CONS = {
    "small": ({"update_frequency": "steps", "memory": "memory", "helpful_noise": "sharp"},
              {"noisy_gradients": "direction", "stability": "loss curve",
               "hardware_efficiency": "GPU"}),
    "large": ({"smooth_gradients": "noise", "parallelism": "GPU", "smooth_loss": "curve"},
              {"memory": "memory", "update_frequency": "steps",
               "generalisation": "sharper"}),
    "mini": ({"balance": "steady", "flexible": "architecture", "standard": "neural network"},
             {"tuning": "memory", "learning_rate": "learning rate",
              "not_automatically_better": "32, 64 or 128"}),
}


def test_every_pro_and_con(lesson):
    assert [g.key for g in lesson.proscons] == list(PROS_CONS)
    for group in lesson.proscons:
        pros, cons = PROS_CONS[group.key]
        for want, got in ((pros, group.pros), (cons, group.cons)):
            assert [p.key for p in got] == list(want), group.key
            for p in got:
                assert _has(p.title + " " + p.text, want[p.key]), (group.key, p.key)


def test_five_mistakes(lesson):
    want = {"epoch_is_one_update": "epoch", "batch_vs_dataset": "N counts",
            "bigger_is_better": "memory", "same_learning_rate": "learning rate",
            "averaged_loss": "mean"}
    assert [m.key for m in lesson.mistakes] == list(want)
    for m in lesson.mistakes:
        assert _has(m.title + " " + m.text, want[m.key]), m.key


def test_quick_example(lesson):
    q = lesson.quick_example
    assert q.n == 1000
    assert _has(q.stochastic, "B = 1", "1000 steps")
    assert _has(q.mini_batch, "B = 32", "32 steps")
    assert _has(q.full_batch, "B = 1000", "1 step")
    assert _has(q.balance, "biggest", "balance", "memory")
    assert "${B}" in q.live and "${updates}" in q.live


def test_summary(lesson):
    s = lesson.summary
    text = " ".join(s.points)
    assert len(s.points) >= 3
    assert _has(text, "small batches", "large batches", "mini-batches", "memory")
    assert _has(s.takeaway, "balance", "learning rate")


def test_comparison_table(lesson):
    c = lesson.comparison
    assert c.methods == ("full_batch", "mini_batch", "stochastic")
    rows = {r.key: r.values for r in c.rows}
    assert list(rows) == ["batch_size", "update_frequency", "memory", "convergence",
                          "gradient_noise"]
    assert rows["batch_size"][2] == "1 example"
    assert rows["memory"] == ("all N examples' activations", "B examples' activations",
                              "one example's activations")


def test_analogies(lesson):
    a = {x.key: x for x in lesson.analogies}
    assert set(a) == {"hill", "reviews"}
    assert _has(a["hill"].title, "eyes closed")
    assert _has(a["reviews"].full_batch, "1,000 reviews")
    assert _has(a["reviews"].mini_batch, "32")
    assert _has(a["reviews"].stochastic, "single review")


PRACTICE = {
    "iteration": ["forward pass", "loss", "backward pass", "update", "next chunk"],
    "epoch": ["complete pass", "⌈N/B⌉"],
    "shuffle": ["each epoch", "without replacement"],
    "typical_sizes": ["16", "512", "powers of two"],
    "learning_rate": ["larger learning rate", "linear scaling rule"],
    "optimizers": ["Adam", "RMSProp", "schedule", "large batches"],
    "gpu_memory": ["million", "memory"],
    "full_batch_small_data": ["small", "memory", "stream"],
    "noise_regularises": ["regulariser", "local minima", "saddle"],
    "monitoring": ["after every batch"],
    "applications": ["image recognition", "language models", "recommendation",
                     "streaming"],
}


def test_practice_extras(lesson):
    items = {p.key: p for p in lesson.practice}
    assert set(PRACTICE) <= set(items)
    for key, words in PRACTICE.items():
        p = items[key]
        assert _has(" ".join((p.title, p.text) + p.steps), *words), key


def test_method_intuitions_and_rhythm(lesson):
    assert [m.key for m in lesson.methods] == ["full_batch", "mini_batch", "stochastic"]
    colors = {m.key: m.color.upper() for m in lesson.methods}
    assert colors == {"full_batch": "#0072B2", "mini_batch": "#009E73",
                      "stochastic": "#E69F00"}
    formulas = {m.key: m.formula for m in lesson.methods}
    assert formulas == {"full_batch": "full_gradient", "mini_batch": "minibatch_gradient",
                        "stochastic": "stochastic_gradient"}
    m = {x.key: x for x in lesson.methods}
    assert _has(m["full_batch"].how_often, "once per epoch")
    assert _has(m["mini_batch"].how_often, "⌈N/B⌉")
    assert _has(m["stochastic"].how_often, "every single example")
    assert _has(m["full_batch"].rhythm, "whole dataset")
    assert _has(m["mini_batch"].rhythm, "chunk")
    assert _has(m["stochastic"].rhythm, "one example")
    for x in lesson.methods:
        assert x.looks_at and x.path and x.live


# --- broken files ----------------------------------------------------------------------------

@pytest.fixture
def copy_dir(tmp_path):
    dst = tmp_path / "lesson"
    shutil.copytree(resources_dir() / "lesson", dst)
    return dst


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("file, old, new, must_name", [
    ("formulas.toml", 'name = "Loss over the whole dataset"\n', "", ["formula[0].name", "missing"]),
    ("lesson.toml", 'n = 1000', 'n = "many"', ["quick_example.n", "positive integer"]),
    ("lesson.toml", 'title = "Little memory"', 'title = 3', ["proscons[0].pros[1].title"]),
    ("methods.toml", 'formula = "full_gradient"', 'formula = "nope"',
     ["full_batch.formula", "nope"]),
    ("formulas.toml", "${N}}", "${M}}", ["formula[0].live", "M"]),
    ("lesson.toml", '[summary]', '[summary', ["not valid TOML"]),
    ("lesson.toml", 'values = ["all N examples\' activations", "B examples\' activations", "one example\'s activations"]',
     'values = ["high"]',
     ["comparison.rows[2].values", "3 entries"]),
])
def test_broken_file_names_file_and_field(copy_dir, file, old, new, must_name):
    _edit(copy_dir / file, old, new)
    with pytest.raises(LessonContentError) as err:
        load_lesson(copy_dir)
    message = str(err.value)
    assert file in message
    for part in must_name:
        assert part in message


def test_missing_file(copy_dir):
    (copy_dir / "methods.toml").unlink()
    with pytest.raises(LessonContentError, match="methods.toml.*not found"):
        load_lesson(copy_dir)


def test_env_var_moves_resources(tmp_path, monkeypatch):
    monkeypatch.setenv("GDVIZ_RESOURCES", str(tmp_path))
    assert resources_dir() == tmp_path.resolve()
    with pytest.raises(LessonContentError, match="not found"):
        load_lesson()
    monkeypatch.delenv("GDVIZ_RESOURCES")
    assert (resources_dir() / "lesson" / "formulas.toml").is_file()
    assert default_lesson().quick_example.n == 1000


# --- live values -----------------------------------------------------------------------------

def test_predicted_noise_values():
    assert predicted_noise(2.0, 1000, 1) == pytest.approx(2.0)
    assert predicted_noise(1.0, 1000, 32) == pytest.approx(968 / (32 * 999))
    assert predicted_noise(3.0, 100, 100) == 0.0
    assert predicted_noise(3.0, 100, 500) == 0.0       # guard B >= N
    assert relative_noise(1000, 1) == pytest.approx(1.0)
    assert relative_noise(1000, 1000) == 0.0


def test_predicted_noise_matches_sampling_without_replacement():
    rng = np.random.default_rng(0)
    n, b = 60, 12
    grads = rng.normal(size=(n, 2)) * [1.0, 3.0]
    mean = grads.mean(axis=0)
    trace = ((grads - mean) ** 2).sum(axis=1).sum() / n   # population tr Σ
    draws = np.array([grads[rng.choice(n, b, replace=False)].mean(axis=0)
                      for _ in range(20000)])
    measured = ((draws - mean) ** 2).sum(axis=1).mean()
    assert measured == pytest.approx(predicted_noise(trace, n, b), rel=0.05)


def test_method_and_updates_helpers():
    assert updates_per_epoch(1000, 1) == 1000
    assert updates_per_epoch(1000, 32) == 32
    assert updates_per_epoch(1000, 1000) == 1
    assert [method_for_batch(1000, b) for b in (1, 2, 999, 1000)] == [
        "stochastic", "mini_batch", "mini_batch", "full_batch"]


def test_live_latex_fills_every_placeholder(lesson):
    v = LiveValues(1000, 32, 32, 0.05, "mini_batch", (0.25, -1.5), (0.2, -1.25), None,
                   predicted_noise(0.8, 1000, 32), 0.8)
    for item in lesson.formulas + lesson.methods:
        for line in live_latex(item, v):
            assert "$" not in line, (item.key, line)
    upe = live_latex(lesson.formula("updates_per_epoch"), v)[0]
    assert r"\frac{1000}{32}" in upe and upe.endswith("= 32")
    update = live_latex(lesson.formula("update"), v)
    assert "0.05" in update[0] and "{-1.5}" in update[0]
    assert r"\text{not yet}" in live_latex(lesson.formula("gradient_noise"), v)[1]


def test_tex_number():
    assert tex_number(0.05) == "0.05"
    assert tex_number(-1.23456) == "-1.23"
    assert tex_number(0) == "0"
    assert tex_number(1.5e-6) == r"1.50\times 10^{-6}"
    assert tex_number(None) == r"\text{–}"


def test_live_latex_shows_floor_when_last_batch_is_dropped(lesson):
    v = LiveValues(1000, 32, 31, 0.05, "mini_batch", (0.0, 0.0), (0.0, 0.0), drop_last=True)
    line = live_latex(lesson.formula("updates_per_epoch"), v)[0]
    assert r"\lfloor" in line and r"\lceil" not in line and line.endswith("= 31")


def test_unknown_noise_reads_not_yet(lesson):
    v = LiveValues(1000, 32, 32, 0.05, "mini_batch", (0.0, 0.0), (0.0, 0.0))
    predicted, measured, scale = live_latex(lesson.formula("gradient_noise"), v)
    assert predicted == r"\text{predicted: }\text{not yet}"
    assert measured == r"\text{measured: }\text{not yet}"
    assert scale == r"\text{noise scale: }\text{not yet}"
