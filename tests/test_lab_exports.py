"""The lab window's exports (runs as CSV/JSON exactly as `gdviz sweep` writes them, each plot as
PNG/SVG, whole or not at all, errors said in the window) and its offer to rerun."""
import pytest

from gdviz import scenario as sc
from gdviz.core.lab import LabSettings
from gdviz.ui.lab.window import LabWindow

WAIT_MS = 30_000
ARGS = ["--seeds", "2", "--max-epochs", "20", "--batch-sizes", "1,8,64,200",
        "--lrs", "0.005,0.02,0.05,0.1"]
SETTINGS = LabSettings(batch_sizes=(1, 8, 64, 200), lrs=(0.005, 0.02, 0.05, 0.1), seeds=2,
                       max_epochs=20)


@pytest.fixture
def lab(qtbot):
    from gdviz.export.lab_export import export_lab
    window = LabWindow(exporter=export_lab)
    window.show()
    yield window
    window.shutdown()
    window.close()


def test_runs_export_as_the_cli_prints_them(qtbot, lab, tmp_path, capsys):
    from gdviz.cli import main
    assert lab.export_button.isEnabled()
    assert not lab.export("json", str(tmp_path / "early.json"))
    assert "nothing to export yet" in lab.message.text()
    lab.start(sc.load("ravine"), SETTINGS)
    qtbot.waitUntil(lambda: not lab.running, timeout=WAIT_MS)
    assert lab.export("json", str(tmp_path / "runs.json"))
    assert lab.export("csv", str(tmp_path / "runs.csv"))
    assert "Saved" in lab.message.text()
    assert main(["sweep", "ravine", *ARGS, "--json"]) == 0
    assert (tmp_path / "runs.json").read_text() == capsys.readouterr().out
    assert main(["sweep", "ravine", *ARGS, "--out", str(tmp_path / "cli.csv")]) == 0
    assert (tmp_path / "runs.csv").read_text() == (tmp_path / "cli.csv").read_text()

    from PySide6.QtGui import QImage
    for i, suffix in ((0, "png"), (4, "svg")):
        out = tmp_path / f"plot{i}.{suffix}"
        assert lab.export(f"plot-{suffix}", str(out), i), lab.message.text()
        if suffix == "png":
            image = QImage(str(out))
            assert (image.width(), image.height()) == (lab.plots[i].widget.width(),
                                                       lab.plots[i].widget.height())
        else:
            text = out.read_text()
            assert "<svg" in text and "learning rate" in text.lower()
    assert lab.export("figure-png", str(tmp_path / "all.png"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "all.png", "cli.csv", "plot0.png", "plot4.svg", "runs.csv", "runs.json"]  # no parts

    # bad targets: said in the window, nothing written, the old file kept whole
    assert not lab.export("json", str(tmp_path / "missing" / "runs.json"))
    assert "Export failed" in lab.message.text() and "does not exist" in lab.message.text()
    assert not lab.export("csv", str(tmp_path / "runs.json"))
    assert "must end in .csv" in lab.message.text()
    assert not lab.export("plot-png", str(tmp_path), 0)
    assert "Export failed" in lab.message.text()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "all.png", "cli.csv", "plot0.png", "plot4.svg", "runs.csv", "runs.json"]


def test_an_unfinished_sweep_exports_no_runs(qtbot, lab, tmp_path):
    big = sc.load("ravine").with_changes(n_examples=1000, epochs=200.0)
    with qtbot.waitSignal(lab.runner.progress, timeout=WAIT_MS):
        lab.start(big)
    lab.cancel()
    qtbot.waitUntil(lambda: not lab.running, timeout=WAIT_MS)
    assert not lab.export("csv", str(tmp_path / "runs.csv"))
    assert "not complete" in lab.message.text()
    assert list(tmp_path.iterdir()) == []
    assert lab.export("plot-png", str(tmp_path / "steps.png"), 0)   # the plots so far: fine


class _Main:
    """What the lab asks of the main window (its public surface): the view state, a change of
    settings through an Experiment, and a notice."""

    def __init__(self, scenario):
        from gdviz.experiment import Experiment
        from gdviz.ui.view_state import ViewState
        self.experiment = Experiment(scenario)
        self.view = ViewState(scenario, None, None)
        self.notices = []

    @property
    def scenario(self):
        return self.view.scenario

    @scenario.setter
    def scenario(self, scenario):       # the user changed it in the main window
        self.experiment.load(scenario)
        self.view.scenario = scenario

    def apply_changes(self, changes, restart=False):
        self.view.scenario = self.experiment.apply(changes, restart=restart)
        return True

    def show_notice(self, message):
        self.notices.append(message)

    def set_lab_wants_cloud(self, on):
        pass


def test_a_changed_scenario_offers_a_rerun_in_a_bar(qtbot):
    """The lab follows the main window's scenario as it changes (``ViewState.scenario_changed``,
    no polling: each offer below is seen at once, with no turn of the event loop)."""
    base = sc.load("ravine").with_changes(n_examples=200, epochs=10.0)
    main = _Main(base)
    lab = LabWindow(main)
    from PySide6.QtCore import QTimer
    assert not any(t.isActive() for t in lab.findChildren(QTimer))     # nothing polls
    try:
        assert not lab.export_button.isEnabled()          # no exporter handed in
        assert not lab.export("csv", "x.csv") and "not available" in lab.message.text()
        lab.show()
        lab.start(base, SETTINGS)
        qtbot.waitUntil(lambda: not lab.running, timeout=WAIT_MS)
        main.scenario = base.with_changes(batch_size=8, lr=0.02, speed=3.0)   # swept anyway
        assert not lab.rerun_bar.isVisible()
        assert lab.result is not None, lab.header.text()
        lab.load_run(8, 0.05, base.seed + 1)        # a run loaded from the lab itself
        assert main.scenario.seed == base.seed + 1
        assert not lab.rerun_bar.isVisible()
        main.scenario = base.with_changes(noise=2.0)
        assert lab.rerun_bar.isVisible() and "changed" in lab.rerun_label.text()
        main.scenario = base                         # back to the one swept: the offer goes
        assert not lab.rerun_bar.isVisible()
        main.scenario = base.with_changes(noise=2.0)
        assert lab.rerun_bar.isVisible()
        lab.dismiss_rerun()                          # kept: not offered again for this one
        assert not lab.rerun_bar.isVisible()
        main.scenario = base.with_changes(noise=3.0)
        assert lab.rerun_bar.isVisible()
        lab.rerun_now.click()
        assert lab.running and lab.scenario.noise == 3.0 and not lab.rerun_bar.isVisible()
        assert lab.settings == SETTINGS
        qtbot.waitUntil(lambda: not lab.running, timeout=WAIT_MS)
    finally:
        lab.shutdown()
        lab.close()
