"""The eight layers, in order. Layers 1-7 run per symbol on its own bars; layer 8
(execution) runs on the book's shared clock (see :mod:`nexus.pipeline.layers.execution`)."""

from __future__ import annotations

from nexus.pipeline.layers import aggregate, governance, meta, quality, risk, signals, sizing
from nexus.pipeline.layers.base import ColumnStore, LayerContext, LayerOutput, first_reason

BAR_LAYERS = (
    ("quality", quality.run),
    ("signals", signals.run),
    ("meta", meta.run),
    ("aggregate", aggregate.run),
    ("governance", governance.run),
    ("risk", risk.run),
    ("sizing", sizing.run),
)

__all__ = ["BAR_LAYERS", "ColumnStore", "LayerContext", "LayerOutput", "first_reason"]
