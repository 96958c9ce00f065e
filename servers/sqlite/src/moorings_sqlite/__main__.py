"""The `moorings-sqlite` console script (also `python -m moorings_sqlite`)."""

from moorings_core import run_program


def main() -> None:
    run_program("moorings_sqlite.server:PROGRAM")


if __name__ == "__main__":
    main()
