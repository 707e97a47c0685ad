"""The main window, offscreen: trails, controls, the worker thread and clean shutdown."""
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from gdviz.scenario import load
from gdviz.ui.main_window import MainWindow
from gdviz.ui.trail_layer import CHUNK
from gdviz.ui.worker import MIN_SNAPSHOT_INTERVAL_S


@pytest.fixture
def window(qtbot, make_window):
    w = make_window("default", size=(1280, 800))
    qtbot.waitUntil(lambda: w.landscape_view is not None, timeout=10_000)
    return w


def updates(w, key="stochastic"):
    return w.snapshot.method(key).updates


def test_playing_fills_the_three_trails(window, qtbot):
    window.cmd_speed.emit(400.0)
    window.cmd_play.emit()
    qtbot.waitUntil(lambda: updates(window) >= 30, timeout=10_000)
    for key, layer in window.canvas.trail_layers.items():
        shown = len(layer.tail) + CHUNK * len(layer.chunks)     # live tail and frozen chunks
        assert shown > 1, key
    assert window.canvas.contours.getData()[0].size > 100


def test_pause_step_reset(window, qtbot):
    window.cmd_speed.emit(200.0)
    window.controls.play_button.click()
    qtbot.waitUntil(lambda: window.state.playing and updates(window) > 5, timeout=10_000)
    window.controls.play_button.click()
    qtbot.waitUntil(lambda: not window.state.playing, timeout=5_000)
    qtbot.wait(200)  # the last state before the pause may still be on its way
    paused_at = updates(window)
    qtbot.wait(400)
    assert updates(window) == paused_at
    before = {m.key: m.updates for m in window.snapshot.methods}
    window.controls.step_button.click()   # per-update clock: every running method steps once
    qtbot.waitUntil(lambda: updates(window, "mini_batch") == before["mini_batch"] + 1, timeout=5_000)
    assert updates(window) == before["stochastic"] + 1
    generation = window.snapshot.generation
    window.controls.reset_button.click()
    qtbot.waitUntil(lambda: window.snapshot.generation > generation, timeout=5_000)
    assert all(m.updates == 0 for m in window.snapshot.methods)


def test_batch_size_in_the_ui_reaches_engine_and_screen(window, qtbot):
    window.controls.batch_spin.setValue(64)
    qtbot.waitUntil(lambda: window.snapshot.method("mini_batch").batch_size == 64, timeout=5_000)
    assert window.snapshot.method("mini_batch").updates_per_epoch == 4   # ceil(256 / 64)
    qtbot.waitUntil(lambda: window.counters.cards["mini_batch"].values["per_epoch"].text() == "4",
                    timeout=5_000)
    assert "= 4 updates per epoch" in window.controls.updates_label.text()
    label = window.canvas.legend.getLabel(window.canvas.trails["mini_batch"]).text
    assert "B = 64" in label
    window.cmd_step.emit()
    qtbot.waitUntil(lambda: updates(window, "mini_batch") == 1, timeout=5_000)
    assert window.snapshot.method("mini_batch").examples_seen == 64


def test_click_on_canvas_moves_the_selected_start(window, qtbot):
    window.select_method("stochastic")
    target = (0.5, -2.0)
    pos = window.canvas.pixel_of(*target)
    qtbot.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: np.allclose(window.snapshot.method("stochastic").start, target, atol=0.1),
                    timeout=5_000)
    # the other methods keep their starts
    assert np.allclose(window.snapshot.method("full_batch").start, (-1.6, 4.6))


def test_worker_emits_at_most_36_snapshots_per_second(qtbot):
    window = MainWindow(load("default").with_changes(epochs=10_000))
    qtbot.addWidget(window)
    window.show()
    window.cmd_speed.emit(20_000.0)
    window.cmd_play.emit()
    worker = window.worker
    qtbot.waitUntil(lambda: worker.snapshots_emitted > 20, timeout=20_000)
    times = np.array(list(worker.emit_times))
    assert MIN_SNAPSHOT_INTERVAL_S == pytest.approx(1 / 36)
    assert np.all(np.diff(times) >= MIN_SNAPSHOT_INTERVAL_S)
    assert updates(window) > 2 * worker.snapshots_emitted  # many steps per snapshot, never one each
    window.close()


def test_diverging_method_gets_a_badge_and_the_others_go_on(window, qtbot):
    window.controls.lr_spin.setValue(0.5)
    window.cmd_speed.emit(2000.0)
    window.cmd_play.emit()
    qtbot.waitUntil(lambda: window.snapshot.method("stochastic").status == "diverged", timeout=10_000)
    assert "diverged" in window.canvas.badges["stochastic"].textItem.toPlainText()
    assert "diverged" in window.counters.cards["stochastic"].badge.text()
    assert "smaller learning rate" in window.alert_label.text() and window.alert_label.isVisible()
    full = updates(window, "full_batch")
    qtbot.waitUntil(lambda: updates(window, "full_batch") > full or
                    window.snapshot.method("full_batch").status == "finished", timeout=10_000)
    assert window.snapshot.method("full_batch").status != "diverged"
    assert np.all(np.isfinite(window.snapshot.method("full_batch").trail))
    generation = window.snapshot.generation
    window.controls.reset_button.click()
    qtbot.waitUntil(lambda: window.snapshot.generation > generation, timeout=5_000)
    assert not window.alert_label.isVisible()


