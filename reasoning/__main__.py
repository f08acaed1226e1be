import sys

from reasoning.cli import main

sys.exit(main())
