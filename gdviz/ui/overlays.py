"""Live layers on the canvas beyond the three runs: the gradient cloud and the seed ensemble.

The worker computes what is drawn (``gdviz.core.gradient_cloud``, at most 10 times a second;
``gdviz.core.ensemble``, at most 30); these classes only place items on the canvas's plot.
Toggled from the View menu (rows ``gradient_cloud`` and ``seed_ensemble`` of the action table).
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject

from gdviz.core.ensemble import DEFAULT_COPIES as ENSEMBLE_COPIES
from gdviz.core.gradient_cloud import ellipse_points

Z = 35                      # above the trails and markers, under the step arrows
NICE = (1.0, 2.0, 5.0)
TARGET_SPAN = 0.22          # the per-example spread drawn at about this part of the view
KEEP_SPAN = (0.07, 0.6)     # the magnification stays while the spread stays within these


def nice_factor(raw: float) -> float:
    """The 1, 2 or 5 × 10^k nearest ``raw`` (in log terms)."""
    if not (math.isfinite(raw) and raw > 0):
        return 1.0
    k = math.floor(math.log10(raw))
    options = [m * 10.0**e for e in (k - 1, k, k + 1) for m in NICE]
    return min(options, key=lambda v: abs(math.log(v / raw)))


class GradientCloudLayer:
    """The cloud at the selected run's θ, drawn as the SGD steps each example would propose:
    point i at θ − m·η·∇ℓ_i, so the mean of the highlighted batch is θ − m·η·g_B and the
    cloud's centre θ − m·η·∇J; the ellipse is the 1-σ ellipse of Cov(m·η·g_B). m, a power of
    ten times 1, 2 or 5 chosen from the per-example spread (not from B, so the ellipse visibly
    shrinks as B grows), is written in the note."""

    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        self.points = pg.ScatterPlotItem(pxMode=True, size=5, pen=None,
                                         brush=pg.mkBrush(90, 90, 90, 110))
        self.members = pg.ScatterPlotItem(pxMode=True, size=7, pen=pg.mkPen("#000000", width=0.6))
        self.ellipse = pg.PlotDataItem(antialias=True)
        self.full = pg.ScatterPlotItem(pxMode=True, symbol="+", size=18)
        self.mean = pg.ScatterPlotItem(pxMode=True, symbol="d", size=15)
        self.items = (self.points, self.members, self.ellipse, self.full, self.mean)
        for i, item in enumerate(self.items):
            item.setZValue(Z + i * 0.1)
            plot.addItem(item)
            item.hide()
        self.factor = None
        self.note = ""

    def hide(self) -> None:
        for item in self.items:
            item.hide()
        self.note = ""

    def show(self, cloud, theme) -> None:
        if cloud is None:
            self.hide()
            return
        color = theme.color(cloud.method)
        spread = math.sqrt(max(float(np.trace(cloud.sigma)), 0.0)) * abs(cloud.lr)
        (x0, x1), (y0, y1) = self.plot.getViewBox().viewRange()
        span = min(x1 - x0, y1 - y0)
        m = self.factor
        if m is None or not KEEP_SPAN[0] <= m * spread / span <= KEEP_SPAN[1]:
            m = self.factor = nice_factor(TARGET_SPAN * span / spread) if spread > 0 else 1.0
        s = m * cloud.lr
        theta = cloud.theta
        pts = theta - s * cloud.shown
        self.points.setData(pts[:, 0], pts[:, 1], brush=pg.mkBrush(theme.foreground + "66"))
        mem = theta - s * cloud.batch_shown
        self.members.setData(mem[:, 0], mem[:, 1], brush=pg.mkBrush(color))
        centre = theta - s * cloud.full
        ring = ellipse_points(centre, cloud.covariance, scale=s)
        px = _pen_ratio(self.plot)
        self.ellipse.setData(ring[:, 0], ring[:, 1], pen=pg.mkPen(color, width=2.5 * px))
        self.full.setData([centre[0]], [centre[1]], pen=pg.mkPen(theme.foreground, width=3 * px),
                          brush=pg.mkBrush(theme.foreground))
        if cloud.batch_mean is not None:
            g = theta - s * cloud.batch_mean
            self.mean.setData([g[0]], [g[1]], brush=pg.mkBrush(color),
                              pen=pg.mkPen(theme.foreground, width=1.5 * px))
        else:
            self.mean.setData([], [])
        for item in self.items:
            item.show()
        shown = (f"{len(cloud.shown)} of {cloud.n} examples" if cloud.subsampled
                 else f"all {cloud.n} examples")
        cov = float(np.trace(cloud.covariance))
        k = "" if m == 1 else f"{m:g}·"
        from gdviz.core import METHOD_LABELS
        self.note = (f"Gradient cloud at the {METHOD_LABELS[cloud.method].lower()} θ ({shown}): "
                     f"dot i at θ − {k}η∇ℓᵢ{' (steps ×' + f'{m:g})' if m != 1 else ''}; "
                     f"filled: the next batch (B = {cloud.batch_size}), ◆ θ − {k}η g_B, "
                     f"✚ θ − {k}η∇J; ellipse: 1σ of g_B, "
                     f"tr Cov(g_B) = tr Σ·(N−B)/(B(N−1)) = {cov:.3g}")


def _pen_ratio(plot) -> float:
    """Pens are cosmetic (device pixels): times the device pixel ratio, a ring or an ellipse
    keeps its logical width at 200 % (as the canvas's trails do, ``ContourCanvas.px``)."""
    view = plot.getViewWidget() if plot.scene() is not None else None
    return max(1.0, float(view.devicePixelRatioF())) if view is not None else 1.0


def sig3(value: float) -> str:
    """Three significant digits, trailing zeros kept (0.230, not 0.23)."""
    return f"{value:#.3g}".rstrip(".")


def theory_note(ensemble) -> str:
    """The stationary spread SGD theory predicts for these settings, beside the measured one
    (``gdviz.core.ensemble.spread_theory``); empty where it is not computed."""
    t = ensemble.theory
    if t is None:
        return ""
    if not (math.isfinite(t.reshuffled) and math.isfinite(t.independent)):
        return "; theory: η is past the stability limit at the minimum, no stationary spread"
    return (f"; theory once settled: {sig3(t.reshuffled)} with each epoch reshuffled (as here), "
            f"{sig3(t.independent)} if every batch were drawn afresh. Reshuffling uses each "
            "example once an epoch, so an epoch's batch noises partly cancel")


class EnsembleLayer:
    """The K seed copies of the mini-batch run as a moving cloud of dots, and their spread."""

    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        self.dots = pg.ScatterPlotItem(pxMode=True, size=10)
        self.dots.setZValue(Z + 1)
        plot.addItem(self.dots)
        self.dots.hide()
        self.note = ""

    def hide(self) -> None:
        self.dots.hide()
        self.note = ""

    def show(self, ensemble, theme, scenario) -> None:
        if ensemble is None:
            self.hide()
            return
        color = theme.color("mini_batch")
        ok = np.all(np.isfinite(ensemble.thetas), axis=1)
        pts = ensemble.thetas[ok]
        # light rings edged in the mini-batch green: they stand out on its own green trail
        self.dots.setData(pts[:, 0], pts[:, 1], brush=pg.mkBrush(theme.background + "E0"),
                          pen=pg.mkPen(color, width=2.2 * _pen_ratio(self.plot)))
        self.dots.show()
        seed = scenario.seed
        lines = [f"Seed ensemble: {ensemble.copies} mini-batch runs, seeds {seed}…"
                 f"{seed + ensemble.copies - 1} (same data, own shuffles); spread (RMS about "
                 f"their mean) = {ensemble.spread:.3g} at η/B = {ensemble.lr:.3g}/"
                 f"{ensemble.batch_size} = {ensemble.lr_over_b:.3g}"]
        lines[0] += theory_note(ensemble)
        if ensemble.diverged:
            lines.append(f"{ensemble.diverged} of them diverged")
        if ensemble.behind:
            lines.append(f"catching up: {ensemble.behind} updates behind the run")
        self.note = "; ".join(lines)


class CanvasOverlays(QObject):
    """The window's live layers: toggles, the worker's data in, items on the canvas out."""

    def __init__(self, parent, canvas, view, *, ask_cloud, ask_ensemble, notice, lab_cloud):
        """*canvas*: the contour canvas drawn on; *view*: the window's ViewState (theme and
        scenario; a new theme redraws); *ask_cloud(bool)*, *ask_ensemble(int)*: the worker's
        commands; *notice(str)*: a line in the status bar; *lab_cloud(cloud)*: the lab's inset."""
        super().__init__(parent)
        self.canvas = canvas
        self.view = view
        self._ask_cloud, self._ask_ensemble = ask_cloud, ask_ensemble
        self._notice, self._lab_cloud = notice, lab_cloud
        view.theme_changed.connect(lambda _theme: self.redraw())
        plot = canvas.getPlotItem()
        self.cloud_layer = GradientCloudLayer(plot)
        self.ensemble_layer = EnsembleLayer(plot)
        self.ensemble_shown = False
        self.ensemble = None
        self.note = pg.TextItem("", anchor=(1, 0), color=view.theme.foreground)
        self.note.setParentItem(plot.getViewBox())
        self.note.setZValue(60)
        self.note.hide()
        plot.getViewBox().sigResized.connect(self._place_note)
        self.cloud_shown = False
        self.lab_wants_cloud = False
        self.cloud = None

    # toggles -------------------------------------------------------------------------------
    def set_cloud_shown(self, on: bool) -> None:
        """View ▸ Gradient cloud."""
        self.cloud_shown = bool(on)
        if not on:
            self.cloud_layer.hide()
        self._ask_worker()
        self._update_note()
        if on and self.view.scenario.is_mlp:
            self._notice("The gradient cloud needs the per-example gradients of an "
                                    "analytic landscape: not drawn for the real network.")

    def set_ensemble_shown(self, on: bool) -> None:
        """View ▸ Seed ensemble."""
        self.ensemble_shown = bool(on)
        if not on:
            self.ensemble_layer.hide()
            self.ensemble = None
        self._ask_ensemble(ENSEMBLE_COPIES if on else 0)
        self._update_note()
        if on and self.view.scenario.is_mlp:
            self._notice("The seed ensemble runs on the analytic landscapes: not "
                                    "drawn for the real network.")

    def on_ensemble(self, ensemble) -> None:
        if not self.ensemble_shown:
            return
        self.ensemble = ensemble
        self.ensemble_layer.show(ensemble, self.view.theme, self.view.scenario)
        self._update_note()

    def set_lab_wants_cloud(self, on: bool) -> None:
        self.lab_wants_cloud = bool(on)
        self._ask_worker()

    def _ask_worker(self) -> None:
        self._ask_cloud(self.cloud_shown or self.lab_wants_cloud)

    # data from the worker (GUI thread: draw only) ---------------------------------------------
    def on_cloud(self, cloud) -> None:
        self.cloud = cloud
        if self.cloud_shown:
            self.cloud_layer.show(cloud, self.view.theme)
            self._update_note()
        self._lab_cloud(cloud)

    def redraw(self) -> None:
        """Draw the last cloud and ensemble again (a new theme)."""
        if self.cloud_shown:
            self.cloud_layer.show(self.cloud, self.view.theme)
        if self.ensemble_shown and self.ensemble is not None:
            self.ensemble_layer.show(self.ensemble, self.view.theme, self.view.scenario)
        self._update_note()

    def _update_note(self) -> None:
        lines = [self.cloud_layer.note] if self.cloud_shown and self.cloud_layer.note else []
        if self.ensemble_shown and self.ensemble_layer.note:
            lines.append(self.ensemble_layer.note)
        text = "\n".join(lines)
        self.note.setText(text)
        self.note.setColor(self.view.theme.foreground)
        self.note.fill = pg.mkBrush(self.view.theme.background + "D8")
        self.note.setVisible(bool(text))
        self._place_note()

    def _place_note(self, *_args) -> None:
        box = self.canvas.getPlotItem().getViewBox().boundingRect()
        self.note.setPos(box.width() - 6, 4)
        self.note.setTextWidth(min(520.0, max(200.0, box.width() * 0.55)))
