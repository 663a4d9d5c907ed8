"""policies.yml: validation (every problem at once, with its place) and who gets which access."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from agent.errors import ConfigError
from agent.paths import REPO_ROOT
from agent.semantic import load_semantic
from agent.semantic.policies import Access, load_policies, parse_policies

LAYER = load_semantic(REPO_ROOT / "semantic.yml")

GOOD = {
    "default": {"customer_data": False},
    "groups": {"west_managers": ["UWEST1", "UWEST2"], "crm": ["UCRM"]},
    "policies": {
        "west_managers": {"row_filters": {"region": "West"}, "hidden_metrics": ["revenue"]},
        "crm": {"customer_data": True},
        "UWEST2": {"row_filters": {"region": "West", "device": "mobile"}},
    },
    "channels": {"CWEST": "west_managers"},
}


def test_users_get_their_own_entry_then_their_groups_then_the_default() -> None:
    policies = parse_policies(GOOD, LAYER)
    west = policies.for_user("UWEST1")
    assert dict(west.row_filters) == {"region": "West"} and not west.customer_data
    # Hiding revenue hides what is computed from it: AOV (a ratio over the same measure) and
    # revenue per session (derived from revenue); conversion rate stays.
    assert {"revenue", "aov", "revenue_per_session"} <= west.hidden_metrics
    assert "conversion_rate" not in west.hidden_metrics
    assert dict(policies.for_user("UWEST2").row_filters) == {"region": "West", "device": "mobile"}
    assert policies.for_user("UCRM").customer_data and not policies.for_user("UCRM").row_filters
    stranger = policies.for_user("UNOBODY")
    assert stranger == policies.default
    assert not stranger.customer_data and not stranger.row_filters and stranger.limited
    assert policies.for_channel("CWEST") == west
    assert policies.for_channel("COTHER", "kpi-digest") == policies.default


def test_every_mistake_is_reported_with_its_place() -> None:
    bad = {
        "default": {"row_filters": {"regoin": "West"}},
        "groups": {"a": ["U1"], "b": ["U1"], "c": ["U1"], "empty": []},
        "policies": {
            "a": {"row_filters": {"region": "Atlantis"}},
            "b": {"hidden_metrics": ["profit"]},
            "c": {"row_filters": {"region": "West"}},
            "empty": {},
            "@west-managers": {},
        },
        "channels": {"C1": "nobody"},
    }
    with pytest.raises(ConfigError) as caught:
        parse_policies(bad, LAYER, source="policies.yml")
    problems = "\n".join(caught.value.problems)
    assert "default.row_filters.regoin: unknown dimension" in problems
    assert "policies.a.row_filters.region: 'Atlantis' is not one of" in problems
    assert "policies.b.hidden_metrics: unknown metric 'profit'" in problems
    assert "groups.empty: a group with a policy needs at least one user id" in problems
    # a and c limit the region to different values: their union is not one filter.
    assert "U1 is in a, b, c, whose row filters differ" in problems
    assert "policies.@west-managers: name a Slack user group by its id (S…" in problems
    assert "channels.C1: unknown policy 'nobody'" in problems
    assert len(caught.value.problems) == 7


def test_shape_errors_come_from_the_schema() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_policies({"policies": {"U1": {"customer_data": "maybe", "colour": "red"}}}, LAYER)
    problems = "\n".join(caught.value.problems)
    assert "policies.U1.customer_data" in problems and "policies.U1.colour" in problems


def test_the_file_beside_semantic_yml_is_loaded_and_absent_means_none(tmp_path: Path) -> None:
    semantic = tmp_path / "semantic.yml"
    shutil.copy(REPO_ROOT / "semantic.yml", semantic)
    assert load_policies(semantic, LAYER) is None
    (tmp_path / "policies.yml").write_text(yaml.safe_dump(GOOD))
    loaded = load_policies(semantic, LAYER)
    assert loaded is not None and dict(loaded.for_user("UWEST1").row_filters) == {"region": "West"}
    (tmp_path / "policies.yml").write_text("policies: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_policies(semantic, LAYER)


def test_the_shipped_semantic_yml_has_no_policies_beside_it() -> None:
    assert load_policies(REPO_ROOT / "semantic.yml", LAYER) is None


GROUPS = {
    "default": {"customer_data": False, "hidden_metrics": ["revenue"]},
    "groups": {"crm": ["UCRM"]},
    "policies": {
        "S0WEST": {"row_filters": {"region": "West", "device": "mobile"}},
        "S0WESTALL": {"row_filters": {"region": "West"}, "hidden_metrics": ["revenue"]},
        "S0NE": {"row_filters": {"region": "Northeast"}},
        "crm": {"customer_data": True, "hidden_metrics": ["revenue", "orders"]},
        "UCFO": {"customer_data": True},
    },
    "channels": {"CWEST": "S0WEST"},
}


def test_policies_keyed_by_a_slack_user_group_apply_to_its_members() -> None:
    policies = parse_policies(GROUPS, LAYER)
    assert policies.slack_groups == {"S0WEST", "S0WESTALL", "S0NE"}
    west = policies.for_user("UANY", frozenset({"S0WEST"}))
    assert dict(west.row_filters) == {"region": "West", "device": "mobile"}
    assert west.source == "policies.S0WEST"
    assert policies.for_channel("CWEST") == west
    # A group the file does not name places nobody; a user's own entry wins over groups.
    assert policies.for_user("UANY", frozenset({"S0OTHER"})) == policies.default
    assert policies.for_user("UCFO", frozenset({"S0NE"})) == policies.for_user("UCFO")
    assert not policies.for_user("UCFO").row_filters


def test_someone_in_several_groups_gets_the_union_of_what_they_may_see() -> None:
    policies = parse_policies(GROUPS, LAYER)
    # Rows: only the filter both groups share (region = West); device is limited by one only.
    both = policies.for_user("UANY", frozenset({"S0WEST", "S0WESTALL"}))
    assert dict(both.row_filters) == {"region": "West"}
    # Metrics: hidden only where every group hides them (S0WEST hides nothing).
    assert both.hidden_metrics == frozenset()
    # The file's groups join the Slack ones: customer data from crm, no rows limited by it.
    crm_and_west = policies.for_user("UCRM", frozenset({"S0WESTALL"}))
    assert crm_and_west.customer_data and not crm_and_west.row_filters
    hidden_by_both = policies.for_user("UCRM", frozenset({"S0WESTALL"})).hidden_metrics
    assert "revenue" in hidden_by_both and "orders" not in hidden_by_both
    assert crm_and_west.source == "policies.S0WESTALL + policies.crm"


def test_groups_limiting_one_dimension_to_different_values_give_the_default(
    caplog: pytest.LogCaptureFixture,
) -> None:
    policies = parse_policies(GROUPS, LAYER)
    with caplog.at_level("WARNING"):
        placed = policies.for_user("UBOTH", frozenset({"S0WEST", "S0NE"}))
    assert placed == policies.default
    assert "policies conflict user=UBOTH groups=S0NE,S0WEST" in caplog.text


def test_the_union_of_nothing_is_nothing_and_of_one_is_itself() -> None:
    policies = parse_policies(GROUPS, LAYER)
    assert Access.union([], source="none") is None
    crm = policies.for_user("UCRM")
    joined = Access.union([crm], source=crm.source)
    assert joined == crm


def test_hidden_columns_are_dimensions_or_customer_columns_and_join_as_metrics_do() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_policies(
            {
                "policies": {
                    "a": {"hidden_columns": ["customer_email"]},
                    "b": {"row_filters": {"region": "West"}, "hidden_columns": ["region"]},
                },
                "groups": {"a": ["U1"], "b": ["U2"]},
            },
            LAYER,
        )
    problems = "\n".join(caught.value.problems)
    assert "policies.a.hidden_columns: unknown column 'customer_email' (known:" in problems
    assert "policies.b.hidden_columns: 'region' also has a row filter" in problems
    policies = parse_policies(
        {
            "groups": {"ops": ["U1", "U3"], "crm": ["U1"], "mail": ["U2"]},
            "policies": {
                "ops": {"hidden_columns": ["state", "email"]},
                "crm": {"hidden_columns": ["state"], "customer_data": True},
                "mail": {"hidden_columns": ["email"]},
            },
        },
        LAYER,
    )
    # email is a contact column of the customer entity, state a dimension; a column stays
    # hidden only where every one of someone's groups hides it.
    assert policies.for_user("U3").hidden_columns == {"state", "email"}
    assert policies.for_user("U1").hidden_columns == {"state"}
    assert policies.for_user("U2").limited
