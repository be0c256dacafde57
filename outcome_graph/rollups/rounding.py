"""Ruby-compatible rounding, because Canvas rounds with Ruby's Float#round (docs/behaviour.md §11.1)."""

from math import floor as _floor

# docs/behaviour.md §11.1: Ruby's round_half_up on x * 10**nd (C round(), ties away from zero), then a
# correction step, then a division by 10**nd. Ruby leaves a float unchanged when it has no
# digits at that precision (float_round_overflow: binexp >= 4 * (17 - nd)); for nd <= 14
# that is |x| >= 2 ** (4 * (17 - nd) - 1). Beyond 14 digits Ruby switches to rationals.
_SCALE = tuple(10.0**nd for nd in range(15))
_LIMIT = tuple(2.0 ** (4 * (17 - nd) - 1) for nd in range(15))


def _half_away(v: float) -> float:
    """C round() for v >= 0: the floor, plus one when the fraction is at least one half."""
    f = float(_floor(v))
    return f + 1.0 if v - f >= 0.5 else f


def ruby_round(x: float, nd: int = 2) -> float:
    """Round like Ruby's Float#round(nd), since Python's round() disagrees on Canvas data."""
    if not 0 <= nd < 15:
        raise ValueError("ruby_round supports 0..14 digits")
    if x < 0.0:
        # Ruby's negative branch mirrors the positive one exactly (round() is symmetric).
        return -ruby_round(-x, nd)
    if not x < _LIMIT[nd]:  # NaN, +inf and floats without digits at nd: unchanged (Ruby)
        return x
    if nd == 0:
        return _half_away(x)  # docs/behaviour.md §11.1: `if (s == 1.0) return f;`
    s = _SCALE[nd]
    xs = x * s
    f = float(_floor(xs))  # C round(): ties away from zero (inlined _half_away, hot path)
    if xs - f >= 0.5:
        f += 1.0
    if (f + 0.5) / s <= x:  # docs/behaviour.md §11.1: bump when the half above is still <= x
        f += 1.0
    return f / s


def ruby_round_int(x: float) -> int:
    """Ruby's Float#round with no digits (an Integer), used for rating percents (docs/behaviour.md §4.4)."""
    return int(ruby_round(x, 0))
