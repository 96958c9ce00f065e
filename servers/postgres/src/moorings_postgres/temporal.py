"""Dates and timestamps, every one PostgreSQL can hold, as ISO 8601 text.

asyncpg decodes them into Python's `date` and `datetime`, which stop at the years 1 and 9999:
a query meeting '10000-01-01' or '4713-01-01 BC' fails as a whole, and 'infinity' comes back as
the last microsecond of 9999, a real value it cannot be told from. These codecs take PostgreSQL's
own numbers instead (days, or microseconds, since 2000-01-01) and write ISO 8601: `infinity` and
`-infinity` as those words, years outside 0000-9999 with a sign ("+10000-01-01", "-4712-01-01"
for 4713 BC, as ISO 8601 counts years). Parameters go the other way, from `date` and `datetime`
values (see `parameters`) or the words `infinity` and `-infinity`.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

__all__ = [
    "decode_date",
    "decode_timestamp",
    "decode_timestamptz",
    "encode_date",
    "encode_timestamp",
    "encode_timestamptz",
]

_DATE_INFINITY, _DATE_MINUS_INFINITY = 2**31 - 1, -(2**31)
_TIME_INFINITY, _TIME_MINUS_INFINITY = 2**63 - 1, -(2**63)
_EPOCH = date(2000, 1, 1)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_DAYS_1970_TO_2000 = 10_957
_MICROS_PER_DAY = 86_400_000_000
_UTC_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


def decode_date(parts: tuple[int]) -> str:
    days = parts[0]
    if days in (_DATE_INFINITY, _DATE_MINUS_INFINITY):
        return "infinity" if days > 0 else "-infinity"
    return _date_text(days)


def decode_timestamp(parts: tuple[int]) -> str:
    return _timestamp_text(parts[0], "")


def decode_timestamptz(parts: tuple[int]) -> str:
    return _timestamp_text(parts[0], "+00:00")  # PostgreSQL sends UTC


def encode_date(value: object) -> tuple[int]:
    if value in ("infinity", "-infinity"):
        return (_DATE_INFINITY if value == "infinity" else _DATE_MINUS_INFINITY,)
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        raise TypeError(f"a date is needed, not {type(value).__name__}")
    return (value.toordinal() - _EPOCH_ORDINAL,)


def encode_timestamp(value: object) -> tuple[int]:
    if value in ("infinity", "-infinity"):
        return (_TIME_INFINITY if value == "infinity" else _TIME_MINUS_INFINITY,)
    if isinstance(value, datetime):
        naive = value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
        return (_micros(naive.replace(tzinfo=timezone.utc)),)
    return (encode_date(value)[0] * _MICROS_PER_DAY,)


def encode_timestamptz(value: object) -> tuple[int]:
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)  # a time without a zone is taken as UTC
    return encode_timestamp(value)


def _micros(moment: datetime) -> int:
    delta = moment - _UTC_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _timestamp_text(micros: int, zone: str) -> str:
    if micros in (_TIME_INFINITY, _TIME_MINUS_INFINITY):
        return "infinity" if micros > 0 else "-infinity"
    days, micros = divmod(micros, _MICROS_PER_DAY)
    seconds, fraction = divmod(micros, 1_000_000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    clock = f"{hours:02d}:{minutes:02d}:{seconds:02d}" + (f".{fraction:06d}" if fraction else "")
    return f"{_date_text(days)}T{clock}{zone}"


def _date_text(days: int) -> str:
    """Days since 2000-01-01 as an ISO 8601 date, with a signed year outside 0000-9999."""
    ordinal = days + _EPOCH_ORDINAL
    if 1 <= ordinal <= date.max.toordinal():
        return date.fromordinal(ordinal).isoformat()
    year, month, day = _civil(days + _DAYS_1970_TO_2000)
    return (
        f"{year:+05d}-{month:02d}-{day:02d}" if not 0 <= year <= 9999 else f"{year:04d}-{month:02d}-{day:02d}"
    )


def _civil(days: int) -> tuple[int, int, int]:
    """The proleptic Gregorian date `days` after 1970-01-01 (year 0 is 1 BC), by Howard Hinnant's
    `civil_from_days`, which holds for any number of days."""
    days += 719_468
    era = days // 146_097
    day_of_era = days - era * 146_097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146_096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = shifted_month + 3 if shifted_month < 10 else shifted_month - 9
    return year_of_era + era * 400 + (month <= 2), month, day
