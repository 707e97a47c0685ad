"""Helpers the command-line tests share: run gdviz's main in-process, and check a refusal."""
from gdviz.cli import main


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, *args, words=()):
    """The command exits 2 with one line naming the problem (and each of *words*)."""
    code, out, err = run_cli(capsys, *args)
    assert code == 2, (args, err)
    assert err.count("\n") == 1 and err.startswith("gdviz: error: "), err
    assert "Traceback" not in err and len(err) < 400, err
    for w in words:
        assert w in err, (w, err)
    return err
