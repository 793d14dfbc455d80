"""Reading a TOML file and one ``--set SECTION.KEY=VALUE`` item, with one-line errors.

>>> parse_set("risk.stop_loss=0.03")
('risk.stop_loss', 0.03)
>>> parse_set("data.symbol=ETHUSDT")   # a bare word is a string
('data.symbol', 'ETHUSDT')
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from nexus.errors import ConfigError


def parse_value(text: str) -> Any:
    """``text`` read as a TOML literal (``0.03``, ``true``, ``[1, 2]``, ``{from = 5}``); a bare word stays a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_set(item: str, example: str = "risk.stop_loss=0.03") -> tuple[str, Any]:
    """``"section.key=value"`` -> ``("section.key", value)``; ``example`` shows the syntax in the error."""
    key, sep, text = item.partition("=")
    if not sep or not key.strip() or any(not p for p in key.strip().split(".")):
        raise ConfigError(f"--set {item!r}: expected SECTION.KEY=VALUE, e.g. --set {example}")
    return key.strip(), parse_value(text.strip())


def read_toml(path: str | os.PathLike, hint: str) -> dict[str, Any]:
    """The tables of a TOML file; ``hint`` says where a missing file can be found."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: no such config file; {hint}")
    try:
        return tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
