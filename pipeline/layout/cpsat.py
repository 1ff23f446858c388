"""Small CP-SAT models written straight into OR-Tools' model proto, and solved.

OR-Tools' Python layer (`cp_model`) imports pandas and numpy, and its C++ model class imports
numpy when the first model is made: 0.6–0.9 s of a fresh `pinban pdf` before anything is solved.
The make-up's models are small and linear, so their expressions are plain Python here (variable
index → coefficient, and a constant), and each constraint is written in the canonical form
cp_model writes it — terms merged, zero coefficients dropped, variables in index order, the
constant moved into the domain — so the proto, and with it the solution, is the one cp_model
would give (tests/test_layout_units.py compares the two).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import PinbanError

INT_MIN, INT_MAX = -(2**63), 2**63 - 1  # an unbounded side of a domain, as CP-SAT stores it


class Linear:
    """Σ coefficient × variable + constant, over one model's variables (by index)."""

    __slots__ = ("constant", "terms")

    def __init__(self, terms: dict[int, int] | None = None, constant: int = 0) -> None:
        self.terms = terms if terms is not None else {}
        self.constant = constant

    def __add__(self, other: Linear | int) -> Linear:
        other = as_linear(other)
        terms = dict(self.terms)
        for var, coeff in other.terms.items():
            terms[var] = terms.get(var, 0) + coeff
        return Linear(terms, self.constant + other.constant)

    __radd__ = __add__  # sum() starts from 0

    def __neg__(self) -> Linear:
        return Linear({var: -coeff for var, coeff in self.terms.items()}, -self.constant)

    def __sub__(self, other: Linear | int) -> Linear:
        return self + -as_linear(other)

    def __rsub__(self, other: int) -> Linear:
        return as_linear(other) + -self

    def __mul__(self, factor: int) -> Linear:
        return Linear({var: coeff * factor for var, coeff in self.terms.items()}, self.constant * factor)

    __rmul__ = __mul__

    @property
    def index(self) -> int:
        """The variable this expression is (a literal's variable, a solution's value)."""
        (var, coeff), = self.terms.items()
        assert coeff == 1 and self.constant == 0, "not a plain variable"
        return var

    def canonical(self) -> tuple[list[int], list[int]]:
        """(variables, coefficients): merged, without zeros, in index order."""
        kept = sorted((var, coeff) for var, coeff in self.terms.items() if coeff)
        return [var for var, _ in kept], [coeff for _, coeff in kept]


def as_linear(value: Linear | int) -> Linear:
    return value if isinstance(value, Linear) else Linear({}, int(value))


@dataclass(frozen=True)
class Solved:
    values: tuple[int, ...]  # per variable, by index
    objective: float
    bound: float  # the proven least objective: no solution of the model does better

    def value(self, expression: Linear) -> int:
        return sum(coeff * self.values[var] for var, coeff in expression.terms.items()) + expression.constant


