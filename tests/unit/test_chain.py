"""The synthetic chain without HTTP: determinism, dated VAT and Z-report identities."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from simulator.catalog import build_catalog, vat_rate_bp
from simulator.config import ChainConfig
from simulator.world import World

SMALL = ChainConfig(seed=3, stores=3, days=4, products=120, end_date=date(2026, 4, 2))


def test_dated_vat_rates() -> None:
    assert vat_rate_bp("SE", "food", date(2026, 3, 31)) == 1200
    assert vat_rate_bp("SE", "food", date(2026, 4, 1)) == 600
    assert vat_rate_bp("FI", "standard", date(2024, 8, 31)) == 2400
    assert vat_rate_bp("FI", "standard", date(2024, 9, 1)) == 2550
    assert vat_rate_bp("NO", "books", date(2026, 1, 1)) == 0


def test_catalog_is_deterministic_and_seed_dependent() -> None:
    a = build_catalog(SMALL)
    b = build_catalog(SMALL)
    c = build_catalog(ChainConfig(seed=4, stores=3, days=4, products=120))
    assert [r.registerid for r in a.registers] == [r.registerid for r in b.registers]
    assert [r.registerid for r in a.registers] != [r.registerid for r in c.registers]
    assert len({p.sku for p in a.products}) == len(a.products) == 120


def test_world_is_byte_identical_for_equal_configs() -> None:
    one, two = World(SMALL), World(SMALL)
    assert len(one.orders) == len(two.orders) > 100
    for x, y in zip(one.orders, two.orders, strict=True):
        assert x.body.render(None) == y.body.render(None)
    assert [z.body.render(None) for z in one.zreports] == [
        z.body.render(None) for z in two.zreports
    ]


def test_zreport_summary_identities_hold() -> None:
    world = World(SMALL)
    assert world.zreports
    for z in (rec.body.doc for rec in world.zreports):
        d = {k: Decimal(v) for k, v in z.items() if isinstance(v, str) and k.startswith("money")}
        label = (z["registerid"], z["zreportid"])
        assert d["moneysummarysubtotal"] == d["moneysummarysales"] - d["moneysummaryrefund"], label
        assert d["moneysummarytotal"] == (
            d["moneysummarysubtotal"] + d["moneysummarysalestax"] + d["moneysummaryroundoff"]
        ), label
        assert sum(Decimal(g["moneytotal"]) for g in z["vatgroupssales"]) == d["moneysalestotal"]
        assert d["moneycash_expected"] == (
            d["moneycash_in"]
            + d["moneycash_salesrefunds"]
            + d["moneycash_petty"]
            + d["moneycash_bank"]
        ), label
        assert z["numreceipts"] == z["numsales"] + z["numrefund"], label


def test_advancing_the_clock_reveals_more_and_reset_restores() -> None:
    world = World(SMALL)
    before = world.summary()
    stats = world.advance(36 * 3600)
    assert stats.orders > 0
    assert stats.zreports > 0
    assert len(world.orders) == before["orders"] + stats.orders
    world.reset()
    assert world.summary() == before
