"""A preview of the VAT return from the takings per VAT rate.

For SEK the rows carry the Swedish return's boxes (Skatteverket's momsdeklaration): box 05
the taxable turnover, 10/11/12 the output VAT at 25/12/6 %, 42 the turnover at 0 %. Input VAT
(box 48) comes from purchases, which the POS does not know, so box 49 here is output VAT only.
Other currencies get the same per-rate figures without box numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

import pandas as pd

SWEDISH_OUTPUT_VAT_BOX: Final = {Decimal(25): "10", Decimal(12): "11", Decimal(6): "12"}


@dataclass(frozen=True)
class ReturnLine:
    box: str
    label: str
    amount: Decimal


def preview(by_rate: pd.DataFrame, currency: str) -> list[ReturnLine]:
    """The return's lines from rows of (vat_rate, net_amount, vat_amount)."""
    zero = Decimal(0)
    rates = [
        (Decimal(r["vat_rate"]), Decimal(r["net_amount"] or zero), Decimal(r["vat_amount"] or zero))
        for r in by_rate.to_dict("records")
    ]
    swedish = currency == "SEK"
    taxable = sum((net for rate, net, _ in rates if rate > 0), zero)
    exempt = sum((net for rate, net, _ in rates if rate == 0), zero)
    lines = [ReturnLine("05" if swedish else "", "Taxable turnover excluding VAT", taxable)]
    for rate, _net, vat in sorted(rates, key=lambda r: r[0], reverse=True):
        if rate > 0:
            box = SWEDISH_OUTPUT_VAT_BOX.get(rate, "?") if swedish else ""
            lines.append(ReturnLine(box, f"Output VAT {rate.normalize():f} %", vat))
    if exempt:
        lines.append(ReturnLine("42" if swedish else "", "Turnover at 0 % VAT", exempt))
    output_vat = sum((vat for _, _, vat in rates), zero)
    lines.append(ReturnLine("49" if swedish else "", "VAT to pay before input VAT", output_vat))
    return lines


def as_frame(lines: list[ReturnLine]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "box": [ln.box for ln in lines],
            "line": [ln.label for ln in lines],
            "amount": [ln.amount for ln in lines],
        }
    )
