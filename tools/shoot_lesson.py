"""Save PNGs of every LessonDock tab, to look at the lesson panels without a display.

    QT_QPA_PLATFORM=offscreen python tools/shoot_lesson.py OUT_DIR [--width 440 --height 800]

For each tab it writes ``<tab>_1x.png`` and ``<tab>_2x.png`` (font scale 2). Tabs that scroll
are also shot in full length (``<tab>_1x_full.png``), so every line can be checked.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QScrollArea  # noqa: E402

from gdviz.lesson import LiveValues, predicted_noise  # noqa: E402
from gdviz.ui.panels import LessonDock  # noqa: E402


def example_values(selected: str = "mini_batch", n: int = 1000, b: int = 32) -> LiveValues:
    trace = 0.84
    return LiveValues(
        n_examples=n, batch_size=b, updates_per_epoch=-(-n // b), lr=0.05, selected=selected,
        grad_estimate=(0.4132, -1.2875), grad_full=(0.3921, -1.1804),
        noise_measured=0.02481, noise_predicted=predicted_noise(trace, n, b), trace_sigma=trace,
        noise_stderr=0.00063, noise_draws=4000, grad_norm2=1.5284)


def shoot(out: Path, width: int, height: int) -> list[Path]:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    out.mkdir(parents=True, exist_ok=True)
    dock = LessonDock()
    dock.resize(width, height)
    dock.show()
    saved = []
    for scale in (1, 2):
        dock.set_font_scale(scale)
        for i in range(dock.tabs.count()):
            dock.tabs.setCurrentIndex(i)
            dock.update_live(example_values())
            for _ in range(5):      # layouts settle over a few rounds (height-for-width)
                app.processEvents()
            name = dock.tabs.tabText(i).lower().replace(" ", "_")
            path = out / f"{i + 1}_{name}_{scale}x.png"
            dock.grab().save(str(path))
            saved.append(path)
            # The whole scrolled content, at the same width.
            area = dock.tabs.widget(i).findChild(QScrollArea)
            if area is not None:
                content = area.widget()
                full = out / f"{i + 1}_{name}_{scale}x_full.png"
                content.grab().save(str(full))
                saved.append(full)
    dock.close()
    return saved


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    p.add_argument("out", type=Path)
    p.add_argument("--width", type=int, default=440)
    p.add_argument("--height", type=int, default=800)
    a = p.parse_args(argv)
    for path in shoot(a.out, a.width, a.height):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
