"""The `moorings-postgres` console script (also `python -m moorings_postgres`)."""

from moorings_core import run_program


def main() -> None:
    run_program("moorings_postgres.server:PROGRAM")


if __name__ == "__main__":
    main()
