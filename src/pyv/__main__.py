"""``python -m pyv``."""

from pyv.main import entry

entry()
