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


from nexus._callable import make_callable as _make_callable  # noqa: E402

# ``import nexus.mqscore`` binds this package as ``nexus.mqscore``, shadowing the function of the
# same name; calling the package calls the function.
_make_callable(__name__)
