"""The `moorings-openapi` console script (also `python -m moorings_openapi`)."""

from moorings_core import run_program


def main() -> None:
    run_program("moorings_openapi.server:PROGRAM")


if __name__ == "__main__":
    main()
