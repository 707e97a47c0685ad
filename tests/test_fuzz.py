"""A fixed table of hostile inputs: the command line, scenario files and the function box.

Every one must be refused the same way: exit status 2, one line on stderr naming the problem,
no traceback, nothing on stdout, no file left behind. The CLI runs in-process (main(argv)).
"""
from __future__ import annotations

import pytest

from gdviz.cli import main
from gdviz.core.expression import ExpressionError, compile_expression

LONG = "z" * 5000

# the command line ----------------------------------------------------------------------------------
BAD_NUMBERS = ["", " ", "abc", "1e999", "nan", "inf", "-inf", "9" * 400, "0x10", "1_0_", "--",
               "1,5"]
CLI = []
for option, extra in (("--n-examples", ["0", "-1", "100001", "1.5", "-1e3"]),
                      ("--batch-size", ["0", "-1", "257", "2.5"]),
                      ("--epochs", ["0", "-1", "-1e3", "10001", "-.5"]),
                      ("--lr", ["-1", "-.5", "1e7"]),
                      ("--seed", ["-1", "1.5", str(2**64)])):
    CLI += [["simulate", "default", option, v] for v in BAD_NUMBERS + extra]
CLI += [["simulate", "default", "--landscape", v] for v in ("", "bogus", LONG, "Ravine", "custom")]
CLI += [["simulate", "default", "--optimizer", v] for v in ("", "sgdd", LONG, "SGD")]
CLI += [["simulate", "default", "--clock", v] for v in ("", "wall", LONG)]
CLI += [["simulate", "default", "--device", "cpu"], ["simulate", "default", "--device", "tpu"],
        ["simulate", "default", "--bogus"], ["simulate", "default", "extra"], ["simulate"],
        ["simulate", ""], ["simulate", " "], ["simulate", "nope"], ["simulate", LONG],
        ["simulate", "/dev/zero"], ["simulate", "/dev/null"], ["simulate", "/proc/self/mem"],
        ["simulate", "/"], ["simulate", "."], ["simulate", "missing.toml"],
        ["simulate", "a" * 300 + ".toml"], ["simulate", "default", "--epochs"],
        ["simulate", "default", "--json", "--json=1"], ["simulate", "default", "--n-examples", "1"],
        ["simulate", "default", "--n-examples", "100000", "--batch-size", "1", "--epochs", "1000"],
        ["simulate", "default", "--function", "x", "--landscape", "ravine"],
        ["simulate", "mlp-moons", "--n-examples", "50"], ["scenarios", "extra"],
        ["bogus-scenario"], ["", "--present"], ["default", "--bogus"]]
EXPORT_OUT = ["/proc/x.png", "/sys/x.png", "/", ".", "..", "", " ", "x.webm", "x", "x.PNGX",
              "missing/x.png", "a" * 300 + ".png", "/dev/null", "x.svg:window"]
for out in EXPORT_OUT:
    if out.endswith(":window"):
        CLI.append(["export", "default", "--out", out.split(":")[0], "--what", "window"])
    else:
        CLI.append(["export", "default", "--out", out])
CLI += [["export", "default", "--out", "x.png", option, value] for option, value in (
    ("--size", "0x0"), ("--size", "10x10"), ("--size", "99999x100"), ("--size", "abc"),
    ("--size", "1x2x3"), ("--size", ""), ("--seconds", "-1"), ("--seconds", "nan"),
    ("--seconds", "1e9"), ("--fps", "0"), ("--fps", "1000"), ("--fps", "inf"),
    ("--what", "everything"), ("--theme", "neon"), ("--epochs", "-2"), ("--function", "1/0"))]
CLI += [["export", "default"], ["export", "--out", "x.png"], ["export", "", "--out", "x.png"],
        ["export", "default", "--out", "x.mp4", "--seconds", "0"]]

