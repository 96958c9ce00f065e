"""PostgreSQL intervals, exactly, as ISO 8601 durations.

An interval is months, days and microseconds, kept apart because a month has no fixed length
(asyncpg's default turns it into a `timedelta`, counting a month as 30 days). A value becomes its
ISO 8601 duration ("P1Y2M3DT4H5M6.5S"; negative parts keep their sign, as PostgreSQL's
`iso_8601` interval style writes them), and a parameter may be given the same way, or as a
number of seconds.
"""

from __future__ import annotations

import re

__all__ = ["decode", "encode"]

_DURATION = re.compile(
    r"(?P<sign>-)?P(?:(?P<years>-?\d+)Y)?(?:(?P<months>-?\d+)M)?(?:(?P<weeks>-?\d+)W)?(?:(?P<days>-?\d+)D)?"
    r"(?:T(?:(?P<hours>-?\d+)H)?(?:(?P<minutes>-?\d+)M)?(?:(?P<seconds>-?\d+(?:[.,]\d+)?)S)?)?"
)
_MICROS = {"hours": 3_600_000_000, "minutes": 60_000_000}


def decode(parts: tuple[int, int, int]) -> str:
    """(months, days, microseconds) as an ISO 8601 duration."""
    months, days, micros = parts
    years, months = _split(months, 12)
    date = "".join(f"{n}{unit}" for n, unit in ((years, "Y"), (months, "M"), (days, "D")) if n)
    sign = "-" if micros < 0 else ""
    seconds, fraction = divmod(abs(micros), 1_000_000)
    hours, seconds = divmod(seconds, 3_600)
    minutes, seconds = divmod(seconds, 60)
    clock = "".join(f"{sign}{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M")) if n)
    if seconds or fraction:
        clock += f"{sign}{seconds}" + (f".{fraction:06d}".rstrip("0") if fraction else "") + "S"
    if not date and not clock:
        return "PT0S"
    return f"P{date}" + (f"T{clock}" if clock else "")


def encode(value: object) -> tuple[int, int, int]:
    """An interval parameter: an ISO 8601 duration ("P1DT2H") or a number of seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return 0, 0, round(value * 1_000_000)
    match = _DURATION.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None or value in ("P", "-P") or str(value).endswith("T"):
        raise ValueError(
            "an interval parameter must be an ISO 8601 duration such as 'P1Y2M3DT4H5M6S' or a number "
            "of seconds; for PostgreSQL's own syntax ('1 day 2 hours') write $1::text::interval in the SQL"
        )
    found = {name: text for name, text in match.groupdict().items() if text and name != "sign"}
    months = int(found.get("years", 0)) * 12 + int(found.get("months", 0))
    days = int(found.get("weeks", 0)) * 7 + int(found.get("days", 0))
    micros = sum(int(found.get(unit, 0)) * scale for unit, scale in _MICROS.items())
    micros += round(float(found.get("seconds", "0").replace(",", ".")) * 1_000_000)
    if match["sign"]:
        return -months, -days, -micros
    return months, days, micros


def _split(months: int, per_year: int) -> tuple[int, int]:
    """Years and months with the sign of `months` on both (divmod would floor toward minus infinity)."""
    years = abs(months) // per_year
    rest = abs(months) % per_year
    return (-years, -rest) if months < 0 else (years, rest)