def test_image_is_oriented_like_the_engine(window, qtbot):
    view = window.landscape_view
    landscape_min = view.minima[0]
    j, i = np.unravel_index(np.argmin(view.Z), view.Z.shape)
    centre = window.canvas.image.mapToView(QPointF(i + 0.5, j + 0.5))
    dx, dy = view.xs[1] - view.xs[0], view.ys[1] - view.ys[0]
    assert abs(centre.x() - landscape_min[0]) < 2 * dx
    assert abs(centre.y() - landscape_min[1]) < 2 * dy
    # and on screen: each pixel has the colour the colour map gives the engine's level there,
    # not the level of its mirror image
    image = window.canvas.grab().toImage()
    cmap = window.canvas.image.getColorMap()
    low, high = window.canvas.image.getLevels()

    def expected_lightness(level):
        rgba = cmap.map(np.clip((level - low) / (high - low), 0, 1), mode="float")
        r, g, b = rgba[:3]
        return (max(r, g, b) + min(r, g, b)) / 2
    xs = np.linspace(view.xs[5], view.xs[-6], 15)
    ys = np.linspace(view.ys[5], view.ys[-6], 15)
    light, level, mirrored = [], [], []
    legend = window.canvas.mapFromScene(window.canvas.legend.sceneBoundingRect()).boundingRect()
    for x in xs:
        for y in ys:
            p = window.canvas.pixel_of(x, y)
            if legend.adjusted(-5, -5, 5, 5).contains(p):
                continue
            light.append(image.pixelColor(int(p.x()), int(p.y())).lightness())
            col = np.searchsorted(view.xs, x)
            row = np.searchsorted(view.ys, y)
            level.append(expected_lightness(view.image[row, col]))
            mirrored.append(expected_lightness(view.image[len(view.ys) - 1 - row, col]))
    def rank_correlation(a, b):
        ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
        return np.corrcoef(ra, rb)[0, 1]

    right = rank_correlation(light, level)
    wrong = rank_correlation(light, mirrored)
    assert right > 0.7 and right > wrong + 0.2, (right, wrong)


def test_twenty_open_close_cycles_leave_no_running_thread(qtbot):
    threads = []
    for _ in range(20):
        w = MainWindow(load("default"))
        w.show()
        w.cmd_play.emit()
        thread = w.worker_thread.thread
        threads.append(thread)
        qtbot.waitUntil(thread.isRunning, timeout=5_000)
        w.close()
        assert not thread.isRunning()
    assert not any(t.isRunning() for t in threads)


def test_analytic_mode_never_imports_torch(tmp_path):
    script = (
        "import sys\n"
        "from PySide6.QtCore import QTimer\n"
        "from gdviz.ui.app import make_application\n"
        "from gdviz.ui.main_window import MainWindow\n"
        "from gdviz.scenario import load\n"
        "app = make_application()\n"
        "w = MainWindow(load('default')); w.show(); w.cmd_play.emit()\n"
        "QTimer.singleShot(1500, w.close)\n"
        "app.exec()\n"
        "print('torch' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                         env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_without_torch_the_network_mode_says_how_to_install_and_the_rest_runs(window, qtbot,
                                                                              monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("No module named 'torch'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    window.load_scenario(load("mlp-moons"))
    qtbot.waitUntil(lambda: "pip install" in window.statusBar().currentMessage(), timeout=10_000)
    assert "PyTorch" in window.statusBar().currentMessage()
    monkeypatch.undo()
    qtbot.waitUntil(lambda: window.controls.landscape_combo.currentData() == "regression",
                    timeout=5_000)
    assert window.scenario.name == "default"
    # the analytic run is still there and still answers
    before = updates(window, "mini_batch")
    window.cmd_step.emit()
    qtbot.waitUntil(lambda: updates(window, "mini_batch") > before, timeout=5_000)
    assert window.landscape_view.title == "Linear regression"


def test_clicks_on_a_marker_select_its_method_and_a_drag_moves_a_start(window, qtbot):
    """Issue 16 drew the current markers from one item that takes no clicks: a click on a
    marker (or on the start under it) must still select that method, not move a start."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest
    viewport = window.canvas.viewport()

    def at(xy):
        return window.canvas.pixel_of(*xy)        # (viewport coordinates)

    starts = {m.key: tuple(m.start) for m in window.snapshot.methods}
    window.select_method("mini_batch")
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=at(starts["full_batch"]))
    qtbot.waitUntil(lambda: window.selected == "full_batch", timeout=5_000)
    window.cmd_speed.emit(400.0)
    window.cmd_play.emit()
    qtbot.waitUntil(lambda: updates(window, "stochastic") >= 60, timeout=10_000)
    window.cmd_pause.emit()
    qtbot.waitUntil(lambda: not window.state.playing, timeout=5_000)
    qtbot.wait(100)
    here = window.canvas.moving.markers.markers["stochastic"]
    assert np.hypot(here.x - starts["stochastic"][0], here.y - starts["stochastic"][1]) > 0.3
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=at((here.x, here.y)))
    qtbot.waitUntil(lambda: window.selected == "stochastic", timeout=5_000)
    assert np.allclose(window.snapshot.method("stochastic").start, starts["stochastic"])
    # drag the mini-batch start somewhere else
    target = (0.5, -1.0)
    a, b = at(starts["mini_batch"]), at(target)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for i in range(1, 11):
        QTest.mouseMove(viewport, QPoint(a.x() + (b.x() - a.x()) * i // 10,
                                         a.y() + (b.y() - a.y()) * i // 10))
        qtbot.wait(5)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
    qtbot.waitUntil(lambda: np.allclose(window.snapshot.method("mini_batch").start, target,
                                        atol=0.1), timeout=5_000)
