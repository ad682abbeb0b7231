"""Typed errors of the exports; the CLI prints them, the dashboard shows them."""

from __future__ import annotations


class ExportError(Exception):
    """An export cannot be produced as asked; the message says what to change."""


class MappingError(ExportError):
    """The mapping file is malformed, or it does not cover what the data needs."""


class UnmappedError(MappingError):
    """A payment method or VAT rate in the data has no account; naming it beats a silently
    unbalanced voucher."""
