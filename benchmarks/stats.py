"""Summaries of repeated measurements."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    median: float
    minimum: float
    maximum: float
    samples: int
    p95: float = float("nan")  # nearest-rank 95th percentile

    @classmethod
    def of(cls, values: list[float]) -> Summary:
        ordered = sorted(values)
        p95 = ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]
        return cls(statistics.median(values), min(values), max(values), len(values), p95)

    def format(self, unit: str, digits: int = 3) -> str:
        spread = f"min {self.minimum:.{digits}f}, max {self.maximum:.{digits}f}, n={self.samples}"
        return f"{self.median:.{digits}f} {unit} ({spread})"
