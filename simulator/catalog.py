"""The static shape of the synthetic chain: countries, sites, stores, registers, staff,
product groups with dated VAT, payment types and the product catalogue.

Everything is derived from the seed with one `random.Random`, in a fixed order, so two
catalogues built from equal configs are identical.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date

from simulator.config import ChainConfig


def make_guid(rng: random.Random) -> str:
    """A Sitoo-style GUID: upper case with braces, e.g. `{3CCB9848-155A-49E1-7CA8-5F7F78FC3067}`."""
    return "{" + str(uuid.UUID(int=rng.getrandbits(128))).upper() + "}"


@dataclass(frozen=True)
class PaymentType:
    paymenttypeid: int
    paymentmethodid: int
    name: str
    externalid: str
    sortorder: int


@dataclass(frozen=True)
class Country:
    code: str
    eshopid: int
    site_name: str
    server: str
    currency: str
    tz: str
    cash_unit: int
    """Smallest cash coin in minor units: whole krona/krone, 5 euro cents."""
    company: str
    companyid: str
    receipt_language: str
    payment_types: tuple[PaymentType, ...]
    mobile_payment: str
    """Name of the country's mobile payment (Swish, Vipps, MobilePay)."""


# VAT schedules per product-group kind: (first valid date, rate in basis points), ascending.
VatSchedule = tuple[tuple[date, int], ...]
VAT_SCHEDULES: dict[str, dict[str, VatSchedule]] = {
    "SE": {
        "standard": ((date(1990, 1, 1), 2500),),
        "food": ((date(1990, 1, 1), 1200), (date(2026, 4, 1), 600)),
        "books": ((date(1990, 1, 1), 600),),
        "giftcard": ((date(1990, 1, 1), 0),),
        "service": ((date(1990, 1, 1), 2500),),
    },
    "NO": {
        "standard": ((date(1990, 1, 1), 2500),),
        "food": ((date(1990, 1, 1), 1500),),
        "books": ((date(1990, 1, 1), 0),),
        "giftcard": ((date(1990, 1, 1), 0),),
        "service": ((date(1990, 1, 1), 2500),),
    },
    "FI": {
        "standard": ((date(1990, 1, 1), 2400), (date(2024, 9, 1), 2550)),
        "food": ((date(1990, 1, 1), 1400), (date(2026, 1, 1), 1350)),
        "books": ((date(1990, 1, 1), 1000), (date(2025, 1, 1), 1400)),
        "giftcard": ((date(1990, 1, 1), 0),),
        "service": ((date(1990, 1, 1), 2400), (date(2024, 9, 1), 2550)),
    },
}


def vat_rate_bp(country: str, kind: str, on: date) -> int:
    """The VAT rate (basis points) of a product-group kind in a country on a given day."""
    rate = VAT_SCHEDULES[country][kind][0][1]
    for valid_from, bp in VAT_SCHEDULES[country][kind]:
        if on >= valid_from:
            rate = bp
    return rate


def _payment_types(mobile_name: str, mobile_method: int) -> tuple[PaymentType, ...]:
    return (
        PaymentType(1, 210, "Card", "CARD", 10),
        PaymentType(2, 100, "Cash", "CASH", 20),
        PaymentType(3, mobile_method, mobile_name, mobile_name.upper(), 30),
        PaymentType(4, 500, "Gift card", "GIFT_CARD", 40),
        PaymentType(5, 600, "Invoice", "INVOICE", 50),
    )


COUNTRIES: tuple[Country, ...] = (
    Country(
        "SE",
        1,
        "Nordlys Sverige",
        "nordlys.se",
        "SEK",
        "Europe/Stockholm",
        100,
        "Nordlys Retail AB",
        "556677-8899",
        "sv",
        _payment_types("Swish", 710),
        "Swish",
    ),
    Country(
        "NO",
        2,
        "Nordlys Norge",
        "nordlys.no",
        "NOK",
        "Europe/Oslo",
        100,
        "Nordlys Retail Norge AS",
        "987654321",
        "nb",
        _payment_types("Vipps", 800),
        "Vipps",
    ),
    Country(
        "FI",
        3,
        "Nordlys Suomi",
        "nordlys.fi",
        "EUR",
        "Europe/Helsinki",
        5,
        "Nordlys Retail Oy",
        "2345678-9",
        "fi",
        _payment_types("MobilePay", 800),
        "MobilePay",
    ),
)
COUNTRY_BY_CODE = {c.code: c for c in COUNTRIES}

