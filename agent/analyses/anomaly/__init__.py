"""Anomaly detection: a streaming detector for any series, and a daily KPI detector."""

from agent.analyses.anomaly.calendar import thanksgiving, us_retail_holidays
from agent.analyses.anomaly.daily import DayCheck, daily_checks
from agent.analyses.anomaly.runs import Run, detect_daily, find_runs
from agent.analyses.anomaly.segments import detect_segments
from agent.analyses.anomaly.streaming import DetectorParams, StreamingDetector

__all__ = [
    "DayCheck",
    "DetectorParams",
    "Run",
    "StreamingDetector",
    "daily_checks",
    "detect_daily",
    "detect_segments",
    "find_runs",
    "thanksgiving",
    "us_retail_holidays",
]
