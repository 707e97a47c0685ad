"""Safe parsing of a user's f(x, y): an ``ast`` walk against a whitelist, never ``eval``."""
from __future__ import annotations

import ast
import operator
from collections.abc import Callable

import numpy as np

from gdviz.core.messages import clip

BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.Div: operator.truediv, ast.Pow: operator.pow, ast.Mod: np.mod}
UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
FUNCTIONS = {name: getattr(np, name) for name in (
    "sin", "cos", "tan", "arctan", "sinh", "cosh", "tanh", "exp", "log", "log1p", "sqrt", "abs",
    "minimum", "maximum", "hypot", "arctan2")}
FUNCTIONS["atan"] = np.arctan
# How many arguments each function takes: an extra one would reach NumPy's ``out=``.
ARITY = {name: 2 if name in ("minimum", "maximum", "hypot", "arctan2") else 1
         for name in FUNCTIONS}
# NumPy scalars, not Python numbers: (-8)**(1/3) is then nan (not a complex number), 2**10000 inf
# (not an OverflowError), 1/0 inf (not a ZeroDivisionError); the finiteness check refuses them.
CONSTANTS = {"pi": np.float64(np.pi), "e": np.float64(np.e)}
VARIABLES = ("x", "y")
MAX_LENGTH = 500
MAX_DEPTH = 40        # nested operations and calls: deeper is refused before it can recurse
MAX_BRACKETS = 40     # nested parentheses, counted before parsing


class ExpressionError(ValueError):
    """A function the parser refuses; ``column`` is 1-based, or None."""

    def __init__(self, message: str, column: int | None = None):
        self.column = column
        where = f" (at column {column})" if column else ""
        super().__init__(f"{message}{where}")


Evaluator = Callable[[np.ndarray, np.ndarray], np.ndarray]


def compile_expression(text: str) -> Evaluator:
    """Turn ``text`` into a vectorised f(x, y), or raise ExpressionError saying what is wrong."""
    text = (text or "").strip()
    if not text:
        raise ExpressionError("the function is empty: type an expression in x and y")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the function is longer than {MAX_LENGTH} characters")
    if _bracket_depth(text) > MAX_BRACKETS:
        raise ExpressionError(f"the function nests brackets more than {MAX_BRACKETS} deep")
    text = text.replace("^", "**")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not a valid expression: {clip(exc.msg)}", exc.offset) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("the function is too deeply nested") from None
    if _tree_depth(tree.body) > MAX_DEPTH:
        raise ExpressionError(f"the function nests operations more than {MAX_DEPTH} deep")
    evaluator = _build(tree.body)
    _check_finite_somewhere(evaluator)
    return evaluator


def _bracket_depth(text: str) -> int:
    depth = deepest = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth = max(0, depth - 1)
    return deepest


def _tree_depth(root: ast.AST) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _build(node: ast.AST) -> Evaluator:
    col = getattr(node, "col_offset", -1) + 1 or None
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool):
        try:
            value = np.float64(node.value)
        except OverflowError:
            raise ExpressionError(f"the number {clip(str(node.value), 20)} is too large", col) \
                from None
        return lambda x, y: value
    if isinstance(node, ast.Name):
        if node.id == "x":
            return lambda x, y: x
        if node.id == "y":
            return lambda x, y: y
        if node.id in CONSTANTS:
            value = CONSTANTS[node.id]
            return lambda x, y: value
        raise ExpressionError(f"unknown name '{clip(node.id, 40)}': use x, y, pi, e", col)
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        op, left, right = BINARY[type(node.op)], _build(node.left), _build(node.right)
        return lambda x, y: op(left(x, y), right(x, y))
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        op, operand = UNARY[type(node.op)], _build(node.operand)
        return lambda x, y: op(operand(x, y))
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = clip(getattr(node.func, "id", None) or ast.unparse(node.func), 40)
            allowed = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(f"function '{name}' is not allowed; use one of {allowed}", col)
        name, arity = node.func.id, ARITY[node.func.id]
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise ExpressionError(f"'{name}' takes plain arguments", col)
        if len(node.args) != arity:
            raise ExpressionError(
                f"'{name}' takes {arity} argument{'s' if arity > 1 else ''}, "
                f"not {len(node.args)}", col)
        fn = FUNCTIONS[name]
        if arity == 1:
            (only,) = (_build(a) for a in node.args)
            return lambda x, y: fn(only(x, y))
        first, second = (_build(a) for a in node.args)
        return lambda x, y: fn(first(x, y), second(x, y))
    what = type(node).__name__
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        what = type(node.op).__name__
    raise ExpressionError(f"'{clip(ast.unparse(node), 40)}' is not allowed here ({what})", col)


def _check_finite_somewhere(evaluator: Evaluator, bounds=((-3.0, 3.0), (-3.0, 3.0)),
                            points: int = 13) -> None:
    (x0, x1), (y0, y1) = bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, points), np.linspace(y0, y1, points))
    try:
        with np.errstate(all="ignore"):
            Z = np.broadcast_to(evaluator(X, Y), X.shape)
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise ExpressionError(f"cannot evaluate the function: {clip(str(exc))}") from None
    if np.iscomplexobj(Z):
        raise ExpressionError("the function is not real-valued")
    if not np.isfinite(Z).any():
        raise ExpressionError(f"the function is not finite (or not real) anywhere in "
                              f"[{x0:g}, {x1:g}] x [{y0:g}, {y1:g}]")


def check_on_view(text: str, bounds) -> None:
    """Refuse ``text`` unless it has a finite real value somewhere on the view ``bounds``."""
    _check_finite_somewhere(compile_expression(text), bounds, points=41)
