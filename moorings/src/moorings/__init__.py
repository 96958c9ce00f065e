"""The Moorings front door: the `moorings` command that lists the servers and puts them into hosts."""
