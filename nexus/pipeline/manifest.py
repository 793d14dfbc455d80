"""The run manifest: everything needed to reproduce a backtest.

Config (as resolved), data fingerprint, model hashes and status, package
versions, seed, git commit (read from ``.git`` without running git), host
and start time.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from nexus.io.versions import git_commit, host, versions


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
