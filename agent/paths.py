"""Where Scout's own files are, importable at no cost (the CLI's fast start needs it)."""

from __future__ import annotations

from pathlib import Path

# The checkout or installed tree: the demo semantic.yml lives at its top.
REPO_ROOT = Path(__file__).resolve().parent.parent