# (country, city, street, zip, latitude, longitude, size): the order stores are opened in.
STORE_SITES: tuple[tuple[str, str, str, str, str, str, int], ...] = (
    ("SE", "Stockholm", "Drottninggatan 45", "111 21", "59.3326", "18.0649", 4),
    ("SE", "Göteborg", "Nordstadstorget 3", "411 05", "57.7089", "11.9746", 3),
    ("NO", "Oslo", "Karl Johans gate 22", "0159", "59.9133", "10.7389", 3),
    ("FI", "Helsinki", "Aleksanterinkatu 19", "00100", "60.1686", "24.9460", 3),
    ("SE", "Malmö", "Södra Förstadsgatan 12", "211 43", "55.5995", "13.0007", 2),
    ("SE", "Uppsala", "Kungsängsgatan 8", "753 22", "59.8586", "17.6389", 2),
    ("NO", "Bergen", "Strandgaten 59", "5004", "60.3929", "5.3241", 2),
    ("FI", "Tampere", "Hämeenkatu 10", "33100", "61.4981", "23.7610", 2),
    ("SE", "Linköping", "Ågatan 31", "582 22", "58.4108", "15.6214", 1),
    ("SE", "Örebro", "Drottninggatan 17", "702 10", "59.2741", "15.2066", 1),
    ("NO", "Trondheim", "Nordre gate 11", "7011", "63.4305", "10.3951", 1),
    ("FI", "Turku", "Yliopistonkatu 22", "20100", "60.4518", "22.2666", 1),
    ("SE", "Västerås", "Stora gatan 30", "722 12", "59.6099", "16.5448", 1),
    ("SE", "Helsingborg", "Kullagatan 21", "252 20", "56.0465", "12.6945", 1),
    ("SE", "Jönköping", "Östra Storgatan 9", "553 21", "57.7826", "14.1618", 1),
)

FIRST_NAMES = (
    "Anna",
    "Erik",
    "Sofia",
    "Lars",
    "Maja",
    "Johan",
    "Elin",
    "Oskar",
    "Ida",
    "Nils",
    "Ingrid",
    "Ola",
    "Kari",
    "Aino",
    "Mikko",
    "Emma",
    "Jukka",
    "Åsa",
    "Björn",
    "Sanna",
)
LAST_NAMES = (
    "Andersson",
    "Berg",
    "Lindqvist",
    "Nilsson",
    "Hansen",
    "Johansen",
    "Virtanen",
    "Korhonen",
    "Ström",
    "Ek",
    "Sjöberg",
    "Dahl",
    "Lehtonen",
    "Öberg",
    "Bakke",
)


@dataclass(frozen=True)
class Register:
    registerid: str
    registernumber: int
    registerkey: str
    manufacturerid: str
    storeid: int
    warehouseid: int
    eshopid: int


@dataclass(frozen=True)
class Staff:
    userid: str
    externalid: str
    namefirst: str
    namelast: str
    email: str
    storeid: int
    role: int
    datecreated: int

    @property
    def name(self) -> str:
        return f"{self.namefirst} {self.namelast}"


@dataclass(frozen=True)
class Store:
    storeid: int
    country: Country
    externalid: str
    name: str
    city: str
    address: str
    zip: str
    latitude: str
    longitude: str
    size: int
    warehouseid: int
    registers: tuple[Register, ...]
    staff: tuple[Staff, ...]

    @property
    def eshopid(self) -> int:
        return self.country.eshopid


