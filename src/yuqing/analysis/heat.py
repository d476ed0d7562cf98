"""The heat index of an event: one number from 0 to 100, and how it was made.

    volume  = Σ posts per hour over the last 24 hours, each hour weighted 0.5^(age/12 h)
    reach   = reposts + comments + likes + views / 100
    raw     = 2·ln(1 + volume) + ln(1 + reach) + 1.5·ln(1 + sites) + tier
    heat    = 100 · (1 − e^(−raw / 20))

`tier` is 5 for central media, 4 provincial, 3 municipal, 2 local, 1 self-media (the
highest tier the event reached). Logarithms keep one viral post from drowning the rest;
the last step maps any raw value onto 0–100, with raw 20 at heat 63. Every part is
shown beside the number, so a person can see why an event is hot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

TIER_WEIGHT = {"central": 5, "provincial": 4, "municipal": 3, "local": 2, "self": 1}
HALF_LIFE_HOURS = 12.0
WINDOW = timedelta(hours=24)
SCALE = 20.0


@dataclass(frozen=True)
class Heat:
    value: float
    volume: float
    reach: int
    sites: int
    tier: int

    def explain(self) -> dict[str, float]:
        """The parts of the index, for people to read."""
        return {
            "heat": round(self.value, 1),
            "volume_24h_weighted": round(self.volume, 2),
            "reach": self.reach,
            "sites": self.sites,
            "tier_weight": self.tier,
        }


def heat_index(
    *,
    hours: list[tuple[datetime, int]],
    now: datetime,
    reach: int,
    sites: int,
    top_tier: str | None,
) -> Heat:
    """The heat of an event from its posts per hour, reach, sites and highest tier."""
    volume = 0.0
    for hour, posts in hours:
        age = (now - hour).total_seconds() / 3600.0
        if 0 <= age < WINDOW.total_seconds() / 3600.0 or -1 < age < 0:
            volume += posts * 0.5 ** (max(age, 0.0) / HALF_LIFE_HOURS)
    tier = TIER_WEIGHT.get(top_tier or "", 1)
    raw = 2 * math.log1p(volume) + math.log1p(max(reach, 0)) + 1.5 * math.log1p(sites) + tier
    return Heat(100 * (1 - math.exp(-raw / SCALE)), volume, reach, sites, tier)


def reach_of(*, reposts: int, comments: int, likes: int, views: int) -> int:
    """Engagement in one number: views count a hundredth of an interaction."""
    return reposts + comments + likes + views // 100
