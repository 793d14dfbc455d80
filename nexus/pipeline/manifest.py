"""The run manifest: everything needed to reproduce a backtest.

Config (as resolved), data fingerprint, model hashes and status, package
versions, seed, git commit (read from ``.git`` without running git), host
and start time.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

from nexus.io.versions import host, versions


def git_commit(start: str | Path | None = None) -> str | None:
    """HEAD commit of the repository holding ``start`` (default: this package), or None."""
    here = Path(start or __file__).resolve()
    for d in [here] + list(here.parents):
        git = d / ".git"
        if git.is_dir():
            try:
                head = (git / "HEAD").read_text().strip()
                if not head.startswith("ref:"):
                    return head
                ref = head.split(" ", 1)[1]
                f = git / ref
                if f.exists():
                    return f.read_text().strip()
                packed = git / "packed-refs"
                if packed.exists():
                    for line in packed.read_text().splitlines():
                        if line.endswith(" " + ref):
                            return line.split(" ", 1)[0]
            except OSError:
                return None
            return None
    return None


def build_manifest(cfg: Any, fingerprint: str, models: Any, datasets: dict[str, int]) -> dict[str, Any]:
    return {
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "config_source": cfg.source,
        "config": cfg.to_dict(),
        "profile": cfg.profile,
        "seed": cfg.run.seed,
        "data_fingerprint": fingerprint,
        "datasets": datasets,
        "models": {"hashes": dict(getattr(models, "hashes", {})), "status": dict(getattr(models, "status", {}))},
        "versions": versions(),
        "git_commit": git_commit(),
        "host": host(),
    }
