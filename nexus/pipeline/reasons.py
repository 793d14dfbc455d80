"""Reason codes: why a bar stopped in the pipeline.

Every layer writes, for each bar it rejects, one ``uint8`` code from the table
below; ``0`` means the bar passed every layer and became an order decision.
Codes are grouped by layer (tens digit = layer number) so a code alone says
where the bar stopped. The funnel and the reports count them.

>>> REASONS[ANOMALY].name, REASONS[ANOMALY].layer
('anomaly', 3)
>>> reason_name(0)
'passed'
"""

from __future__ import annotations

from typing import NamedTuple


class Reason(NamedTuple):
    code: int
    layer: int
    name: str
    text: str


PASSED = 0
# layer 1: market quality
WARMUP = 10
SESSION_CLOSED = 11
LOW_COMPOSITE = 12
LOW_LIQUIDITY = 13
CRISIS_REGIME = 14
BAD_DATA = 15
# layer 2: signals
NO_SIGNAL = 20
LOW_SIGNAL_CONFIDENCE = 21
# layer 3: meta-strategy
ANOMALY = 30
NO_WEIGHT = 31
# layer 4: aggregation
WEAK_CONSENSUS = 40
LOW_MEAN_CONFIDENCE = 41
# layer 5: governance and routing
LOW_PROBABILITY = 50
LOW_ROUTER_CONFIDENCE = 51
# layer 6: risk
RISK_LOW_CONFIDENCE = 60
LOW_MULTIPLIER = 61
ADVERSE_RISK = 62
LOW_QUALITY_FLAG = 63
LOW_LIQUIDITY_FLAG = 64
# layer 7: sizing
ZERO_SIZE = 70
# layer 8: execution / book limits (applied on the shared clock)
DAILY_LOSS_LIMIT = 80
DRAWDOWN_STOP = 81
SAME_DIRECTION_CAPPED = 82
SYMBOL_CLOSED = 83
GROSS_CAP = 84
MIN_HOLD = 85

_TABLE = [
    Reason(PASSED, 0, "passed", "passed every layer"),
    Reason(WARMUP, 1, "warmup", "MQScore still warming up (NaN composite)"),
    Reason(SESSION_CLOSED, 1, "session_closed", "instrument's session is closed"),
    Reason(LOW_COMPOSITE, 1, "low_composite", "MQScore composite below the gate"),
    Reason(LOW_LIQUIDITY, 1, "low_liquidity", "liquidity dimension below the gate"),
    Reason(CRISIS_REGIME, 1, "crisis_regime", "regime is a crisis regime"),
    Reason(BAD_DATA, 1, "bad_data", "data-quality score above its limit"),
    Reason(NO_SIGNAL, 2, "no_signal", "no strategy fired"),
    Reason(LOW_SIGNAL_CONFIDENCE, 2, "low_signal_confidence", "strategies fired, none above the confidence filter"),
    Reason(ANOMALY, 3, "anomaly", "anomaly score above its limit: bar skipped"),
    Reason(NO_WEIGHT, 3, "no_weight", "every firing strategy has zero weight in this regime"),
    Reason(WEAK_CONSENSUS, 4, "weak_consensus", "weighted aggregate inside the flat band"),
    Reason(LOW_MEAN_CONFIDENCE, 4, "low_mean_confidence", "mean confidence of passing strategies too low"),
    Reason(LOW_PROBABILITY, 5, "low_probability", "router P(direction) not above its threshold"),
    Reason(LOW_ROUTER_CONFIDENCE, 5, "low_router_confidence", "router confidence below its threshold"),
    Reason(RISK_LOW_CONFIDENCE, 6, "risk_low_confidence", "confidence below the risk minimum"),
    Reason(LOW_MULTIPLIER, 6, "low_multiplier", "risk multiplier below its minimum"),
    Reason(ADVERSE_RISK, 6, "adverse_risk", "risk classifier says adverse"),
    Reason(LOW_QUALITY_FLAG, 6, "low_quality_flag", "low-quality (choppy) regime flag"),
    Reason(LOW_LIQUIDITY_FLAG, 6, "low_liquidity_flag", "low-liquidity flag"),
    Reason(ZERO_SIZE, 7, "zero_size", "position size rounds to zero"),
    Reason(DAILY_LOSS_LIMIT, 8, "daily_loss_limit", "book hit its daily loss limit: flat until next UTC day"),
    Reason(DRAWDOWN_STOP, 8, "drawdown_stop", "book hit its maximum drawdown: trading stopped"),
    Reason(SAME_DIRECTION_CAPPED, 8, "symbol_cap_reached", "already at the per-symbol cap in this direction"),
    Reason(SYMBOL_CLOSED, 8, "symbol_closed", "decision arrived while the instrument could not trade or was being closed on that bar"),
    Reason(255, 0, "rejected", "a user layer rejected the bar without a reason code"),
    Reason(GROSS_CAP, 8, "gross_cap", "book's gross exposure cap leaves no room"),
    Reason(MIN_HOLD, 8, "min_hold", "opposite decision before the position's minimum holding time"),
]
REASONS: dict[int, Reason] = {r.code: r for r in _TABLE}
LAYER_NAMES = ("quality", "signals", "meta", "aggregate", "governance", "risk", "sizing", "execution")


def reason_name(code: int) -> str:
    r = REASONS.get(int(code))
    return r.name if r else f"code_{int(code)}"
