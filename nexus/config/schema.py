"""Keys, sections and schemas: what a TOML config may hold, and the one check of it.

A :class:`Key` is one setting (type, default, allowed range or choices, help
text); a :class:`Section` groups the keys of one TOML table (``[risk]``,
``[layers.quality]``, the rows of ``[[books]]``); a :class:`Schema` is a whole
file. Every mistake is one :class:`~nexus.errors.ConfigError` line naming the
place (the file, or ``--set``), the key and what is allowed:

>>> k = Key("stop_loss", "float", 0.02, "stop-loss distance", lo=0.0, hi=1.0)
>>> k.check(0.03, "backtest.toml", "risk.stop_loss")
0.03
>>> k.check(-0.1, "backtest.toml", "risk.stop_loss")
Traceback (most recent call last):
...
nexus.errors.ConfigError: backtest.toml: risk.stop_loss = -0.1 is out of range: allowed 0 <= x <= 1
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from nexus.config.literal import parse_set
from nexus.errors import ConfigError

KINDS = {"bool": "true or false", "int": "a whole number", "float": "a number", "str": "a string",
         "list[str]": "a list of strings", "any": "any TOML value"}
_BAD = object()


def show(value: Any) -> str:
    """A value as the message shows it: TOML spelling for booleans, Python's otherwise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return repr(value)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


@dataclass(frozen=True)
class Key:
    """One setting: ``kind`` is one of :data:`KINDS`; ``lo``/``hi`` bound numbers, ``choices`` strings."""

    name: str
    kind: str
    default: Any
    help: str
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    choices: tuple = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"key {self.name}: kind {self.kind!r} is not one of {list(KINDS)}")

    def named(self, name: str, **changes: Any) -> "Key":
        """The same definition under another name (a file that spells the key its own way)."""
        return dataclasses.replace(self, name=name, **changes)

    @property
    def annotation(self) -> type:
        return {"bool": bool, "int": int, "float": float, "str": str, "list[str]": list, "any": object}[self.kind]

    def fresh_default(self) -> Any:
        return copy.deepcopy(self.default)

    # ------------------------------------------------------------------ text
    def range_text(self) -> str:
        lo = None if self.lo is None else f"{_num(self.lo)} {'<' if self.lo_open else '<='} "
        hi = None if self.hi is None else f" {'<' if self.hi_open else '<='} {_num(self.hi)}"
        if lo and hi:
            return f"{lo}x{hi}"
        if lo:
            return f"x {'>' if self.lo_open else '>='} {_num(self.lo)}"
        if hi:
            return f"x{hi}"
        return ""

    def allowed(self) -> str:
        """What the key accepts, in words (the tail of every error message and the docs' table)."""
        if self.choices:
            items = ", ".join(show(c) for c in self.choices)
            return f"a list of {items}" if self.kind == "list[str]" else f"one of {items}"
        rng = self.range_text()
        return f"{KINDS[self.kind]} {rng}" if rng else KINDS[self.kind]

    # ----------------------------------------------------------------- check
    def check(self, value: Any, where: str, path: str) -> Any:
        """``value`` converted to the key's kind, or a ConfigError naming ``where`` and ``path``."""
        typed = self._typed(value)
        if typed is _BAD:
            raise ConfigError(f"{where}: {path} = {show(value)} has the wrong type: allowed {self.allowed()}")
        if self.choices:
            items = typed if self.kind == "list[str]" else [typed]
            if any(v not in self.choices for v in items):
                raise ConfigError(f"{where}: {path} = {show(value)} is not allowed: allowed {self.allowed()}")
        if self.kind in ("int", "float") and not self._in_range(typed):
            raise ConfigError(f"{where}: {path} = {show(value)} is out of range: allowed {self.range_text()}")
        return typed

    def _in_range(self, v: float) -> bool:
        if self.lo is not None and (v <= self.lo if self.lo_open else v < self.lo):
            return False
        return not (self.hi is not None and (v >= self.hi if self.hi_open else v > self.hi))

    def _typed(self, value: Any) -> Any:
        kind = self.kind
        if kind == "any":
            return value
        if kind == "bool":
            return value if isinstance(value, bool) else _BAD
        if isinstance(value, bool):
            return _BAD  # TOML booleans are not numbers or strings
        if kind == "int":
            return value if isinstance(value, int) else _BAD
        if kind == "float":
            ok = isinstance(value, (int, float)) and math.isfinite(value)
            return float(value) if ok else _BAD
        if kind == "str":
            if isinstance(value, (datetime.date, datetime.time)):  # a TOML date where a time is asked for
                return value.isoformat()
            return value if isinstance(value, str) else _BAD
        if isinstance(value, str):  # list[str]: one word stands for a list of one
            return [value]
        return list(value) if isinstance(value, list) and all(isinstance(v, str) for v in value) else _BAD


