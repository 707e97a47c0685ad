"""A fixed amount of float-step work, for measures taken from outside the process.

    .venv/bin/python benchmarks/step_work.py stochastic 20000     # 20,000 steps of one method

Builds the ``quick-example`` scenario (N = 1000, SGD) and calls ``MethodRun.step()`` of one
method (stochastic, mini_batch or full_batch) the given number of times. Run with 0 steps for
the start-up alone: instructions per step under ``valgrind --tool=callgrind`` are
(total at K steps - total at 0) / K, a count that the machine's load does not move.
"""
from __future__ import annotations

import sys

from gdviz.scenario import load


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    key, steps = args[0], int(args[1])
    run = load("quick-example").build().run(key)
    for _ in range(steps):
        run.step()
    return 0


if __name__ == "__main__":
    sys.exit(main())
