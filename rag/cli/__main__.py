"""``python -m rag.cli`` runs the command line, like ``rag``."""

import sys

from .main import main

sys.exit(main())
