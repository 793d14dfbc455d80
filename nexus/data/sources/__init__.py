"""Where bars come from: the synthetic market (``synth``), exchanges (ccxt), yfinance, Binance dump files and CSV.

Every source produces :class:`nexus.data.bars.Bars` and leaves storing to
:class:`nexus.data.store.BarStore`.
"""
