"""Reshaping for people: the VAT return preview, Z-report drill-down, tables per method,
stream freshness."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pandas as pd

from dashboards.lib import health, shape, vat_return, zreports

BY_RATE = pd.DataFrame.from_records(
    [
        (Decimal("25.00"), Decimal("1000.00"), Decimal("250.00")),
        (Decimal("12.00"), Decimal("100.00"), Decimal("12.00")),
        (Decimal("6.00"), Decimal("50.00"), Decimal("3.00")),
        (Decimal("0.00"), Decimal("20.00"), Decimal("0.00")),
    ],
    columns=["vat_rate", "net_amount", "vat_amount"],
)


def test_the_swedish_vat_return_uses_the_boxes() -> None:
    lines = vat_return.preview(BY_RATE, "SEK")

    assert [(ln.box, ln.amount) for ln in lines] == [
        ("05", Decimal("1150.00")),
        ("10", Decimal("250.00")),
        ("11", Decimal("12.00")),
        ("12", Decimal("3.00")),
        ("42", Decimal("20.00")),
        ("49", Decimal("265.00")),
    ]


def test_other_currencies_get_the_figures_without_swedish_boxes() -> None:
    lines = vat_return.preview(BY_RATE, "NOK")

    assert {ln.box for ln in lines} == {""}
    assert lines[-1].amount == Decimal("265.00")


def test_a_zreport_drill_down_lists_each_figure_per_source() -> None:
    row = {
        "zreport_sales_gross_amount": Decimal("100.00"),
        "orders_sales_gross_amount": Decimal("100.00"),
        "journal_sales_gross_amount": Decimal("90.00"),
        "zreport_sales_net_amount": Decimal("80.00"),
        "orders_sales_net_amount": Decimal("80.00"),
    }

    table = zreports.figures(row).set_index("figure")

    assert table.loc["Sales incl. VAT", "journal_minus_z"] == Decimal("-10.00")
    assert not table.loc["Sales incl. VAT", "agrees"]
    assert table.loc["Sales excl. VAT", "journal"] is None  # the journal has no net figure
    assert table.loc["Sales excl. VAT", "agrees"]
    assert "Sale receipts" not in table.index  # counts are not money: their own table
    counts = zreports.figures({"zreport_sales_count": 24, "orders_sales_count": 23}, counts=True)
    assert counts.set_index("figure").loc["Sale receipts", "orders_minus_z"] == -1


def test_daily_status_is_mismatch_when_any_zreport_of_the_day_disagrees() -> None:
    reports = pd.DataFrame(
        {
            "business_date": [date(2026, 1, 1)] * 3,
            "store": ["A"] * 3,
            "register": ["R1", "R1", "R2"],
            "zreport_id": [1, 2, 7],
            "status": ["ok", "mismatch", "ok"],
        }
    )

    status = zreports.daily_status(reports)

    assert status[["register", "zreports", "status"]].to_dict("records") == [
        {"register": "R1", "zreports": 2, "status": "mismatch"},
        {"register": "R2", "zreports": 1, "status": "ok"},
    ]


def test_payment_differences_keep_only_disagreeing_zreports() -> None:
    base = dict.fromkeys(zreports.PAYMENT_COLUMNS, Decimal(0))
    reports = pd.DataFrame.from_records(
        [
            {**base, "zreport_id": 1, "payment_methods_mismatched": 0},
            {
                **base,
                "zreport_id": 2,
                "payment_methods_mismatched": 0,
                "journal_payments_difference": Decimal("-5.00"),
            },
            {**base, "zreport_id": 3, "payment_methods_mismatched": 1},
        ]
    )

    assert list(zreports.payment_differences(reports)["zreport_id"]) == [2, 3]


def test_wide_keeps_decimals_and_fills_missing_cells_with_zero() -> None:
    long = pd.DataFrame(
        {
            "store": ["A", "A", "B"],
            "payment_method": ["Card", "Cash", "Card"],
            "amount": [Decimal("10.10"), Decimal("5.00"), Decimal("2.20")],
        }
    )

    wide = shape.wide(long, "store", "payment_method", "amount")

    assert wide.to_dict("records") == [
        {"store": "A", "Card": Decimal("10.10"), "Cash": Decimal("5.00")},
        {"store": "B", "Card": Decimal("2.20"), "Cash": Decimal(0)},
    ]


def test_streams_are_fresh_stale_failing_or_never() -> None:
    now = datetime.fromisoformat("2026-11-28T12:00")
    streams = pd.DataFrame(
        {
            "stream": ["orders", "users", "stores", "products"],
            "last_success_utc": [
                datetime.fromisoformat("2026-11-28T06:00"),
                datetime.fromisoformat("2026-11-26T00:00"),
                None,
                datetime.fromisoformat("2026-11-28T06:00"),
            ],
            "last_outcome": ["ok", "ok", "ok", "failed"],
        }
    )

    out = health.freshness(streams, now)

    assert list(out["state"]) == ["fresh", "stale", "never", "failing"]
    assert out["hours_since_success"].iloc[0] == 6.0


def test_a_till_count_total_skips_missing_counts_and_is_none_without_any() -> None:
    cash = pd.DataFrame(
        {"cash_difference_amount": [Decimal("-29.00"), None, Decimal("45.00"), float("nan")]}
    )

    assert zreports.total(cash, "cash_difference_amount") == Decimal("16.00")
    assert zreports.total(cash.iloc[[1, 3]], "cash_difference_amount") is None
    assert zreports.total(cash.iloc[0:0], "cash_difference_amount") is None


def test_the_drill_down_states_the_till_count() -> None:
    row = {
        "cash_expected_amount": Decimal("12791.00"),
        "cash_counted_amount": Decimal("12762.00"),
        "cash_difference_amount": Decimal("-29.00"),
    }

    assert zreports.till_count(row, "SEK") == (
        "Till count: expected 12 791.00 SEK · counted 12 762.00 SEK · difference -29.00 SEK"
    )
    assert zreports.till_count({"cash_expected_amount": float("nan")}, "SEK") == (
        "Till count: none on this Z-report."
    )
