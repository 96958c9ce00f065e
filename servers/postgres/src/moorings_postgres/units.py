"""Counts, sizes, durations and shares as a person reads them ("1 index", "12 MB", "3 h 5 min", "93.1%")."""

from __future__ import annotations

__all__ = ["count", "duration", "percent", "size"]

_SIZE_UNITS = ("bytes", "kB", "MB", "GB", "TB", "PB")  # powers of 1024, as PostgreSQL writes them
_CLOCK = (("d", 86_400, "h", 3_600), ("h", 3_600, "min", 60), ("min", 60, "s", 1))  # a unit, then the next


def size(count: float) -> str:
    """A number of bytes: "8192 bytes", "16 kB", "1.5 GB"."""
    value = float(count)
    for unit in _SIZE_UNITS:
        if abs(value) < 1024 or unit == _SIZE_UNITS[-1]:
            return (
                f"{int(count):,} bytes" if unit == "bytes" else f"{value:.1f}".removesuffix(".0") + f" {unit}"
            )
        value /= 1024
    raise AssertionError("unreachable: the last unit takes any value")


def duration(seconds: float) -> str:
    """A length of time to the precision that matters: "0.4 s", "42 s", "5 min 3 s", "2 d 4 h"."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    for unit, length, smaller, smaller_length in _CLOCK:
        if whole >= length:
            rest = (whole % length) // smaller_length
            return f"{whole // length} {unit}" + (f" {rest} {smaller}" if rest else "")
    return f"{whole} s"


def percent(share: float) -> str:
    """A share (0.931) as a percentage ("93.1%"; "75%" for 0.75)."""
    return f"{share * 100:.1f}".removesuffix(".0") + "%"


def count(number: int, noun: str, plural: str | None = None) -> str:
    """`number` of `noun`: "1 index", "2 indexes" (`plural` when adding an s will not do)."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"
