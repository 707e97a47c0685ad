"""Issue 25: hostile scenario content, work without bounds, misread input, one-line refusals."""
from __future__ import annotations

import pytest

from gdviz.cli import main
from gdviz.scenario import MAX_SEED, TEXT_LIMITS, ScenarioError, load, load_file


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, *args, words=()):
    code, out, err = run_cli(capsys, *args)
    assert code == 2, (args, err)
    assert err.count("\n") == 1 and err.startswith("gdviz: error: "), err
    assert "Traceback" not in err and len(err) < 400, err
    for w in words:
        assert w in err, (w, err)
    return err


# A. scenario content that crashed the window ---------------------------------------------------
def test_one_seed_range_everywhere(tmp_path, capsys, qtbot):
    from gdviz.ui.main_window import MainWindow
    path = tmp_path / "s.toml"
    path.write_text(f"seed = {MAX_SEED + 1}\n")
    with pytest.raises(ScenarioError, match="seed"):
        load_file(path)
    refused(capsys, "simulate", str(path), words=["seed", str(MAX_SEED)])
    refused(capsys, "simulate", "default", "--seed", str(MAX_SEED + 1), words=["seed"])
    path.write_text(f"seed = {MAX_SEED}\n")
    top = load_file(path)
    w = MainWindow(top)            # the largest accepted seed fits the window's seed box
    qtbot.addWidget(w)
    assert w.controls.seed_spin.value() == MAX_SEED
    assert w.controls.seed_spin.maximum() == MAX_SEED
    w.close()


HOSTILE_TEXT = ["<img src='/dev/zero'>", "<img width=100000 height=100000 src='x.png'>",
                "<a href='file:///etc/passwd'>x</a>", "<table>" + "<tr><td>x</td></tr>" * 9
                + "</table>", "<b>bold</b> & <i>it</i>"]


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_titles_and_notes_are_plain_text(tmp_path, qtbot, text):
    from gdviz.ui.main_window import MainWindow
    scenario = load("default").with_changes(title=text, note=text, description=text)
    w = MainWindow(scenario)
    qtbot.addWidget(w)
    shown = w.note_label.text()
    assert "<img" not in shown and "<a " not in shown and "<table" not in shown
    assert "&lt;" in shown                 # the markup is shown as the characters it is
    w.close()


@pytest.mark.parametrize("name", sorted(TEXT_LIMITS))
def test_text_fields_are_capped(tmp_path, capsys, name):
    limit = TEXT_LIMITS[name]
    path = tmp_path / "s.toml"
    path.write_text(f'{name} = "{"t" * (limit + 1)}"\n')
    err = refused(capsys, "simulate", str(path), words=[name, f"at most {limit:,}"])
    assert len(err) < 300
    path.write_text(f'{name} = "{"t" * limit}"\n')
    assert len(getattr(load_file(path), name)) == limit
