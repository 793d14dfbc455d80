"""The one environment / version collector, for run manifests, sweep reports and model entries.

``versions()`` (libraries), ``host()`` (machine) and ``git_commit()`` (the
code's commit, read from ``.git`` without running git, in a plain checkout or
a git worktree).

Versions come from the installed distributions' metadata, so collecting them
imports none of the libraries. A library that is not installed is recorded
as ``"missing"`` rather than left out, so two manifests always list the same keys.

>>> v = versions()
>>> v["python"].count(".") == 2 and "numpy" in v
True
"""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path

# key in the manifest -> distributions that provide it (xgboost ships as "xgboost" or "xgboost-cpu")
LIBRARIES: dict[str, tuple[str, ...]] = {
    "nexus": ("nexus",),
    "numpy": ("numpy",),
    "pandas": ("pandas",),
    "polars": ("polars",),
    "numba": ("numba",),
    "pyarrow": ("pyarrow",),
    "matplotlib": ("matplotlib",),
    "scikit-learn": ("scikit-learn",),
    "xgboost": ("xgboost", "xgboost-cpu"),
    "onnx": ("onnx",),
    "onnxruntime": ("onnxruntime",),
    "skl2onnx": ("skl2onnx",),
    "onnxmltools": ("onnxmltools",),
}


def _version(dists: tuple[str, ...]) -> str:
    for dist in dists:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return "missing"


def versions() -> dict[str, str]:
    """Python and every library that shapes a result or a model file: ``{name: version}``."""
    out = {"python": platform.python_version()}
    out.update({key: _version(dists) for key, dists in LIBRARIES.items()})
    return out


def host() -> dict[str, str]:
    """The machine a result was produced on (architecture and operating system)."""
    return {"machine": platform.machine(), "system": platform.system()}


def git_commit(start: str | Path | None = None) -> str | None:
    """HEAD commit of the repository holding ``start`` (default: this package), or None."""
    here = Path(start or __file__).resolve()
    for d in [here, *here.parents]:
        git = d / ".git"
        try:
            if git.is_file():  # a worktree: ".git" names its own folder, branches live in the common one
                text = git.read_text().strip()
                return _head(d / text.split(":", 1)[1].strip()) if text.startswith("gitdir:") else None
            if git.is_dir():
                return _head(git)
        except OSError:
            return None
    return None


def _head(gitdir: Path) -> str | None:
    head = (gitdir / "HEAD").read_text().strip()
    if not head.startswith("ref:"):
        return head
    ref = head.split(" ", 1)[1]
    common = gitdir / (gitdir / "commondir").read_text().strip() if (gitdir / "commondir").exists() else gitdir
    for base in (gitdir, common):
        if (base / ref).exists():
            return (base / ref).read_text().strip()
    packed = common / "packed-refs"
    if packed.exists():
        for line in packed.read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split(" ", 1)[0]
    return None
