"""Metric definitions are checked before anything reaches Sitoo (metrics are immutable)."""

from __future__ import annotations

from pathlib import Path

import pytest

from metrics.definitions import BUILT_INS, DefinitionError, combine, load_file, parse, select

QUERY = "SELECT business_date, store_external_id, 1 FROM marts.fct_sales_daily"


def entry(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "key": "cm_x",
        "grouping": "date_store",
        "type": "scalar",
        "format": "number",
        "query": QUERY,
    }
    base.update(fields)
    return base


def test_built_ins_are_the_issue_list_and_valid_for_sitoo() -> None:
    keys = [d.key for d in BUILT_INS]
    assert keys == [
        "cm_budget_net_sales",
        "cm_budget_attainment",
        "cm_gross_margin_pct",
        "cm_avg_transaction_value",
        "cm_units_per_transaction",
        "cm_top_product_groups",
    ]
    assert [d.key for d in BUILT_INS if d.needs_budget] == keys[:2]
    assert {d.key: d.remote()["format"] for d in BUILT_INS}["cm_budget_net_sales"] == "money"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"key": "revenue"}, "key must start with 'cm_'"),
        ({"key": "cm_bad-key"}, "key must start with 'cm_'"),
        ({"grouping": "week"}, "grouping must be one of none, date, store, date_store"),
        ({"type": "list"}, "type must be one of scalar, series"),
        ({"format": "currency"}, "format must be one of number, integer, money, percent"),
        ({"query": " "}, "query must be a non-empty SQL string"),
        ({"format": "money", "decimals": 3}, "money has exactly two decimals"),
        ({"decimals": 9}, "decimals must be a whole number from 0 to 6"),
        ({"colour": "red"}, "unknown fields colour"),
    ],
)
def test_bad_definitions_are_refused_naming_the_entry(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(DefinitionError, match=r"metrics\.toml, metric 1") as info:
        parse({"metric": [entry(**fields)]}, source="metrics.toml")
    assert message in str(info.value)


def test_a_file_defines_new_metrics_and_replaces_built_ins(tmp_path: Path) -> None:
    path = tmp_path / "metrics.toml"
    path.write_text(
        '[[metric]]\nkey = "cm_net"\ngrouping = "date_store"\ntype = "scalar"\n'
        'format = "money"\nquery = "SELECT 1"\n\n'
        '[[metric]]\nkey = "cm_gross_margin_pct"\ngrouping = "date_store"\ntype = "scalar"\n'
        'format = "percent"\ndecimals = 1\nquery = "SELECT 2"\n',
        encoding="utf-8",
    )
    merged = {d.key: d for d in combine(load_file(path))}
    assert merged["cm_net"].decimals == 2
    assert merged["cm_gross_margin_pct"].decimals == 1
    assert len(merged) == len(BUILT_INS) + 1


def test_duplicate_keys_and_unknown_selections_are_errors() -> None:
    with pytest.raises(DefinitionError, match="cm_x is defined twice"):
        parse({"metric": [entry(), entry()]})
    with pytest.raises(DefinitionError, match="unknown metric cm_nope"):
        select(list(BUILT_INS), ["cm_nope"])


def test_a_file_that_is_not_toml_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text("[[metric]\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match="not valid TOML"):
        load_file(path)