class Model:
    """A CP-SAT model proto being written; `solve` runs the solver on it as it is."""

    def __init__(self) -> None:
        self.proto = helper().CpModelProto()
        self.constants: dict[int, int] = {}  # value → its variable, made once (as cp_model does)

    def var(self, domain: Sequence[int], name: str = "") -> Linear:
        index = len(self.proto.variables)
        variable = self.proto.variables.add()
        if name:
            variable.name = name
        variable.domain.extend(domain)
        return Linear({index: 1})

    def int_var(self, low: int, high: int, name: str) -> Linear:
        return self.var([low, high], name)

    def var_of_values(self, values: Iterable[int], name: str) -> Linear:
        return self.var(intervals(values), name)

    def constant(self, value: int) -> Linear:
        if value not in self.constants:
            self.constants[value] = self.var([value, value]).index
        return Linear({self.constants[value]: 1})

    def equal(self, left: Linear | int, right: Linear | int, only_if: Literal | None = None) -> int:
        return self.linear(as_linear(left) - right, 0, 0, only_if)

    def at_most(self, left: Linear | int, right: Linear | int) -> int:
        return self.linear(as_linear(left) - right, INT_MIN, 0)

    def at_least(self, left: Linear | int, right: Linear | int, only_if: Literal | None = None) -> int:
        return self.linear(as_linear(left) - right, 0, INT_MAX, only_if)

    def linear(self, expression: Linear, low: int, high: int, only_if: Literal | None = None) -> int:
        """low ≤ expression ≤ high (enforced only when `only_if` holds); returns the constraint's index."""
        index = len(self.proto.constraints)
        constraint = self.proto.constraints.add()
        if only_if is not None:
            constraint.enforcement_literal.append(only_if.code)
        variables, coefficients = expression.canonical()
        constraint.linear.vars.extend(variables)
        constraint.linear.coeffs.extend(coefficients)
        shift = expression.constant
        constraint.linear.domain.extend([low if low == INT_MIN else low - shift,
                                         high if high == INT_MAX else high - shift])
        return index

    def set_equal_to(self, constraint: int, value: int) -> None:
        """Change an `equal(expression, n)` constraint (no constant in it) to expression = value."""
        domain = self.proto.constraints[constraint].linear.domain
        domain[0] = domain[1] = value

    def max_equal(self, target: Linear, expressions: Sequence[Linear]) -> None:
        lin_max = self.proto.constraints.add().lin_max
        write_expression(lin_max.target, target)
        for expression in expressions:
            write_expression(lin_max.exprs.add(), as_linear(expression))

    def abs_equal(self, target: Linear, expression: Linear) -> None:
        self.max_equal(target, [expression, -expression])

    def minimize(self, expression: Linear | int) -> None:
        self.objective(as_linear(expression), 1)

    def maximize(self, expression: Linear | int) -> None:
        self.objective(as_linear(expression), -1)

    def objective(self, expression: Linear, sign: int) -> None:
        """As cp_model writes an integral objective: a maximum as the minimum of its negation."""
        objective = self.proto.objective
        variables, coefficients = expression.canonical()
        objective.vars.extend(variables)
        objective.coeffs.extend(sign * c for c in coefficients)
        objective.offset = sign * expression.constant
        objective.scaling_factor = float(sign)

    def solve(self, seconds: float) -> Solved | None:
        """The best solution found within `seconds`, with one worker and a fixed seed (the same
        model gives the same solution); None when there is none."""
        cmh = helper()
        parameters = cmh.SatParameters()
        parameters.num_workers = 1
        parameters.random_seed = 0
        parameters.max_time_in_seconds = seconds
        solver = cmh.SolveWrapper()
        solver.set_parameters(parameters)
        response = solver.solve(self.proto)
        if response.status not in (cmh.CpSolverStatus.OPTIMAL, cmh.CpSolverStatus.FEASIBLE):
            return None
        return Solved(tuple(response.solution), response.objective_value, response.best_objective_bound)


@dataclass(frozen=True)
class Literal:
    """A 0–1 variable, or its negation, as an enforcement literal."""

    var: Linear
    negated: bool = False

    @property
    def code(self) -> int:
        return -self.var.index - 1 if self.negated else self.var.index

    def __invert__(self) -> Literal:
        return Literal(self.var, not self.negated)


def write_expression(proto, expression: Linear) -> None:
    variables, coefficients = expression.canonical()
    proto.vars.extend(variables)
    proto.coeffs.extend(coefficients)
    if expression.constant:
        proto.offset = expression.constant


def intervals(values: Iterable[int]) -> list[int]:
    """A domain of values as CP-SAT stores it: [low, high] of each run of consecutive values."""
    out: list[int] = []
    for v in sorted(set(values)):
        if out and v == out[-1] + 1:
            out[-1] = v
        else:
            out += [v, v]
    return out


def helper():
    """OR-Tools' C++ layer: the model proto and the solver, without cp_model's imports."""
    from ortools.sat.python import cp_model_helper as cmh

    if not hasattr(cmh, "CpModelProto"):
        from ortools import __version__

        raise PinbanError(f"OR-Tools {__version__} is too old for the make-up solver", "ortools",
                          "pip install 'ortools>=9.15,<10'")
    return cmh
