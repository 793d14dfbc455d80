"""Market data: the Bars container, the Parquet store, validation, resampling, sources."""

from nexus.data.bars import Bars
from nexus.data.timeframes import timeframe_ns, to_utc_ns

__all__ = ["Bars", "timeframe_ns", "to_utc_ns"]
