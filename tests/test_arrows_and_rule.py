"""What the canvas arrows and the lesson's update formula show: the step taken from where it
began, the same rule fed the full gradient, and the rule in force with that step's numbers."""
import numpy as np
import pytest

from gdviz.core.landscapes import make_landscape
from gdviz.core.optimizers import RuleState
from gdviz.core.simulation import Hyper, Simulation
from gdviz.lesson import LiveValues, default_lesson, live_latex
from gdviz.ui.contours import landscape_view
from gdviz.ui.panels import LessonDock

STARTS = {"full_batch": (-3.0, 2.0), "mini_batch": (2.0, -2.5), "stochastic": (3.0, 1.5)}


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_arrows_start_where_the_step_began_and_show_the_real_step(canvas, optimizer):
    landscape = make_landscape("ravine", 200, seed=1)
    sim = Simulation(landscape, 8, STARTS, Hyper(lr=0.02, optimizer=optimizer), seed=2,
                     clock_kind="updates")
    canvas.set_landscape(landscape_view(landscape, resolution=60))
    sim.advance_to(25)
    snap = sim.snapshot()
    canvas.show_snapshot(snap)
    arrow = canvas.arrows["mini_batch"]
    m = snap.method("mini_batch")
    base, tip = np.array(arrow.base), np.array(arrow.taken)
    np.testing.assert_array_equal(base, m.theta_before)
    taken = m.theta - m.theta_before
    scale = np.linalg.norm(tip - base) / np.linalg.norm(taken)
    np.testing.assert_allclose(tip - base, scale * taken, rtol=1e-9)
    # not -eta * g: the rule's own step differs in direction
    g_dir = -m.grad_estimate / np.linalg.norm(m.grad_estimate)
    assert abs(np.dot(g_dir, taken / np.linalg.norm(taken))) < 0.999
    # the dashed arrows start at the same points and show the same rule fed grad_full
    assert list(canvas.arrows) == ["full_batch", "mini_batch", "stochastic"]
    for key, a in canvas.arrows.items():
        mk = snap.method(key)
        np.testing.assert_array_equal(a.base, mk.theta_before)
        np.testing.assert_allclose(np.subtract(a.instead, a.base), scale * mk.true_step,
                                   rtol=1e-9, atol=1e-12)
    # full batch: the two arrows are one
    full = canvas.arrows["full_batch"]
    assert full.taken == full.instead
    note = canvas.arrow_note.textItem.toPlainText()
    assert "where the last step began" in note and f"{scale:.3g}" in note
    assert ("momentum" if optimizer == "momentum" else "Adam") in note


def rule(name, m, v, t=3):
    return RuleState(name, t, 0.9, (0.9, 0.999), 0.99, 1e-8,
                     None if m is None else np.array(m), None if v is None else np.array(v))


def values(rule_state, step=(-0.02, 0.01), lr=0.05):
    return LiveValues(100, 10, 10, lr, "mini_batch", (0.4, -0.2), (0.3, -0.1), step=step,
                      rule=rule_state)


def test_update_formula_is_the_rule_in_force_with_its_numbers():
    lesson = default_lesson()
    upd = lesson.formula("update")
    lines = live_latex(upd, values(None))           # plain SGD (no rule): -eta * g
    assert "0.05" in lines[0] and "{0.4}" in lines[0]
    adam = lesson.update_formula("adam")
    lines = live_latex(adam, values(rule("adam", (0.1, -0.2), (0.004, 0.001))))
    text = " ".join(lines)
    assert "$" not in text and r"\hat{m}_{t}" in text
    # bias corrections computed from m, v and t = 3
    assert "{0.369}" in lines[2] and "{-0.738}" in lines[2]      # 0.1 / (1 - 0.9^3) = 0.369
    assert "{1.33}" in lines[3]                                  # 0.004 / (1 - 0.999^3)
    assert "{-0.02}" in lines[-1] and "{0.01}" in lines[-1]      # the step really taken
    mlp = live_latex(adam, values(rule("adam", (0.1, -0.2), None)))
    assert r"\text{one per weight}" in mlp[1]
    mom = live_latex(lesson.update_formula("momentum"), values(rule("momentum", (1.5, 2.5), None)))
    assert "0.9" in mom[0] and "{1.5}" in mom[0] and "{-0.02}" in mom[1]


def test_method_formula_expands_the_rule_in_force():
    lesson = default_lesson()
    lines = live_latex(lesson.method("mini_batch"), values(rule("nesterov", (1.0, 1.0), None)))
    assert any(r"(g_{t} + 0.9\, m_{t})" in line for line in lines)
    assert not any(r"\cdot g_{\mathcal{B}}" in line for line in lines)


def test_panels_show_the_rule_and_its_lines(qtbot):
    dock = LessonDock()
    qtbot.addWidget(dock)
    dock.resize(420, 760)
    dock.show()
    dock.update_live(values(rule("adam", (0.1, -0.2), (0.004, 0.001))))
    card = dock.formulas.cards["update"]
    assert "Adam" in card.title.text() and r"\hat{m}_{t}" in card.display.latex()
    assert len(dock.formulas.live_latex("update")) == 5
    dock.tabs.setCurrentWidget(dock.selected)
    assert any(r"\hat{v}_{t}" in line for line in dock.selected.live_latex())
    dock.tabs.setCurrentWidget(dock.formulas)
    dock.update_live(values(None))         # a new rule shows at once, not throttled
    assert card.title.text().count("One gradient-descent step") == 1
    assert len(dock.formulas.live_latex("update")) == 2


def test_window_shows_the_eta_of_the_step_shown(qtbot):
    from gdviz.scenario import load
    from gdviz.ui.main_window import MainWindow

    scenario = load("default").with_changes(schedule="step", clock="updates", epochs=3)
    w = MainWindow(scenario)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.snapshot is not None, timeout=10_000)
    w.select_method("full_batch")
    w.cmd_step.emit()
    qtbot.waitUntil(lambda: w.snapshot.method("full_batch").updates == 1, timeout=5_000)
    m = w.snapshot.method("full_batch")
    assert m.lr == pytest.approx(scenario.lr / 2)      # the next step's eta has halved
    live = w.live_values()
    assert live.lr == scenario.lr                      # the step shown used the full eta
    np.testing.assert_allclose(live.step, m.theta - m.theta_before)
    # full batch: the method panel's g_full (its estimate) and the Formulas panel's g_full
    # (the full gradient) are one number, at one point
    lesson = default_lesson()
    mine = live_latex(lesson.method("full_batch"), live)[0].split("=")[-1]
    card = live_latex(lesson.formula("full_gradient"), live)[0].split("=")[-1]
    assert mine == card
    w.close()


def test_every_rule_formula_typesets(qapp):
    import ziamath

    from gdviz.ui.formula import render_image

    lesson = default_lesson()
    for r in lesson.rules:
        state = rule(r.key, (0.1, -0.2), (0.004, 0.001))
        for tex in (r.latex, *live_latex(r, values(state))):
            ziamath.Latex(tex).svg()                 # raises on LaTeX ziamath cannot parse
            image = render_image(tex, 32)
            assert image.width() > 40, tex


def test_the_arrow_scale_is_a_round_number_that_keeps_the_longest_arrow_in_view():
    from gdviz.ui.canvas import round_scale
    assert [round_scale(x) for x in (1.0, 1.99, 2.0, 4.99, 5.0, 9.99, 0.037, 2770.0)] == \
        pytest.approx([1, 1, 2, 2, 5, 5, 0.02, 2000])
    for x in np.geomspace(1e-6, 1e6, 97):
        assert 0.4 * x <= round_scale(x) <= x
