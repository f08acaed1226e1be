"""`python -m reasoning` is the `reasoning` command."""

import sys

from reasoning.cli import main

if __name__ == "__main__":
    sys.exit(main())
