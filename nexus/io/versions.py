"""The one environment / version collector, for run manifests, sweep reports and model entries.

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
