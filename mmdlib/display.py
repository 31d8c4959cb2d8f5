"""Helpers for showing library code inside the book's chapters."""

from __future__ import annotations

import inspect
from typing import Callable


def print_source(function: Callable, *, docstring: bool = False) -> None:
    """Print a function's source code, without its docstring unless ``docstring`` is True.

    Chapters use it to show the exact lines that compute a formula instead of retyping them.

    Raises:
        TypeError: if the source of ``function`` cannot be retrieved (a builtin, for example).
    """
    source = inspect.getsource(function)
    if not docstring:
        head, marker, rest = source.partition('    """')
        if marker:
            source = head + rest.partition('"""\n')[2]
    print(source)
