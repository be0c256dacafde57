"""Timing floor and product alternately, and checking that both give the same numbers."""

from __future__ import annotations

import gc
import inspect
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

import orjson

Fn = Callable[[], Any | Awaitable[Any]]
IGNORED_KEYS = frozenset({"endCursor", "cursor", "startCursor"})  # opaque by contract, differ by design


@dataclass
class Timing:
    floor: list[float] = field(default_factory=list)
    product: list[float] = field(default_factory=list)
    floor_out: Any = None
    product_out: Any = None

    @property
    def ratios(self) -> list[float]:
        return [p / f for f, p in zip(self.floor, self.product) if f > 0]

    def summary(self) -> dict:
        out: dict = {"runs": max(len(self.floor), len(self.product))}
        if self.floor:
            out["floor_median_s"] = statistics.median(self.floor)
        if self.product:
            out["product_median_s"] = statistics.median(self.product)
        if self.floor and self.product:
            out["ratio"] = statistics.median(self.ratios)
        out["floor_s"], out["product_s"] = self.floor, self.product
        return out


async def _call(fn: Fn) -> Any:
    value = fn()
    return await value if inspect.isawaitable(value) else value


async def alternate(floor: Fn | None, product: Fn | None, runs: int, warmup: int = 1) -> Timing:
    """Warm-up, then `runs` timed calls of each, alternating (and swapping who goes first)."""
    t = Timing()
    for _ in range(warmup):
        if floor is not None:
            t.floor_out = await _call(floor)
        if product is not None:
            t.product_out = await _call(product)
    for i in range(runs):
        pair = [(floor, t.floor), (product, t.product)]
        for fn, sink in (pair if i % 2 == 0 else pair[::-1]):
            if fn is None:
                continue
            gc.collect()
            start = time.perf_counter()
            await _call(fn)
            sink.append(time.perf_counter() - start)
    return t


def normalize(value: Any) -> Any:
    """Decoded JSON without the opaque cursor fields."""
    return _strip(orjson.loads(value) if isinstance(value, (bytes, str)) else value)


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in IGNORED_KEYS}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def first_difference(a: Any, b: Any, path: str = "$") -> str | None:
    """Where two decoded JSON values first differ, for the report."""
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        return f"{path}: floor {_short(a)} vs product {_short(b)}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}.{k}: present only in {'product' if k in b else 'floor'}"
            d = first_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: floor has {len(a)} items, product {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: floor {_short(a)} vs product {_short(b)}"


def same(floor_body: Any, product_body: Any) -> tuple[bool, str | None]:
    a, b = normalize(floor_body), normalize(product_body)
    if isinstance(b, dict) and b.get("errors"):
        return False, f"product errors: {str(b['errors'])[:300]}"
    if a == b:
        return True, None
    return False, first_difference(a, b)


def _short(v: Any) -> str:
    s = orjson.dumps(v).decode() if not isinstance(v, str) else repr(v)
    return s if len(s) <= 120 else s[:117] + "..."
