"""Accounting exports from the published marts: SIE4 vouchers, the VAT return, sales sheets.

Every export reads only `serving.duckdb` (read-only), so it never competes with a running
build and always sees one consistent publish.
"""