# scenario files --------------------------------------------------------------------------------------
FILES = [
    "\x00\x01\x02", "[[[", "= 1", "landscape = ", "landscape = 3", 'landscape = "bogus"',
    "n_examples = 0", "n_examples = -5", "n_examples = 1.5", 'n_examples = "many"',
    "n_examples = 100001", "n_examples = true", "batch_size = 0", "batch_size = 100000",
    "epochs = 0", "epochs = -1", "epochs = nan", "epochs = inf", "epochs = 1e6", 'epochs = "ten"',
    "lr = -1", "lr = nan", "lr = [1]", "noise = -1", "noise = inf", "seed = -1", "seed = 1.5",
    "momentum = 1.0", "momentum = -0.1", 'optimizer = "adamw"', "optimizer = 1",
    'schedule = "warm"', 'lr_scaling = "cube"', 'clock = "wall"', "drop_last = 1",
    'drop_last = "yes"', "lr_reference_batch = 0", "bogus = 1", "source = 'x'",
    "title = 3", "note = []", "starts = 1", "[starts]\nfull_batch = [1]",
    "[starts]\nfull_batch = [1, 2, 3]", "[starts]\nfull_batch = ['a', 'b']",
    "[starts]\nfull_batch = [nan, 0]", "[starts]\nbogus = [0, 0]",
    "[starts]\nfull_batch = [true, false]", "hardware = 1", "[hardware]\nghz = 3",
    "[hardware]\noverhead_ms = -1", "[hardware]\nthroughput = 0", "[hardware]\nthroughput = inf",
    "view = 1", "[view]\nzoom = 3", "[view]\nxlim = [-1, 1]", "[view]\nylim = [-1, 1]",
    "[view]\nxlim = [-1e308, 1e308]\nylim = [-1, 1]", "[view]\nxlim = [1, -1]\nylim = [-1, 1]",
    "[view]\nxlim = [0, 0]\nylim = [-1, 1]", "[view]\nxlim = [nan, 1]\nylim = [-1, 1]",
    "[view]\nxlim = [1, 2, 3]\nylim = [-1, 1]", "[view]\nxlim = 'wide'\nylim = [-1, 1]",
    "[view]\nspeed = -1", "[view]\nspeed = nan", "[view]\nspeed = 'fast'",
    "xlim = [0, 1]\n[view]\nxlim = [0, 1]\nylim = [0, 1]",
    'landscape = "custom"', 'landscape = "custom"\nfunction = ""',
    'landscape = "custom"\nfunction = 3', 'landscape = "ravine"\nfunction = "x**2"',
    'function = "sin(x, x)"', 'function = "1/0"', 'function = "(-8)**(1/3)"',
    f'function = "{LONG}"', 'function = "log(1 - x)"\n[view]\nxlim = [2, 4]\nylim = [0, 1]',
    "mlp = 1", "[mlp]\ndataset = 'mnist'", 'landscape = "ravine"\n[mlp]\ndataset = "moons"',
    'landscape = "mlp"\n[mlp]\ndataset = "mnist"', 'landscape = "mlp"\n[mlp]\nhidden = []',
    'landscape = "mlp"\n[mlp]\nhidden = [0]', 'landscape = "mlp"\n[mlp]\nhidden = [16, 16, 16, 16, 16]',
    'landscape = "mlp"\n[mlp]\nhidden = 16', 'landscape = "mlp"\n[mlp]\nactivation = "gelu"',
    'landscape = "mlp"\n[mlp]\nloss = "bce"\ndataset = "curve"', 'landscape = "mlp"\n[mlp]\nbogus = 1',
    'landscape = "mlp"\n[mlp]\nnoise = -1', 'landscape = "mlp"\n[mlp]\nval_fraction = 0.9',
    'landscape = "mlp"\n[mlp]\ndevice = "tpu"', 'landscape = "mlp"\nn_examples = 50',
    "title = '" + "t" * 3000 + "'\nbogus = 1",
]
RAW_FILES = [b"\xff\xfe\x00l\x00a", b"\xef\xbb\xbf\xef\xbb\xbfseed = 1", b"seed = 1\x00",
             b"\xc3\x28 = 1", b"#" * (1024 * 1024 + 10)]

# the function box ------------------------------------------------------------------------------------
FUNCTIONS = [
    "sin(x, x)", "minimum(x, y, x)", "maximum(x)", "hypot(x)", "arctan2(x, y, x)", "exp()",
    "sin(x, out=y)", "sin(*x)", "minimum(**x)", "(-8)**(1/3)", "x + (-1)**0.5", "9**9**9",
    "2**10000", "1" * 400, "1/0", "0**-1", "x + 1/0", "1e400 + x", "x % 0 * 0 + 1/0",
    "(" * 60 + "x" + ")" * 60, "-" * 450 + "x", "x" + "**x" * 100, "x" * 1000, "",
    "   ", "\t", "x +", "x y", "x = 1", "x == y", "x < y", "x if y else 1", "lambda: 1",
    "__import__('os')", "open('f')", "x.real", "x[0]", "[x, y]", "(x, y)", "{x: y}", "'text'",
    "b'x'", "True", "None", "...", "x @ y", "x // y", "x << 1", "x & y", "~x", "not x",
    "f'{x}'", "q", "X", "pi()", "e(1)", "sin", "sin.__class__", "log(-1 - x**2)",
    "sqrt(-1 - x**2 - y**2)", "exp(1000) * 0 + exp(1000)", "1e308 * 10 + x * 0", "∑x", "x²",
    "x\x00", "x\ny",
]

