"""``nexus data download | import-binance | import-csv``: real market data into the store.

    nexus data download --exchange binance --symbols BTC/USDT,ETH/USDT --timeframe 1m --since 2024-01-01 [--until ...]
    nexus data download --source yfinance --symbols NQ=F --timeframe 5m
    nexus data import-binance PATH... [--symbol BTCUSDT-PERP] [--require-checksum]
    nexus data import-csv PATH --symbol NQ --timeframe 5m [--map ts=time,close=price] [--ts-unit ms] [--ts-format ...] [--tz ...]

Registered by ``nexus/commands/data.py``. Every handler writes through the
store's validated, atomic write; user mistakes raise ``NexusError``
subclasses (one line, exit status 2). API keys come only from the
environment (``NEXUS_<EXCHANGE>_API_KEY`` / ``_SECRET`` / ``_PASSWORD``).
"""

from __future__ import annotations

import argparse

from nexus.errors import ConfigError


def register(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser("download", help="download bars from a ccxt exchange or Yahoo Finance (resumes after the last stored bar)")
    d.add_argument("--source", choices=("ccxt", "yfinance"), default=None, help="default: ccxt when --exchange is given")
    d.add_argument("--exchange", default=None, help="ccxt exchange id, e.g. binance, okx, bybit")
    d.add_argument("--symbols", required=True, help="comma-separated: BTC/USDT,ETH/USDT (ccxt) or NQ=F (yfinance)")
    d.add_argument("--timeframe", default="1m", help="bar length, e.g. 1m, 5m, 1h, 1d (default 1m)")
    d.add_argument("--since", default=None, help="first bar (UTC) when the store has none yet, e.g. 2024-01-01")
    d.add_argument("--until", default=None, help="stop before this time (UTC, exclusive); default: the last closed bar")
    d.add_argument("--batch-pages", type=int, default=50, help="append to the store every N pages (default 50)")
    d.add_argument("--as", dest="as_symbol", default=None, help="store name for a single yfinance ticker (default NQ=F -> NQ)")
    d.add_argument("--prepost", action="store_true", help="yfinance: include pre/post-market bars (stocks)")
    d.add_argument("--no-progress", action="store_true", help="no progress bar")
    d.set_defaults(func=cmd_download)

    b = sub.add_parser("import-binance", help="import Binance public-data kline zips (files or folders)")
    b.add_argument("paths", nargs="+", help="SYMBOL-1m-YYYY-MM(.DD).zip files or folders holding them")
    b.add_argument("--symbol", default=None, help="store name (default: from the file name; e.g. BTCUSDT-PERP for futures)")
    b.add_argument("--timeframe", default=None, help="interval (default: from the file name)")
    b.add_argument("--require-checksum", action="store_true", help="refuse zips without a .CHECKSUM file beside them")
    b.add_argument("--overwrite", action="store_true", help="replace stored bars that differ")
    b.add_argument("--no-progress", action="store_true")
    b.set_defaults(func=cmd_import_binance)

    c = sub.add_parser("import-csv", help="import a CSV or Parquet file with a column mapping")
    c.add_argument("path", help="file.csv / file.parquet")
    c.add_argument("--symbol", required=True, help="store name, e.g. BTCUSDT or NQ")
    c.add_argument("--timeframe", required=True, help="bar length, e.g. 1m, 5m, 1d")
    c.add_argument("--map", dest="mapping", default=None, help="nexus=file column pairs: ts=time,close=price,...")
    c.add_argument("--ts-unit", choices=("s", "ms", "us", "ns"), default=None, help="unit of epoch numbers (default: guessed)")
    c.add_argument("--ts-format", default=None, help="strptime format of text times, e.g. '%%Y-%%m-%%d %%H:%%M'")
    c.add_argument("--tz", default=None, help="zone of times written without one (required for them), e.g. UTC, America/Chicago")
    c.add_argument("--sep", default=None, help="CSV delimiter (default: detected)")
    c.add_argument("--overwrite", action="store_true", help="replace stored bars that differ")
    c.set_defaults(func=cmd_import_csv)


def _store(args):
    from nexus.data.store import BarStore

    return BarStore(args.store)


def cmd_download(args) -> int:
    from nexus.data.sources.symbols import parse_symbol_list

    symbols = parse_symbol_list(args.symbols)
    source = args.source or ("ccxt" if args.exchange else None)
    if source is None:
        raise ConfigError("say where to download from: --exchange binance (any ccxt id) or --source yfinance")
    if source == "yfinance":
        if args.exchange:
            raise ConfigError("--exchange is for ccxt; drop it with --source yfinance")
        from nexus.data.sources.yfinance_source import download_yfinance

        reports = download_yfinance(_store(args), symbols, args.timeframe, since=args.since, until=args.until,
                                    store_symbol=args.as_symbol, prepost=args.prepost)
    else:
        if not args.exchange:
            raise ConfigError("--source ccxt needs --exchange, e.g. --exchange binance")
        if args.as_symbol:
            raise ConfigError("--as renames yfinance tickers; ccxt symbols map to store names by themselves (BTC/USDT -> BTCUSDT)")
        if args.batch_pages < 1:
            raise ConfigError(f"--batch-pages must be >= 1, got {args.batch_pages}")
        from nexus.data.sources.ccxt_source import download

        reports = download(_store(args), args.exchange, symbols, args.timeframe, since=args.since, until=args.until,
                           batch_pages=args.batch_pages, progress=not args.no_progress)
    for rep in reports:
        print(rep.summary())
    return 0


def cmd_import_binance(args) -> int:
    from nexus.data.sources.binance_files import import_binance

    rep = import_binance(_store(args), args.paths, symbol=args.symbol, timeframe=args.timeframe,
                         overwrite=args.overwrite, require_checksum=args.require_checksum, progress=not args.no_progress)
    print(rep.summary())
    return 0


def cmd_import_csv(args) -> int:
    from nexus.data.sources.file_import import import_file

    rep = import_file(_store(args), args.path, symbol=args.symbol, timeframe=args.timeframe, mapping=args.mapping,
                      ts_unit=args.ts_unit, ts_format=args.ts_format, tz=args.tz, sep=args.sep, overwrite=args.overwrite)
    print(rep.summary())
    return 0
