"""Scoring: the model finds the recorded churn cohort, beats the lesson's rules, is calibrated,
and falls back to rules (saying so) when the history is too short."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from sklearn.metrics import roc_auc_score

from agent.churn.agent import CustomerChurnAgent
from agent.churn.features import data_span
from agent.churn.model import ChurnModel, train
from agent.churn.rules import ChurnRules
from agent.warehouse import DuckDBWarehouse
from tests.agent.churn.baseline import lesson_rule_scores


def test_model_ranks_the_churn_cohort_first_and_beats_the_lesson_rules(
    churn_agent: CustomerChurnAgent, cohort_ids: frozenset[str]
) -> None:
    ranked = churn_agent.ranked()
    member = ranked.index.isin(cohort_ids)
    assert member.sum() >= 30  # enough cohort members among active customers to measure
    model_auc = roc_auc_score(member, ranked["probability"])
    lesson_auc = roc_auc_score(member, lesson_rule_scores(ranked))
    assert churn_agent.model.kind == "model"
    assert model_auc > 0.8
    assert model_auc > lesson_auc + 0.05


def test_probabilities_are_calibrated_better_than_the_base_rate(churn_model: ChurnModel) -> None:
    report = churn_model.report
    assert len(report.snapshots) >= 2
    assert report.holdout_brier is not None and report.base_rate_brier is not None
    assert report.holdout_brier < report.base_rate_brier
    assert report.holdout_auc is not None and report.holdout_auc > 0.55


def test_probabilities_lie_in_the_unit_interval(churn_agent: CustomerChurnAgent) -> None:
    p = churn_agent.scores().frame["probability"].to_numpy()
    assert np.all((p >= 0) & (p <= 1))
    assert p.std() > 0.01  # a real ranking, not one number for everyone


def test_short_history_falls_back_to_rules_and_says_so(
    churn_warehouse: DuckDBWarehouse,
) -> None:
    span = data_span(churn_warehouse)
    assert span is not None
    early = span[0] + timedelta(days=70)  # less than horizon (60) + min history (45)
    model = train(churn_warehouse, early, ChurnRules())
    assert model.kind == "rules"
    assert "history too short" in model.report.reason
    agent = CustomerChurnAgent(warehouse=churn_warehouse, today=early, model=model)
    cid = agent.ranked().index[0]
    profile = agent.profile(cid)
    assert profile.scored_by == "rules"
    assert "deterministic rules" in profile.scoring_note
    assert "history too short" in profile.scoring_note
    assert profile.confidence_score <= 0.5


def test_training_is_deterministic(
    churn_warehouse: DuckDBWarehouse, churn_model: ChurnModel, churn_agent: CustomerChurnAgent
) -> None:
    again = train(churn_warehouse, churn_agent.today, ChurnRules())
    frame = churn_agent.scores().frame.head(500)
    assert np.array_equal(again.predict(frame), churn_model.predict(frame))