@dataclass(frozen=True)
class Section:
    """The keys of one TOML table; ``path`` is dotted (``"layers.quality"``), ``""`` for the top level.

    ``many``: an array of tables (``[[books]]``) whose rows default to ``rows``.
    ``open``: any key, any TOML value (checked later by its user, e.g. a sweep's ``[grid]``).
    """

    path: str
    keys: tuple[Key, ...]
    help: str = ""
    many: bool = False
    rows: tuple[Mapping[str, Any], ...] = ()
    open: bool = False

    def get(self, name: str) -> Key | None:
        for k in self.keys:
            if k.name == name:
                return k
        return None

    def title(self) -> str:
        return f"[[{self.path}]]" if self.many else (f"[{self.path}]" if self.path else "top level")

    def defaults(self) -> Any:
        if self.many:
            return [self.fill(row) for row in self.rows]
        return {} if self.open else {k.name: k.fresh_default() for k in self.keys}

    def fill(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """A row of a ``many`` section with every missing key at its default."""
        return {k.name: copy.deepcopy(row[k.name]) if k.name in row else k.fresh_default() for k in self.keys}


@dataclass(frozen=True)
class Schema:
    """A whole config file: its sections in file order, and the profiles that move defaults.

    ``profiles`` maps a value of the top-level key ``profile`` to the defaults it
    changes (``{"risk": {"max_hold": ""}}``); keys not named keep their own default.
    """

    file: str
    sections: tuple[Section, ...]
    example: str = ""
    profiles: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        paths = [s.path for s in self.sections]
        if len(set(paths)) != len(paths):
            raise ValueError(f"{self.file}: a section is defined twice")

    # ----------------------------------------------------------------- lookup
    def section(self, path: str) -> Section | None:
        for s in self.sections:
            if s.path == path:
                return s
        return None

    def key(self, dotted: str) -> Key:
        """The definition of ``"risk.stop_loss"`` (``"profile"`` for a top-level key)."""
        sec, _, name = dotted.rpartition(".")
        s = self.section(sec)
        k = s.get(name) if s else None
        if k is None:
            raise ConfigError(f"{self.file}: no key {dotted!r}")
        return k

    def keys(self) -> Iterable[tuple[str, Key]]:
        """``(dotted path, key)`` of every key in file order."""
        for s in self.sections:
            for k in s.keys:
                yield (f"{s.path}.{k.name}" if s.path else k.name), k

    def _children(self, prefix: str) -> list[str]:
        """Names directly under ``prefix`` that are sections or hold sections (``layers`` holds ``layers.risk``)."""
        out = []
        for s in self.sections:
            if s.path and (not prefix or s.path.startswith(prefix + ".")):
                head = s.path[len(prefix) + 1 if prefix else 0:].split(".")[0]
                if head not in out:
                    out.append(head)
        return out

    # -------------------------------------------------------------- validate
    def validate(self, data: Mapping[str, Any], where: str) -> dict[str, Any]:
        """``data`` (a parsed TOML file, possibly partial) checked key by key; no defaults added."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"{where}: the config must be a table of sections, got {show(data)}")
        return self._walk(data, "", where)

    def _walk(self, data: Mapping[str, Any], prefix: str, where: str) -> dict[str, Any]:
        sec = self.section(prefix)
        children = self._children(prefix)
        out: dict[str, Any] = {}
        for name, value in data.items():
            path = f"{prefix}.{name}" if prefix else name
            key = sec.get(name) if sec else None
            if key is not None:
                out[name] = key.check(value, where, path)
            elif sec is not None and sec.open:
                out[name] = copy.deepcopy(value)
            elif name in children:
                out[name] = self._sub(value, path, where)
            else:
                raise self._unknown(sec, prefix, path, where, children, isinstance(value, Mapping))
        return out

    def _sub(self, value: Any, path: str, where: str) -> Any:
        sub = self.section(path)
        if sub is not None and sub.many:
            if not isinstance(value, list) or not value or not all(isinstance(r, Mapping) for r in value):
                raise ConfigError(f"{where}: {path} = {show(value)} has the wrong type: "
                                  f"allowed a non-empty array of tables {sub.title()}")
            return [self._row(r, sub, where, f"{path}[{i}]") for i, r in enumerate(value)]
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: {path} = {show(value)} has the wrong type: allowed a table [{path}]")
        return self._walk(value, path, where)

    def _row(self, row: Mapping[str, Any], sec: Section, where: str, label: str) -> dict[str, Any]:
        out = {}
        for name, value in row.items():
            key = sec.get(name)
            if key is None:
                raise ConfigError(f"{where}: unknown key {label}.{name}: allowed keys in {sec.title()}: "
                                  + ", ".join(k.name for k in sec.keys))
            out[name] = key.check(value, where, f"{label}.{name}")
        return out

    def _unknown(self, sec: Section | None, prefix: str, path: str, where: str, children: list[str],
                 is_table: bool) -> ConfigError:
        subs = [self.section(f"{prefix}.{c}" if prefix else c) for c in children]
        titles = [s.title() if s else f"[{prefix}.{c}]" if prefix else f"[{c}.*]" for s, c in zip(subs, children)]
        keys = [k.name for k in sec.keys] if sec else []
        if is_table or not keys:
            return ConfigError(f"{where}: unknown section [{path}]: allowed sections"
                               f"{' in [' + prefix + ']' if prefix else ''}: {', '.join(titles)}")
        where_in = sec.title() if sec else f"[{prefix}]"
        allowed = ", ".join(keys + titles)
        return ConfigError(f"{where}: unknown key {path}: allowed keys in {where_in}: {allowed}")

    # --------------------------------------------------------------- resolve
    def defaults(self, profile: str | None = None) -> dict[str, Any]:
        """Every key at its default (under ``profile`` when the schema has profiles), nested as in the file."""
        out: dict[str, Any] = {}
        for s in self.sections:
            if not s.path:
                out.update(s.defaults())
                continue
            *parents, last = s.path.split(".")
            node = out
            for p in parents:
                node = node.setdefault(p, {})
            node[last] = s.defaults()
        if self.profiles:
            name = profile if profile is not None else out.get("profile")
            if name not in self.profiles:
                raise ConfigError(f"{self.file}: profile {name!r} is unknown: allowed one of "
                                  + ", ".join(repr(p) for p in self.profiles))
            merge(out, self.profiles[name])
        return out

    def resolve(self, data: Mapping[str, Any] | None, where: str, sets: Mapping[str, Any] | Iterable[str] = ()) -> dict[str, Any]:
        """Defaults (of the chosen profile), then ``data`` (checked), then ``sets`` (checked, named ``--set``)."""
        given = merge(self.validate(data or {}, where), self.overrides(sets))
        out = self.defaults(given.get("profile"))
        merge(out, given)
        for s in self.sections:
            if s.many and s.path in out:  # rows given in the file replace the default rows; fill each one
                out[s.path] = [s.fill(r) for r in out[s.path]]
        return out

    def overrides(self, sets: Mapping[str, Any] | Iterable[str]) -> dict[str, Any]:
        """``["a.b=v", ...]`` (named ``--set`` in errors) or ``{"a.b": v}`` (``override``) as a checked partial config."""
        given: dict[str, Any] = {}
        if isinstance(sets, Mapping):
            for dotted, value in sets.items():
                self.set(given, dotted, value, "override")
        else:
            for item in sets:
                self.set(given, *parse_set(item, self.example), "--set")
        return given

    def set(self, given: dict[str, Any], dotted: str, value: Any, label: str = "--set") -> None:
        """Check one ``section.key`` value and put it into ``given`` (a partial config)."""
        parts = dotted.strip().split(".")
        if not all(parts):
            raise ConfigError(f"{label} {dotted!r}: expected SECTION.KEY=VALUE, e.g. --set {self.example}")
        prefix = ""
        for i, name in enumerate(parts):
            sec, children, last = self.section(prefix), self._children(prefix), i == len(parts) - 1
            if sec is not None and sec.many:
                raise ConfigError(f"{label} {dotted}: {sec.title()} cannot be set key by key; edit the file")
            if last and sec is not None and (sec.open or sec.get(name)):
                checked = copy.deepcopy(value) if sec.open else sec.get(name).check(value, label, dotted)
                break
            path = f"{prefix}.{name}" if prefix else name
            if name not in children:
                raise self._unknown(sec, prefix, path, label, children, not last)
            if last:
                raise ConfigError(f"{label}: {dotted} is a section, not a key; set {dotted}.KEY=VALUE")
            prefix = path
        node = given
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = checked


def merge(base: dict, extra: Mapping) -> dict:
    """``extra`` written over ``base`` table by table (lists and values replace)."""
    for k, v in extra.items():
        if isinstance(v, Mapping) and isinstance(base.get(k), dict):
            merge(base[k], v)
        else:
            base[k] = copy.deepcopy(v)
    return base
