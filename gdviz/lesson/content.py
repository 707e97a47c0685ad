"""Load the lesson texts from ``resources/lesson/*.toml`` into frozen dataclasses.

The texts live in TOML so that a teacher can read and correct them without touching Python.
Any missing or mistyped field raises :class:`LessonContentError` naming the file and the field.
"""
from __future__ import annotations

import functools
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gdviz.palette import METHOD_COLORS
from gdviz.resources import resources_dir

METHOD_KEYS = ("full_batch", "mini_batch", "stochastic")
# Update rules other than plain SGD, each with its own [[rule]] formula in formulas.toml.
RULE_KEYS = ("momentum", "nesterov", "rmsprop", "adam")
# Names a formula's `live` template may use; gdviz.lesson.live fills them in. A line that is
# just ${update} stands for the live lines of the update rule in force.
LIVE_NAMES = frozenset(
    {"N", "B", "updates", "lr", "g", "gfull", "step", "measured", "predicted", "trace",
     "mu", "alpha", "b1", "b2", "t", "m", "v", "mhat", "vhat", "update",
     "measured_pm", "draws", "gnorm2", "bsimple"})


class LessonContentError(ValueError):
    """A lesson resource file is missing, unreadable or has a bad field."""


@dataclass(frozen=True)
class Symbol:
    tex: str            # LaTeX of the symbol, e.g. r"\theta_{t}"
    text: str           # what it means


@dataclass(frozen=True)
class Formula:
    key: str
    name: str
    meaning: str
    latex: str
    live: tuple[str, ...]           # LaTeX templates with ${NAME} placeholders, one per line
    symbols: tuple[Symbol, ...]


@dataclass(frozen=True)
class Point:
    """A titled paragraph: a pro, a con, a mistake, a practice item."""
    key: str
    title: str
    text: str
    steps: tuple[str, ...] = ()     # optional numbered/bulleted list under the text


@dataclass(frozen=True)
class ProsCons:
    key: str                        # "small" | "large" | "mini"
    title: str
    pros: tuple[Point, ...]
    cons: tuple[Point, ...]


@dataclass(frozen=True)
class ComparisonRow:
    key: str
    label: str
    values: tuple[str, ...]         # one per method, in Comparison.methods order


@dataclass(frozen=True)
class Comparison:
    title: str
    methods: tuple[str, ...]
    rows: tuple[ComparisonRow, ...]


@dataclass(frozen=True)
class Analogy:
    key: str
    title: str
    full_batch: str
    mini_batch: str
    stochastic: str
    moral: str


@dataclass(frozen=True)
class Background:
    title: str
    paragraphs: tuple[str, ...]
    chain_intro: str
    chain: tuple[str, ...]


@dataclass(frozen=True)
class Notation:
    title: str
    symbols: tuple[Symbol, ...]


@dataclass(frozen=True)
class QuickExample:
    title: str
    n: int
    intro: str
    stochastic: str
    mini_batch: str
    full_batch: str
    balance: str
    live: str                       # template with ${B} and ${updates}


@dataclass(frozen=True)
class Summary:
    title: str
    points: tuple[str, ...]
    takeaway: str


@dataclass(frozen=True)
class MethodIntuition:
    key: str
    name: str
    color: str
    batch: str
    rhythm: str                     # caption of the update-rhythm row
    formula: str                    # key of this method's gradient formula
    live: tuple[str, ...]           # LaTeX templates with its current numbers
    looks_at: str
    how_often: str
    path: str


@dataclass(frozen=True)
class Lesson:
    formulas: tuple[Formula, ...]
    background: Background
    notation: Notation
    proscons: tuple[ProsCons, ...]
    comparison: Comparison
    analogies: tuple[Analogy, ...]
    practice_title: str
    practice: tuple[Point, ...]
    quick_example: QuickExample
    mistakes: tuple[Point, ...]
    summary: Summary
    methods: tuple[MethodIntuition, ...]
    rules: tuple[Formula, ...] = ()     # the update formula of each rule in RULE_KEYS

    def formula(self, key: str) -> Formula:
        return _by_key(self.formulas, key)

    def update_formula(self, rule: str = "sgd") -> Formula:
        """The update step as the rule in force writes it (plain SGD: formula "update")."""
        if rule == "sgd":
            return self.formula("update")
        return _by_key(self.rules, rule)

    def method(self, key: str) -> MethodIntuition:
        return _by_key(self.methods, key)


