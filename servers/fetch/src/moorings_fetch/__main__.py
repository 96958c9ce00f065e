"""The `moorings-fetch` console script (also `python -m moorings_fetch`)."""

from moorings_core import run_program


def main() -> None:
    run_program("moorings_fetch.server:PROGRAM")


if __name__ == "__main__":
    main()
