"""Small reshapes of query results that keep Decimal money exact."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd


def wide(df: pd.DataFrame, index: str, columns: str, values: str) -> pd.DataFrame:
    """One row per `index` and one column per value of `columns`, missing cells Decimal 0."""
    rows: dict[object, dict[str, Decimal]] = {}
    names: list[str] = []
    for record in df.to_dict("records"):
        name = str(record[columns])
        if name not in names:
            names.append(name)
        cells = rows.setdefault(record[index], {})
        cells[name] = cells.get(name, Decimal(0)) + Decimal(record[values])
    names.sort()
    return pd.DataFrame.from_records(
        [
            {index: key, **{n: cells.get(n, Decimal(0)) for n in names}}
            for key, cells in rows.items()
        ],
        columns=[index, *names],
    )
