"""Summaries of repeated measurements."""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    median: float
    minimum: float
    maximum: float
    samples: int

    @classmethod
    def of(cls, values: list[float]) -> Summary:
        return cls(statistics.median(values), min(values), max(values), len(values))

    def format(self, unit: str, digits: int = 3) -> str:
        spread = f"min {self.minimum:.{digits}f}, max {self.maximum:.{digits}f}, n={self.samples}"
        return f"{self.median:.{digits}f} {unit} ({spread})"