def _by_key(items, key):
    for item in items:
        if item.key == key:
            return item
    raise KeyError(key)


class _Table:
    """A TOML table plus where it came from, so every error can name file and field."""

    def __init__(self, file: str, where: str, data: Any):
        if not isinstance(data, dict):
            raise LessonContentError(f"{file}: {where or 'top level'}: expected a table")
        self.file, self.where, self.data = file, where, data

    def _name(self, field: str) -> str:
        return f"{self.where}.{field}" if self.where else field

    def _get(self, field: str) -> Any:
        if field not in self.data:
            raise LessonContentError(f"{self.file}: field '{self._name(field)}' is missing")
        return self.data[field]

    def fail(self, field: str, why: str):
        raise LessonContentError(f"{self.file}: field '{self._name(field)}': {why}")

    def str(self, field: str) -> str:
        value = self._get(field)
        if not isinstance(value, str) or not value.strip():
            self.fail(field, "expected a non-empty string")
        return value.strip()

    def int(self, field: str) -> int:
        value = self._get(field)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            self.fail(field, "expected a positive integer")
        return value

    def strs(self, field: str, length: int | None = None) -> tuple[str, ...]:
        value = self._get(field)
        if isinstance(value, str):          # a single line is allowed where a list is expected
            value = [value]
        if (not isinstance(value, list) or not value
                or not all(isinstance(v, str) and v.strip() for v in value)):
            self.fail(field, "expected a non-empty list of non-empty strings")
        if length is not None and len(value) != length:
            self.fail(field, f"expected {length} entries, found {len(value)}")
        return tuple(v.strip() for v in value)

    def table(self, field: str) -> "_Table":
        return _Table(self.file, self._name(field), self._get(field))

    def tables(self, field: str) -> list["_Table"]:
        value = self._get(field)
        if not isinstance(value, list) or not value:
            self.fail(field, "expected a non-empty list of tables ([[...]])")
        return [_Table(self.file, f"{self._name(field)}[{i}]", v) for i, v in enumerate(value)]

    def symbols(self, field: str) -> tuple[Symbol, ...]:
        value = self._get(field)
        ok = isinstance(value, list) and value and all(
            isinstance(v, list) and len(v) == 2 and all(isinstance(s, str) and s for s in v)
            for v in value)
        if not ok:
            self.fail(field, "expected a list of ['LaTeX', 'explanation'] pairs")
        return tuple(Symbol(tex.strip(), text.strip()) for tex, text in value)


