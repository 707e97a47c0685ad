"""The lab window's Export menu: the runs as CSV or JSON (``gdviz sweep``'s own serialisers) and
the plots as PNG or SVG, each file written whole or not at all.

Handed to the lab window (export sits above ui), as File ▸ Export is to the main window.
"""
from __future__ import annotations

from pathlib import Path

from gdviz.core.lab_report import result_json_text, runs_csv
from gdviz.export.atomic import AtomicFile, ExportError


def export_lab(lab, kind: str, path: str, index: int | None = None) -> str | None:
    """Write one export of the lab window *lab*; None when written, else why not (one line).

    *kind*: ``csv``, ``json`` (the runs), ``figure-png``/``figure-svg`` (all six plots),
    ``plot-png``/``plot-svg`` (plot number *index*)."""
    try:
        _export(lab, kind, str(path), index)
    except (ExportError, OSError, ValueError) as exc:
        return str(exc)
    return None


def _export(lab, kind: str, path: str, index: int | None) -> None:
    suffix = kind.rsplit("-", 1)[-1]
    if Path(path).suffix.lower() != "." + suffix:
        raise ExportError(f"{path}: the file name must end in .{suffix}")
    result = lab.result
    if result is None:
        raise ExportError("nothing to export yet: the sweep has not produced results")
    if kind in ("csv", "json"):
        if not result.complete:
            raise ExportError("the sweep is not complete (running or cancelled): Run again, "
                              "then export its runs")
        # the scenario as gdviz sweep prints it: the lab's budget as its epochs
        scenario = lab.scenario.with_changes(epochs=result.max_epochs)
        text = runs_csv(result) if kind == "csv" else result_json_text(scenario, result)
        with AtomicFile(path) as part:
            part.path.write_text(text, encoding="utf-8")
            part.commit()
    elif kind.startswith("figure-"):
        from gdviz.export.lab_figure import export_figure
        s = lab.scenario
        export_figure(result, path, f"gdviz lab {s.name}: {s.landscape}, N = {s.n_examples}, "
                                    f"{result.optimizer}")
    elif kind.startswith("plot-"):
        from gdviz.export.lab_figure import write_widget
        plot = lab.plots[index]
        write_widget(plot.widget, path, [plot.widget], lab.plot_title(index))
    else:
        raise ValueError(f"unknown export {kind!r}")
