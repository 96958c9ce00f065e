"""The `moorings-git` console script (also `python -m moorings_git`)."""

from moorings_core import run_program


def main() -> None:
    run_program("moorings_git.server:PROGRAM")


if __name__ == "__main__":
    main()
