"""Safe parsing of a user's f(x, y): an ``ast`` walk against a whitelist, never ``eval``."""
from __future__ import annotations

import ast
import operator
from collections.abc import Callable

import numpy as np

BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.Div: operator.truediv, ast.Pow: operator.pow, ast.Mod: np.mod}
UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
FUNCTIONS = {name: getattr(np, name) for name in (
    "sin", "cos", "tan", "arctan", "sinh", "cosh", "tanh", "exp", "log", "log1p", "sqrt", "abs",
    "minimum", "maximum", "hypot", "arctan2")}
FUNCTIONS["atan"] = np.arctan
CONSTANTS = {"pi": np.pi, "e": np.e}
VARIABLES = ("x", "y")
MAX_LENGTH = 500


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
    text = text.replace("^", "**")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not a valid expression: {exc.msg}", exc.offset) from None
    evaluator = _build(tree.body)
    _check_finite_somewhere(evaluator)
    return evaluator


def _build(node: ast.AST) -> Evaluator:
    col = getattr(node, "col_offset", -1) + 1 or None
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool):
        value = float(node.value)
        return lambda x, y: value
    if isinstance(node, ast.Name):
        if node.id == "x":
            return lambda x, y: x
        if node.id == "y":
            return lambda x, y: y
        if node.id in CONSTANTS:
            value = CONSTANTS[node.id]
            return lambda x, y: value
        raise ExpressionError(f"unknown name '{node.id}': use x, y, pi, e", col)
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        op, left, right = BINARY[type(node.op)], _build(node.left), _build(node.right)
        return lambda x, y: op(left(x, y), right(x, y))
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        op, operand = UNARY[type(node.op)], _build(node.operand)
        return lambda x, y: op(operand(x, y))
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = getattr(node.func, "id", ast.unparse(node.func))
            allowed = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(f"function '{name}' is not allowed; use one of {allowed}", col)
        if node.keywords or not node.args:
            raise ExpressionError(f"'{node.func.id}' takes plain arguments", col)
        fn = FUNCTIONS[node.func.id]
        args = [_build(a) for a in node.args]
        return lambda x, y: fn(*(a(x, y) for a in args))
    what = type(node).__name__
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        what = type(node.op).__name__
    raise ExpressionError(f"'{ast.unparse(node)}' is not allowed here ({what})", col)


def _check_finite_somewhere(evaluator: Evaluator) -> None:
    xs = np.linspace(-3.0, 3.0, 13)
    X, Y = np.meshgrid(xs, xs)
    try:
        with np.errstate(all="ignore"):
            Z = np.broadcast_to(evaluator(X, Y), X.shape)
    except (TypeError, ValueError) as exc:
        raise ExpressionError(f"cannot evaluate the function: {exc}") from None
    if not np.isfinite(Z).any():
        raise ExpressionError("the function is not finite anywhere in [-3, 3] x [-3, 3]")
