"""Shared fixtures: a fixed `today`, the demo warehouse built once per test session."""

from __future__ import annotations

import os
import time
from datetime import date

import pytest

os.environ.setdefault("TZ", "UTC")
if hasattr(time, "tzset"):
    time.tzset()

# A Monday two weeks after Black Friday 2025, so the demo data holds the holiday surge.
TODAY = date(2025, 12, 15)
SEED = 7


@pytest.fixture
def today() -> date:
    return TODAY
