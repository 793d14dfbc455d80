"""How well a regime labelling separates known true regimes (precision, recall, balanced accuracy).

The synthetic store knows each bar's true regime (``nexus.data.sources.synth``:
calm, trend_up, trend_down, volatile, crisis). The rule regimes name other
things, so they are first mapped onto the true classes
(:data:`RULE_TO_SYNTH`; trend regimes take their direction from the sign of
the 20-bar return, see :func:`rule_regimes_as_synth`). The trained classifier
of the models area predicts the true classes directly and is scored by the
same :func:`evaluate_regimes`.

>>> import numpy as np
>>> r = evaluate_regimes(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), names=("a", "b"))
>>> r.recall.tolist(), round(r.balanced_accuracy, 3)
([1.0, 0.6666666666666666], 0.833)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nexus.errors import ValidationError
from nexus.mqscore.config import REGIME_NAMES

SYNTH_NAMES = ("calm", "trend_up", "trend_down", "volatile", "crisis")
# rule regime -> true class; "trend" is split by the sign of the 20-bar return
RULE_TO_SYNTH = {
    "HIGH_VOLATILITY_LOW_LIQUIDITY": "crisis",
    "STRONG_TREND": "trend",
    "RANGING": "calm",
    "HIGH_QUALITY_TREND": "trend",
    "LOW_QUALITY_CHOPPY": "volatile",
    "BALANCED": "calm",
}


@dataclass
class RegimeReport:
    names: tuple[str, ...]
    confusion: np.ndarray  # [true, pred] counts
    precision: np.ndarray  # NaN for a class never predicted
    recall: np.ndarray  # NaN for a class absent from the truth
    support: np.ndarray
    balanced_accuracy: float  # mean recall over classes present
    accuracy: float
    n: int

    def summary(self) -> str:
        lines = [f"{'class':<12s} {'precision':>9s} {'recall':>7s} {'support':>9s}"]
        for i, name in enumerate(self.names):
            lines.append(f"{name:<12s} {self.precision[i]:9.3f} {self.recall[i]:7.3f} {int(self.support[i]):9d}")
        lines.append(f"balanced accuracy {self.balanced_accuracy:.3f}, accuracy {self.accuracy:.3f}, bars {self.n}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "names": list(self.names), "confusion": self.confusion.tolist(),
            "precision": self.precision.tolist(), "recall": self.recall.tolist(),
            "support": self.support.tolist(), "balanced_accuracy": self.balanced_accuracy,
            "accuracy": self.accuracy, "n": self.n,
        }


def evaluate_regimes(pred: np.ndarray, true: np.ndarray, names: tuple[str, ...] = SYNTH_NAMES,
                     mask: np.ndarray | None = None) -> RegimeReport:
    """Score predicted class codes against true codes (both ints in ``0..len(names)-1``).

    Bars with a negative code on either side (warm-up) or outside ``mask`` are left out.
    """
    pred = np.asarray(pred)
    true = np.asarray(true)
    if pred.shape != true.shape or pred.ndim != 1:
        raise ValidationError(f"evaluate_regimes: pred {pred.shape} and true {true.shape} must be 1-D of one length")
    k = len(names)
    keep = (pred >= 0) & (true >= 0)
    if mask is not None:
        keep &= np.asarray(mask, bool)
    p = pred[keep].astype(np.int64)
    t = true[keep].astype(np.int64)
    if p.size and (p.max() >= k or t.max() >= k):
        raise ValidationError(f"evaluate_regimes: codes must be < {k} ({names})")
    conf = np.bincount(t * k + p, minlength=k * k).reshape(k, k)
    tp = np.diag(conf).astype(float)
    pred_n = conf.sum(axis=0).astype(float)
    support = conf.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(pred_n > 0, tp / pred_n, np.nan)
        recall = np.where(support > 0, tp / support, np.nan)
    present = support > 0
    bal = float(np.mean(recall[present])) if present.any() else float("nan")
    acc = float(tp.sum() / p.size) if p.size else float("nan")
    return RegimeReport(tuple(names), conf, precision, recall, support, bal, acc, int(p.size))


def rule_regimes_as_synth(regime: np.ndarray, close: np.ndarray, mapping: dict[str, str] | None = None,
                          lookback: int = 20) -> np.ndarray:
    """Map rule regime codes onto synthetic class codes (-1 kept for warm-up).

    A rule regime mapped to ``"trend"`` becomes trend_up when the close is above
    the close ``lookback`` bars earlier, else trend_down.
    """
    mapping = RULE_TO_SYNTH if mapping is None else mapping
    regime = np.asarray(regime)
    close = np.asarray(close, dtype=np.float64)
    out = np.full(regime.shape, -1, np.int8)
    up = np.zeros(close.shape, bool)
    up[lookback:] = close[lookback:] > close[:-lookback]
    for code, name in enumerate(REGIME_NAMES):
        target = mapping[name]
        sel = regime == code
        if target == "trend":
            out[sel & up] = SYNTH_NAMES.index("trend_up")
            out[sel & ~up] = SYNTH_NAMES.index("trend_down")
        else:
            out[sel] = SYNTH_NAMES.index(target)
    return out
