"""Every call that differs between Linux, macOS and Windows, each with a portable path.

Nothing else in Moorings reads a POSIX-only attribute or imports a POSIX-only module: the rest of
the code asks these modules. What the OS offers is detected once (`capabilities.CAPABILITIES`), by
looking for each feature rather than at the OS's name, and each module takes the feature's path or
its portable one (Windows takes every portable path):

- `files`: directories as fds, entries opened with `openat(O_NOFOLLOW)`, no-replace renames with
  `renameat2(RENAME_NOREPLACE)` (Linux) or `renameatx_np(RENAME_EXCL)` (macOS). Portable:
  directories as checked paths re-checked around each use, opened files checked by identity,
  `os.rename` where it never replaces (Windows) or a hard link then an unlink.
- `descriptors`: `pread`, `copy_file_range`, one `syncfs` for a copied tree. Portable: seek and
  read, a buffered copy, an fsync per copied file.
- `stdio`: the protocol on private fds, fd 0 and 1 diverted. Portable: the protocol on fd 0 and 1,
  `sys.stdin` and `sys.stdout` redirected.
- `signals`: SIGTERM and SIGINT through the event loop. Portable: Python handlers for Ctrl-C,
  Ctrl-Break, and SIGTERM where it exists.
- `processes`: a process's start time from /proc, else `kill(pid, 0)`. Portable: "cannot tell".
  Child programs in a process group of their own, stopped with `killpg`. Portable: the child
  alone is stopped.

`MOORINGS_PORTABLE=1` forces every portable path, so the test suite runs them on Linux too.
"""
