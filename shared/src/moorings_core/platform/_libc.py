"""C library functions that Python does not wrap, found through ctypes on first use."""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["last_errno", "libc_function"]


@functools.cache
def libc_function(name: str, *argtypes: Any) -> Any:
    """The C library's `name` returning an int (errno kept for `last_errno`), or None where absent."""
    import ctypes  # on first use: start-up time matters more than this lookup

    try:
        library = ctypes.CDLL(None, use_errno=True)
    except (OSError, TypeError):  # Windows has no process-wide C library to look names up in
        return None
    function = getattr(library, name, None)
    if function is None:  # renameat2 needs glibc 2.28, renameatx_np is macOS's, syncfs is Linux's
        return None
    function.argtypes = list(argtypes) or [ctypes.c_int]
    function.restype = ctypes.c_int
    return function


def last_errno() -> int:
    """The errno the last `libc_function` call left."""
    import ctypes

    return ctypes.get_errno()
