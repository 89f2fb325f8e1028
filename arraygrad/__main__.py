"""``python -m arraygrad ...`` runs the ``arraygrad`` command."""

import sys

from arraygrad.cli import main

if __name__ == "__main__":
    sys.exit(main())
