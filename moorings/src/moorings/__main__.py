"""The `moorings` console script (also `python -m moorings`)."""


def main() -> None:
    from moorings.cli import main as run

    run()


if __name__ == "__main__":
    main()
