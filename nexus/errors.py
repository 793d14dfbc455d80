"""One error hierarchy for nexus.

Every error a user can cause derives from :class:`NexusError`. Messages name
the place (file, symbol, row, field) and the fix. The CLI prints
``str(error)`` on one line and exits with status 2, without a traceback.

>>> from nexus.errors import ValidationError
>>> raise ValidationError("BTCUSDT 1m row 17: high below low; fix the source or clean(policy='drop')")
Traceback (most recent call last):
...
nexus.errors.ValidationError: BTCUSDT 1m row 17: high below low; fix the source or clean(policy='drop')
"""

from __future__ import annotations


class NexusError(Exception):
    """Base of every error nexus raises on purpose."""


class DataError(NexusError):
    """Something is wrong with market data (missing, corrupt, inconsistent)."""


class ValidationError(DataError):
    """Bars failed a validation rule. ``report`` holds the full report if any."""

    def __init__(self, message: str, report: object | None = None) -> None:
        super().__init__(message)
        self.report = report


class StoreError(DataError):
    """The bar store cannot serve or accept a request (missing dataset, corrupt file)."""


class UnknownSymbolError(StoreError, KeyError):
    """A symbol or timeframe that the store or the instrument table does not hold."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it plain
        return str(self.args[0]) if self.args else ""


class SourceError(DataError):
    """A data source (exchange, yfinance, file) could not deliver."""


class ConfigError(NexusError):
    """A configuration value or argument is invalid."""


class ModelError(NexusError):
    """A model file, manifest, hash, shape or training window does not fit."""


__all__ = [
    "NexusError",
    "DataError",
    "ValidationError",
    "StoreError",
    "UnknownSymbolError",
    "SourceError",
    "ConfigError",
    "ModelError",
]
