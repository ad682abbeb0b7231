"""Z-report reconciliation reshaped for people: a status per register and day, the figures
that differ for one Z-report, the payment differences and the till count.

rpt_zreport_reconciliation holds each figure three times: `zreport_<m>`, `orders_<m>` and
`journal_<m>` (the journal lacks a few). The drill-down puts them side by side. The till count
(`cash_expected_amount`, `cash_counted_amount`, `cash_difference_amount` = counted − expected)
is the Z-report's own: orders and journal know nothing of it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

import pandas as pd

from dashboards.lib import formatting

FIGURES: Final = (
    ("sales_gross_amount", "Sales incl. VAT"),
    ("sales_net_amount", "Sales excl. VAT"),
    ("refund_gross_amount", "Refunds incl. VAT"),
    ("refund_net_amount", "Refunds excl. VAT"),
    ("net_amount", "Net takings excl. VAT"),
    ("vat_amount", "VAT"),
    ("rounding_amount", "Cash rounding"),
    ("payments_amount", "Payments"),
    ("practice_amount", "Practice receipts"),
    ("sales_count", "Sale receipts"),
    ("refund_count", "Refund receipts"),
    ("practice_count", "Practice receipts (count)"),
)
SOURCES: Final = ("zreport", "orders", "journal")


def missing(value: object) -> bool:
    """None, or the NaN pandas puts where a row has no value."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def figures(row: Mapping[str, Any], *, counts: bool = False) -> pd.DataFrame:
    """One Z-report's amounts (or, with `counts`, receipt counts) per source and the
    differences to the Z-report."""
    records = []
    for measure, label in FIGURES:
        if measure.endswith("_count") != counts:
            continue
        values = {s: row.get(f"{s}_{measure}") for s in SOURCES}
        z = values["zreport"]

        def minus(other: Any, z: Any = z) -> Any:
            return None if missing(other) or missing(z) else other - z

        records.append(
            {
                "figure": label,
                "z_report": z,
                "orders": values["orders"],
                "journal": values["journal"],
                "orders_minus_z": minus(values["orders"]),
                "journal_minus_z": minus(values["journal"]),
            }
        )
    out = pd.DataFrame.from_records(records)
    out["agrees"] = [
        all(d is None or d == 0 for d in (a, b))
        for a, b in zip(out["orders_minus_z"], out["journal_minus_z"], strict=True)
    ]
    return out


def daily_status(zreports: pd.DataFrame) -> pd.DataFrame:
    """Per business date and register: number of Z-reports and mismatch if any disagrees."""
    if zreports.empty:
        return pd.DataFrame(columns=["business_date", "store", "register", "zreports", "status"])
    grouped = zreports.groupby(["business_date", "store", "register"], as_index=False).agg(
        zreports=("zreport_id", "count"),
        mismatches=("status", lambda s: int((s == "mismatch").sum())),
    )
    grouped["status"] = ["mismatch" if m else "ok" for m in grouped["mismatches"]]
    return grouped.drop(columns="mismatches")


PAYMENT_COLUMNS: Final = (
    "business_date",
    "store",
    "register",
    "zreport_id",
    "zreport_payments_amount",
    "orders_payments_amount",
    "journal_payments_amount",
    "orders_payments_difference",
    "journal_payments_difference",
    "orders_rounding_difference",
    "journal_rounding_difference",
    "payment_methods_mismatched",
)


def _differs(value: object) -> bool:
    return not missing(value) and value != Decimal(0)


def payment_differences(zreports: pd.DataFrame) -> pd.DataFrame:
    """The Z-reports whose payments or rounding differ from orders or journal."""
    if zreports.empty:
        return zreports.reindex(columns=list(PAYMENT_COLUMNS))
    diff_columns = [c for c in PAYMENT_COLUMNS if c.endswith("_difference")]
    mask = zreports["payment_methods_mismatched"].fillna(0) > 0
    for column in diff_columns:
        mask |= zreports[column].map(_differs)
    return zreports.loc[mask, list(PAYMENT_COLUMNS)].reset_index(drop=True)


def label(row: Mapping[str, Any]) -> str:
    """How a Z-report is named in the drill-down picker."""
    return f"{row['business_date']} · {row['store']} · {row['register']} · Z {row['zreport_id']} · {row['status']}"


def total(df: pd.DataFrame, column: str) -> Decimal | None:
    """The sum of a money column, skipping missing values; None when every value is missing
    (a Z-report without a till count), so it shows as a dash rather than 0.00."""
    values = [v for v in df[column] if not missing(v)] if column in df.columns else []
    return sum(values, start=Decimal(0)) if values else None


def till_count(row: Mapping[str, Any], currency: str) -> str:
    """One Z-report's till count in a sentence for the drill-down."""
    expected, counted, difference = (
        None if missing(row.get(c)) else row.get(c)
        for c in ("cash_expected_amount", "cash_counted_amount", "cash_difference_amount")
    )
    if expected is None and counted is None and difference is None:
        return "Till count: none on this Z-report."
    return (
        f"Till count: expected {formatting.money(expected, currency)} · counted "
        f"{formatting.money(counted, currency)} · difference {formatting.money(difference, currency)}"
    )
