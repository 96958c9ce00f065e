"""The `moorings-filesystem` console script (also `python -m moorings_filesystem`)."""

from moorings_core import run_program


def main() -> None:
    run_program("moorings_filesystem.server:PROGRAM")


if __name__ == "__main__":
    main()