@dataclass(frozen=True)
class Warehouse:
    warehouseid: int
    eshopid: int
    storeid: int | None
    name: str
    externalid: str
    currency: str
    country: str
    address: str
    zip: str
    city: str


@dataclass(frozen=True)
class ProductGroup:
    index: int
    """Position 0..14; the `vatid` is `index + 2` (Sitoo's default group has vatid 2)."""
    name: str
    kind: str
    productgrouptype: int
    weight: float
    price_range: tuple[int, int]
    """Typical gross SEK price range in whole kronor."""
    code: str

    @property
    def vatid(self) -> int:
        return self.index + 2


PRODUCT_GROUPS: tuple[ProductGroup, ...] = (
    ProductGroup(0, "Women's Clothing", "standard", 10, 0.20, (199, 1499), "WC"),
    ProductGroup(1, "Men's Clothing", "standard", 10, 0.15, (199, 1599), "MC"),
    ProductGroup(2, "Kids' Clothing", "standard", 10, 0.07, (99, 599), "KC"),
    ProductGroup(3, "Shoes", "standard", 10, 0.08, (399, 1899), "SH"),
    ProductGroup(4, "Accessories", "standard", 10, 0.10, (49, 399), "AC"),
    ProductGroup(5, "Bags", "standard", 10, 0.04, (249, 1999), "BG"),
    ProductGroup(6, "Jewellery", "standard", 10, 0.04, (99, 899), "JW"),
    ProductGroup(7, "Beauty", "standard", 10, 0.07, (59, 499), "BE"),
    ProductGroup(8, "Home Textiles", "standard", 10, 0.05, (99, 799), "HT"),
    ProductGroup(9, "Home Decor", "standard", 10, 0.05, (49, 999), "HD"),
    ProductGroup(10, "Sweets & Snacks", "food", 10, 0.06, (19, 89), "SW"),
    ProductGroup(11, "Coffee & Tea", "food", 10, 0.04, (39, 149), "CT"),
    ProductGroup(12, "Books & Magazines", "books", 10, 0.03, (49, 349), "BK"),
    ProductGroup(13, "Gift Cards", "giftcard", 30, 0.015, (250, 1000), "GC"),
    ProductGroup(14, "Alterations", "service", 20, 0.005, (99, 399), "AL"),
)

PRODUCT_NOUNS: dict[str, tuple[str, ...]] = {
    "WC": ("Wrap Dress", "Linen Blouse", "Wool Skirt", "Knit Cardigan", "Trench Coat"),
    "MC": ("Oxford Shirt", "Chinos", "Merino Sweater", "Denim Jacket", "Slim Jeans"),
    "KC": ("Kids Hoodie", "Kids Leggings", "Rain Jacket", "Kids T-shirt"),
    "SH": ("Leather Boot", "Canvas Sneaker", "Loafer", "Sandal"),
    "AC": ("Wool Scarf", "Beanie", "Leather Belt", "Socks 3-pack", "Gloves"),
    "BG": ("Tote Bag", "Backpack", "Crossbody Bag", "Weekend Bag"),
    "JW": ("Silver Ring", "Hoop Earrings", "Pendant Necklace", "Bracelet"),
    "BE": ("Hand Cream", "Lip Balm", "Body Lotion", "Shampoo", "Perfume"),
    "HT": ("Linen Towel", "Throw Blanket", "Cushion Cover", "Bed Linen"),
    "HD": ("Scented Candle", "Ceramic Vase", "Photo Frame", "Serving Bowl"),
    "SW": ("Licorice", "Chocolate Bar", "Sea Salt Crisps", "Cinnamon Bun"),
    "CT": ("Dark Roast Coffee", "Green Tea", "Chai Blend", "Filter Coffee"),
    "BK": ("Cookbook", "Travel Guide", "Design Magazine", "Novel"),
    "AL": ("Hemming", "Sleeve Shortening", "Zip Replacement", "Tailoring"),
}
COLOURS = ("Black", "White", "Navy", "Grey", "Beige", "Red", "Green", "Blue", "Pink", "Brown")
SIZES = ("XS", "S", "M", "L", "XL")
# Whole-kronor price points ending in 9, the way Nordic shops price.
_PRICE_ENDINGS = (9, 49, 99)