# issue 25's families, as generators: variants drawn from a fixed seed, not only the examples --------
def _issue25_families(count: int = 8):
    import random
    rng = random.Random(25)
    cli, files = [], []
    controls = "\x1b\x07\x00\n\r\t\x7f\x9b\u202e"
    for _ in range(count):
        # seeds beyond the one accepted range (the window's box is 32-bit)
        seed = rng.randrange(2**31, 2**70)
        cli.append(["simulate", "default", "--seed", str(seed)])
        files.append(f"seed = {seed}")
        # deep TOML: arrays, inline tables, dotted keys, table headers
        depth = rng.randrange(400, 3000)
        files.append(rng.choice([
            "x = " + "[" * depth + "1" + "]" * depth,
            "x = " + "{a=" * depth + "1" + "}" * depth,
            "k." * depth + "v = 1",
            "[" + "t." * depth + "t]\nv = 1"]))
        # integers beyond a float, in every float field and table
        digits = "9" * rng.randrange(310, 4400)
        files.append(rng.choice([
            f"lr = {digits}", f"epochs = {digits}", f"noise = {digits}", f"momentum = {digits}",
            f"[view]\nspeed = {digits}", f"[view]\nxlim = [-{digits}, 1]\nylim = [0, 1]",
            f"[starts]\nmini_batch = [0, {digits}]", f"[hardware]\noverhead_ms = {digits}",
            f'landscape = "mlp"\n[mlp]\nval_fraction = {digits}']))
        # text fields past their caps, with markup and control characters in them
        field, limit = rng.choice([("title", 200), ("note", 2000), ("description", 1000)])
        body = "".join(rng.choice(["<img src='/dev/zero'>", "<b>", "&amp;", "x", "é",
                                   *controls[3:6]]) for _ in range(limit))
        files.append(f"{field} = {body[:limit + 1 + rng.randrange(50)]!r}".replace("\\", "\\\\"))
        # control characters and long values in echoes
        junk = "".join(rng.choice("ab" + controls) for _ in range(rng.randrange(3, 40)))
        cli.append(rng.choice([["simulate", junk], ["simulate", "default", "--optimizer", junk],
                               ["export", "default", "--out", junk + ".webm"],
                               ["sweep", "default", "--lrs", "0.1," + junk]]))
        long = "".join(rng.choice("0123456789x,") for _ in range(rng.randrange(300, 20_000)))
        cli.append(rng.choice([["export", "default", "--out", "x.png", "--size", "64x" + long],
                               ["sweep", "default", "--batch-sizes", long],
                               ["export", "default", "--out", "x." + long]]))
        # prefixes of real options are not options
        option = rng.choice(["--seeds", "--max-epochs", "--target-fraction", "--batch-sizes"])
        cli.append(["sweep", "default", option[:rng.randrange(4, len(option) - 1)], "3"])
        option = rng.choice(["--epochs", "--n-examples", "--optimizer", "--function"])
        cli.append(["simulate", "default", option[:rng.randrange(4, len(option) - 1)], "3"])
        # clips whose frames × pixels exceed the bound, each value within its own limit
        side = rng.randrange(3000, 7681)
        cli.append(["export", "default", "--out", "x.mp4", "--seconds",
                    str(rng.randrange(1200, 3601)), "--fps", str(rng.randrange(60, 121)),
                    "--size", f"{side}x{side}"])
        # sweeps beyond the estimated memory or time, refused before any work
        cli.append(["sweep", "default", "--criterion", "single_run",
                    "--seeds", str(rng.randrange(900, 1001)),
                    "--batch-sizes", "1", "--lrs", "1e-9,2e-9", "--max-epochs",
                    str(rng.randrange(8000, 10001))])
    return cli, files


_CLI25, _FILES25 = _issue25_families()
CLI += _CLI25
FILES += _FILES25

CASES = ([("cli", argv) for argv in CLI] + [("file", text) for text in FILES]
         + [("raw", data) for data in RAW_FILES] + [("function", text) for text in FUNCTIONS])


def test_the_table_is_large_enough():
    assert len(CASES) >= 200


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("kind, value", CASES,
                         ids=[f"{kind}-{i}" for i, (kind, _) in enumerate(CASES)])
def test_hostile_input_is_refused_in_one_line(kind, value, workdir, capsys):
    if kind == "cli":
        argv = list(value)
    elif kind in ("file", "raw"):
        path = workdir / "s.toml"
        if kind == "file":
            path.write_text(value, encoding="utf-8")
        else:
            path.write_bytes(value)
        argv = ["simulate", str(path)]
    else:
        with pytest.raises(ExpressionError) as info:
            compile_expression(value)
        assert len(str(info.value)) < 300 and "\n" not in str(info.value)
        argv = ["simulate", "default", "--function", value]
    before = sorted(p.name for p in workdir.iterdir())
    try:
        code = main(argv)
    except SystemExit as exc:   # argparse must not exit on its own
        code = f"SystemExit({exc.code})"
    out, err = capsys.readouterr()
    assert code == 2, (argv[:4], err[:300])
    assert out == ""
    assert err.startswith("gdviz: error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err and len(err) < 400, err[:400]
    # every echo escapes control characters (issue 25): nothing can split the line or drive
    # the terminal
    assert not any(ord(c) < 32 or 0x7f <= ord(c) <= 0x9f or 0x202a <= ord(c) <= 0x202e
                   for c in err[:-1]), repr(err)
    assert sorted(p.name for p in workdir.iterdir()) == before
