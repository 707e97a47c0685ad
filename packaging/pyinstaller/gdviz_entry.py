# Entry script for the frozen app: the same as the `gdviz` console script (gdviz.cli:main).
import sys

from gdviz.cli import main

if __name__ == "__main__":
    sys.exit(main())
