"""System tests import their helpers as `tests.system.*`: make the repository root
importable whichever way pytest was started (`python -m pytest` adds it, `pytest` does not)."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