@dataclass(frozen=True)
class Product:
    productid: int
    sku: str
    title: str
    group: ProductGroup
    attributes: str
    price: dict[str, int]
    """Gross (VAT-inclusive) unit price in minor units per currency."""
    pricein: dict[str, int]
    """Net purchase price in minor units per currency; 0 where unknown."""
    barcode: str
    datecreated: int


@dataclass(frozen=True)
class Catalog:
    """The whole static chain, built once per seed."""

    config: ChainConfig
    countries: tuple[Country, ...]
    stores: tuple[Store, ...]
    warehouses: tuple[Warehouse, ...]
    central_warehouse: Warehouse
    registers: tuple[Register, ...]
    staff: tuple[Staff, ...]
    customers: tuple[Staff, ...]
    products: tuple[Product, ...]
    products_by_group: dict[int, tuple[Product, ...]]

    def store(self, storeid: int) -> Store:
        return self.stores[storeid - 1]

    def stores_in(self, country: str) -> tuple[Store, ...]:
        return tuple(s for s in self.stores if s.country.code == country)


def _round_price(kronor: float) -> int:
    """Snap a price to a shop-like ending (…9, …49, …99 kronor), in minor units."""
    base = int(kronor)
    if base < 100:
        return (base // 10 * 10 + 9) * 100
    ending = min(_PRICE_ENDINGS, key=lambda e: abs((base // 100 * 100 + e) - base))
    return (base // 100 * 100 + ending) * 100


def _euro_price(sek_minor: int) -> int:
    """Convert a SEK price to a euro price ending in .90 or .95."""
    euros = sek_minor / 100 / 11.4
    whole = max(int(euros), 1)
    return whole * 100 + (95 if whole < 20 else 90)


def build_catalog(config: ChainConfig) -> Catalog:
    """Build the chain's static data from the seed."""
    rng = random.Random(f"catalog:{config.seed}")
    account = config.account_id

    stores: list[Store] = []
    warehouses: list[Warehouse] = []
    registers: list[Register] = []
    staff: list[Staff] = []
    register_number = 0
    per_country: dict[str, int] = {}
    created = 1_600_000_000
    for storeid in range(1, config.stores + 1):
        code, city, street, zipcode, lat, lon, size = STORE_SITES[(storeid - 1) % len(STORE_SITES)]
        if storeid > len(STORE_SITES):
            city = f"{city} {storeid // len(STORE_SITES) + 1}"
        country = COUNTRY_BY_CODE[code]
        per_country[code] = per_country.get(code, 0) + 1
        externalid = f"{code}-{city[:3].upper().replace('Ö', 'O').replace('Ä', 'A')}-{storeid:02d}"
        warehouseid = storeid
        store_registers: list[Register] = []
        for _ in range(min(size, 4)):
            register_number += 1
            guid = make_guid(rng)
            store_registers.append(
                Register(
                    registerid=guid,
                    registernumber=register_number,
                    registerkey=f"SI{code[0]}{account:010d}{register_number:03d}",
                    manufacturerid="SITOO" + guid.strip("{}").replace("-", ""),
                    storeid=storeid,
                    warehouseid=warehouseid,
                    eshopid=country.eshopid,
                )
            )
        store_staff: list[Staff] = []
        for n in range(2 + 2 * size):
            first = FIRST_NAMES[rng.randrange(len(FIRST_NAMES))]
            last = LAST_NAMES[rng.randrange(len(LAST_NAMES))]
            ext = f"E{storeid:02d}{n + 1:02d}"
            store_staff.append(
                Staff(
                    userid=make_guid(rng),
                    externalid=ext,
                    namefirst=first,
                    namelast=last,
                    email=f"{ext.lower()}@nordlys.example",
                    storeid=storeid,
                    role=20 if n == 0 else 30,
                    datecreated=created + storeid * 86_400 + n * 3_600,
                )
            )
        name = f"Nordlys {city}"
        stores.append(
            Store(
                storeid,
                country,
                externalid,
                name,
                city,
                street,
                zipcode,
                lat,
                lon,
                size,
                warehouseid,
                tuple(store_registers),
                tuple(store_staff),
            )
        )
        warehouses.append(
            Warehouse(
                warehouseid,
                country.eshopid,
                storeid,
                f"{name} Store",
                f"WH-{externalid}",
                country.currency,
                code.lower(),
                street,
                zipcode,
                city,
            )
        )
        registers.extend(store_registers)
        staff.extend(store_staff)

    central = Warehouse(
        config.stores + 1,
        1,
        None,
        "Central Warehouse",
        "DC-01",
        "SEK",
        "se",
        "Lagervägen 4",
        "136 50",
        "Haninge",
    )
    warehouses.append(central)

    customers = tuple(
        Staff(
            make_guid(rng),
            "",
            FIRST_NAMES[i % 20],
            LAST_NAMES[i % 15],
            f"customer{i + 1}@example.com",
            0,
            0,
            created + i * 7_200,
        )
        for i in range(25)
    )

    products: list[Product] = []
    by_group: dict[int, list[Product]] = {g.index: [] for g in PRODUCT_GROUPS}
    fixed = {13: 3, 14: 4}  # gift cards and alteration services are a handful of items
    remaining = config.products - sum(fixed.values())
    weight_total = sum(g.weight for g in PRODUCT_GROUPS if g.index not in fixed)
    counts = {
        g.index: fixed.get(g.index, max(1, round(remaining * g.weight / weight_total)))
        for g in PRODUCT_GROUPS
    }
    counts[0] += config.products - sum(counts.values())
    productid = 0
    for group in PRODUCT_GROUPS:
        for n in range(counts[group.index]):
            productid += 1
            if group.kind == "giftcard":
                sek = (250, 500, 1000)[n % 3] * 100
                title = f"Gift card {sek // 100} kr"
                attributes = ""
                sku = f"GC-{sek // 100}"
            else:
                low, high = group.price_range
                sek = _round_price(rng.uniform(low, high))
                model = 100 + n // 5
                colour = COLOURS[rng.randrange(len(COLOURS))]
                if group.index <= 3:
                    size_label = SIZES[n % 5]
                    attributes = f"Color: {colour}, Size: {size_label}"
                    sku = f"{group.code}-{model}-{colour[:3].upper()}-{size_label}"
                else:
                    attributes = f"Color: {colour}" if group.kind == "standard" else ""
                    sku = f"{group.code}-{model}-{n % 5 + 1:02d}"
                nouns = PRODUCT_NOUNS[group.code]
                title = f"{nouns[model % len(nouns)]} {model}"
            prices = {"SEK": sek, "NOK": sek, "EUR": _euro_price(sek)}
            if group.kind == "giftcard":
                prices = {"SEK": sek, "NOK": sek, "EUR": sek // 10}
            margin = rng.uniform(0.30, 0.48)
            has_cost = group.kind not in ("giftcard", "service") and rng.random() > 0.04
            pricein = {
                cur: (int(p / (1.25) * margin) if has_cost else 0) for cur, p in prices.items()
            }
            product = Product(
                productid=productid,
                sku=sku,
                title=title,
                group=group,
                attributes=attributes,
                price=prices,
                pricein=pricein,
                barcode=f"73{productid:011d}",
                datecreated=created + productid * 600,
            )
            products.append(product)
            by_group[group.index].append(product)

    return Catalog(
        config=config,
        countries=COUNTRIES,
        stores=tuple(stores),
        warehouses=tuple(warehouses),
        central_warehouse=central,
        registers=tuple(registers),
        staff=tuple(staff),
        customers=customers,
        products=tuple(products),
        products_by_group={k: tuple(v) for k, v in by_group.items()},
    )
