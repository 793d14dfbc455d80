"""MQScore: six-dimension market quality over every bar, composite, grade, regime and gate.

>>> import nexus as nx
>>> q = nx.mqscore(bars)                       # doctest: +SKIP
>>> q.composite, q.regime_names(), q.gate      # doctest: +SKIP

Formulas, neutral values and measured regime accuracy: docs/mqscore.md.
"""


from nexus.mqscore.api import MQScore, components, mqscore
from nexus.mqscore.evaluate import evaluate_regimes, rule_regimes_as_synth
from nexus.mqscore.config import (
    COMPONENT_NAMES, DIMENSIONS, GRADE_FLOORS, GRADE_NAMES, REGIME_NAMES, MQConfig,
)

__all__ = [
    "mqscore", "MQScore", "MQConfig", "components", "DIMENSIONS", "COMPONENT_NAMES",
    "GRADE_NAMES", "GRADE_FLOORS", "REGIME_NAMES", "evaluate_regimes", "rule_regimes_as_synth",
]