def _read(folder: Path, name: str) -> _Table:
    path = folder / name
    try:
        with path.open("rb") as fh:
            return _Table(str(path), "", tomllib.load(fh))
    except FileNotFoundError:
        raise LessonContentError(f"{path}: lesson file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise LessonContentError(f"{path}: not valid TOML: {exc}") from None


def _point(t: _Table) -> Point:
    steps = t.strs("steps") if "steps" in t.data else ()
    return Point(t.str("key"), t.str("title"), t.str("text"), steps)


def _live(t: _Table, field: str = "live") -> tuple[str, ...]:
    """LaTeX templates whose ${NAME} placeholders are all known."""
    live = t.strs(field)
    for line in live:
        template = string.Template(line)
        unknown = set(template.get_identifiers()) - LIVE_NAMES
        if unknown or not template.is_valid():
            t.fail(field, f"bad placeholder(s) {sorted(unknown)} in {line!r}; "
                          f"allowed: {', '.join(sorted(LIVE_NAMES))}")
    return live


def _formula(t: _Table) -> Formula:
    return Formula(t.str("key"), t.str("name"), t.str("meaning"), t.str("latex"), _live(t),
                   t.symbols("symbols"))


def _unique(items, file: str, what: str):
    keys = [i.key for i in items]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise LessonContentError(f"{file}: duplicate {what} key(s): {', '.join(dupes)}")
    return tuple(items)


def load_lesson(folder: Path | None = None) -> Lesson:
    """Read and check ``formulas.toml``, ``lesson.toml`` and ``methods.toml`` from *folder*
    (default: ``resources_dir()/lesson``)."""
    folder = Path(folder) if folder is not None else resources_dir() / "lesson"
    ft, lt, mt = (_read(folder, n) for n in ("formulas.toml", "lesson.toml", "methods.toml"))

    formulas = _unique([_formula(t) for t in ft.tables("formula")], ft.file, "formula")
    formula_keys = {f.key for f in formulas}
    if "update" not in formula_keys:
        raise LessonContentError(f"{ft.file}: the formula with key 'update' is missing")
    rules = _unique([_formula(t) for t in ft.tables("rule")], ft.file, "rule")
    if sorted(r.key for r in rules) != sorted(RULE_KEYS):
        raise LessonContentError(f"{ft.file}: expected one [[rule]] for each of "
                                 f"{', '.join(RULE_KEYS)}, found {', '.join(r.key for r in rules)}")

    methods = []
    for key in METHOD_KEYS:
        m = mt.table(key)
        intuition = MethodIntuition(key, m.str("name"), METHOD_COLORS[key], m.str("batch"),
                                    m.str("rhythm"), m.str("formula"), _live(m),
                                    m.str("looks_at"),
                                    m.str("how_often"), m.str("path"))
        if intuition.formula not in formula_keys:
            m.fail("formula", f"'{intuition.formula}' is not a key in formulas.toml")
        methods.append(intuition)

    bg = lt.table("background")
    background = Background(bg.str("title"), bg.strs("paragraphs"), bg.str("chain_intro"),
                            bg.strs("chain"))
    nt = lt.table("notation")
    notation = Notation(nt.str("title"), nt.symbols("symbols"))
    proscons = _unique([ProsCons(t.str("key"), t.str("title"),
                                 tuple(_point(p) for p in t.tables("pros")),
                                 tuple(_point(c) for c in t.tables("cons")))
                        for t in lt.tables("proscons")], lt.file, "proscons")
    ct = lt.table("comparison")
    cmethods = ct.strs("methods")
    if set(cmethods) != set(METHOD_KEYS):
        ct.fail("methods", f"expected the three methods {list(METHOD_KEYS)}")
    comparison = Comparison(ct.str("title"), cmethods, tuple(
        ComparisonRow(r.str("key"), r.str("label"), r.strs("values", len(cmethods)))
        for r in ct.tables("rows")))
    analogies = _unique([Analogy(t.str("key"), t.str("title"), t.str("full_batch"),
                                 t.str("mini_batch"), t.str("stochastic"), t.str("moral"))
                         for t in lt.tables("analogies")], lt.file, "analogy")
    pt = lt.table("practice")
    practice = _unique([_point(t) for t in pt.tables("items")], lt.file, "practice")
    qt = lt.table("quick_example")
    quick = QuickExample(qt.str("title"), qt.int("n"), qt.str("intro"), qt.str("stochastic"),
                         qt.str("mini_batch"), qt.str("full_batch"), qt.str("balance"),
                         qt.str("live"))
    mistakes = _unique([_point(t) for t in lt.tables("mistakes")], lt.file, "mistake")
    st = lt.table("summary")
    summary = Summary(st.str("title"), st.strs("points"), st.str("takeaway"))

    return Lesson(formulas, background, notation, proscons, comparison, analogies,
                  pt.str("title"), practice, quick, mistakes, summary, tuple(methods), rules)


@functools.lru_cache(maxsize=1)
def default_lesson() -> Lesson:
    """The lesson from the resources folder, read once per process."""
    return load_lesson()
