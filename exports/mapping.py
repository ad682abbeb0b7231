"""The mapping file: which account each payment method and VAT rate is booked on.

Accounts differ per company (card settlements, Swish, gift cards), so they live in a TOML file
the bookkeeper edits rather than in code. The shipped defaults are BAS accounts; `sitoo-wh
export mapping --out FILE` writes them out as a starting point.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any, Final

from exports.errors import MappingError, UnmappedError

DEFAULT_FILE: Final = "default_mapping.toml"
_SECTIONS: Final = {"company", "voucher", "accounts", "account_names", "cost_centres"}
_ACCOUNT_KEYS: Final = {"rounding", "cash_difference", "payments", "sales", "output_vat"}


@dataclass(frozen=True)
class Mapping:
    """Accounts, names, voucher series and cost centres for the SIE4 export."""

    payments: dict[str, int]
    sales: dict[Decimal, int]
    output_vat: dict[Decimal, int]
    rounding: int
    cash_difference: int
    account_names: dict[int, str]
    series: str = "K"
    cash_method: str = "Cash"
    company_name: str = ""
    org_number: str = ""
    fiscal_year_start_month: int = 1
    cost_centres: dict[str, str] = field(default_factory=dict)
    source: str = "default mapping"

    def payment_account(self, method: str) -> int:
        try:
            return self.payments[method]
        except KeyError:
            raise UnmappedError(
                f"payment method {method!r} has no account in the {self.source} "
                f'(add it under [accounts.payments], e.g. "{method}" = 1580)'
            ) from None

    def sales_account(self, rate: Decimal) -> int:
        try:
            return self.sales[rate]
        except KeyError:
            raise UnmappedError(
                f"VAT rate {rate_text(rate)} % has no sales account in the {self.source} "
                f'(add it under [accounts.sales], e.g. "{rate_text(rate)}" = 3001)'
            ) from None

    def output_vat_account(self, rate: Decimal) -> int:
        try:
            return self.output_vat[rate]
        except KeyError:
            raise UnmappedError(
                f"VAT rate {rate_text(rate)} % has no output VAT account in the {self.source} "
                f'(add it under [accounts.output_vat], e.g. "{rate_text(rate)}" = 2611)'
            ) from None

    def cost_centre(self, store_external_id: str) -> str:
        return self.cost_centres.get(store_external_id, store_external_id)

    def account_name(self, account: int) -> str:
        return self.account_names.get(account, f"Konto {account}")


def rate_text(rate: Decimal) -> str:
    """25.00 -> '25', 13.50 -> '13.5' (how people write rates)."""
    return f"{rate.normalize():f}"


def default_text() -> str:
    """The shipped default mapping file, comments included."""
    return resources.files("exports").joinpath(DEFAULT_FILE).read_text(encoding="utf-8")


def default() -> Mapping:
    return parse(default_text(), "default mapping")


def load(path: Path | None) -> Mapping:
    """The mapping in `path`, or the defaults when no file is given."""
    if path is None:
        return default()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise MappingError(f"cannot read mapping file {path}: {err.strerror or err}") from err
    except UnicodeDecodeError as err:
        raise MappingError(f"mapping file {path} is not UTF-8: {err}") from err
    return parse(text, f"mapping file {path}")


def parse(text: str, source: str) -> Mapping:
    """Validate everything up front, so a typo fails before any file is written."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise MappingError(f"{source} is not valid TOML: {err}") from err
    _only(doc, _SECTIONS, source, "")
    company = _table(doc, "company", source)
    voucher = _table(doc, "voucher", source)
    accounts = _table(doc, "accounts", source)
    _only(accounts, _ACCOUNT_KEYS, source, "accounts.")
    _only(company, {"name", "org_number", "fiscal_year_start_month"}, source, "company.")
    _only(voucher, {"series", "cash_method"}, source, "voucher.")
    payments = {
        _text(k, source, "accounts.payments"): _account(v, source, f"accounts.payments.{k}")
        for k, v in _table(accounts, "payments", source, "accounts.").items()
    }
    sales = _by_rate(_table(accounts, "sales", source, "accounts."), source, "accounts.sales")
    output_vat = _by_rate(
        _table(accounts, "output_vat", source, "accounts."), source, "accounts.output_vat"
    )
    names: dict[int, str] = {}
    for key, value in _table(doc, "account_names", source).items():
        names[_account(_int_key(key, source), source, f"account_names.{key}")] = _text(
            value, source, f"account_names.{key}"
        )
    cost_centres = {
        str(k): _text(v, source, f"cost_centres.{k}")
        for k, v in _table(doc, "cost_centres", source).items()
    }
    month = company.get("fiscal_year_start_month", 1)
    if not isinstance(month, int) or isinstance(month, bool) or not 1 <= month <= 12:
        raise MappingError(f"{source}: company.fiscal_year_start_month must be 1–12, not {month!r}")
    series = _text(voucher.get("series", "K"), source, "voucher.series")
    if not series:
        raise MappingError(f"{source}: voucher.series must not be empty")
    for key in ("rounding", "cash_difference"):
        if key not in accounts:
            raise MappingError(f"{source}: accounts.{key} is missing")
    return Mapping(
        payments=payments,
        sales=sales,
        output_vat=output_vat,
        rounding=_account(accounts["rounding"], source, "accounts.rounding"),
        cash_difference=_account(accounts["cash_difference"], source, "accounts.cash_difference"),
        account_names=names,
        series=series,
        cash_method=_text(voucher.get("cash_method", "Cash"), source, "voucher.cash_method"),
        company_name=_text(company.get("name", ""), source, "company.name"),
        org_number=_text(company.get("org_number", ""), source, "company.org_number"),
        fiscal_year_start_month=month,
        cost_centres=cost_centres,
        source=source,
    )


def _only(table: dict[str, Any], allowed: set[str], source: str, prefix: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise MappingError(
            f"{source}: unknown key {prefix}{unknown[0]} (expected one of "
            f"{', '.join(prefix + a for a in sorted(allowed))})"
        )


def _table(doc: dict[str, Any], key: str, source: str, prefix: str = "") -> dict[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        raise MappingError(f"{source}: {prefix}{key} must be a table")
    return value


def _text(value: object, source: str, where: str) -> str:
    if not isinstance(value, str):
        raise MappingError(f"{source}: {where} must be a string, not {value!r}")
    return value


def _int_key(key: str, source: str) -> int:
    try:
        return int(key)
    except ValueError:
        raise MappingError(
            f"{source}: account_names key {key!r} is not an account number"
        ) from None


def _account(value: object, source: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1000 <= value <= 9999:
        raise MappingError(f"{source}: {where} must be a four-digit account number, not {value!r}")
    return value


def _by_rate(table: dict[str, Any], source: str, where: str) -> dict[Decimal, int]:
    out: dict[Decimal, int] = {}
    for key, value in table.items():
        try:
            rate = Decimal(key)
        except InvalidOperation:
            raise MappingError(f"{source}: {where} key {key!r} is not a VAT rate") from None
        if not rate.is_finite() or rate < 0 or rate >= 100:
            raise MappingError(f"{source}: {where} key {key!r} is not a VAT rate")
        out[rate] = _account(value, source, f"{where}.{key}")
    return out
