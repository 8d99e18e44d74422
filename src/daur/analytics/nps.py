"""The NPS of a sample and its 95 % confidence interval.

NPS = 100 x (promoters - detractors) / n. Each answer scores +1 (promoter), 0 (passive) or -1
(detractor); the NPS is 100 x their mean, whose variance is (p + d - (p - d)^2) / n with p and d
the promoter and detractor shares. The interval is the normal one, clipped to [-100, 100]; none
for fewer than two answers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class NpsEstimate:
    answers: int
    nps: float | None
    low: float | None
    high: float | None


def nps_estimate(promoters: int, detractors: int, answers: int) -> NpsEstimate:
    if answers < 0 or promoters < 0 or detractors < 0 or promoters + detractors > answers:
        raise ValueError("promoters and detractors are among the answers")
    if answers == 0:
        return NpsEstimate(0, None, None, None)
    p, d = promoters / answers, detractors / answers
    nps = 100.0 * (p - d)
    if answers < 2:
        return NpsEstimate(answers, nps, None, None)
    half = 100.0 * Z_95 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / answers)
    return NpsEstimate(answers, nps, max(-100.0, nps - half), min(100.0, nps + half))
