"""print_source shows a function's code with or without its docstring."""

from __future__ import annotations

import pytest

from mmdlib.display import print_source


def documented(x: float) -> float:
    """Double x."""
    return 2 * x


def test_docstring_removed(capsys):
    print_source(documented)
    output = capsys.readouterr().out
    assert "return 2 * x" in output
    assert "Double x." not in output


def test_docstring_kept(capsys):
    print_source(documented, docstring=True)
    assert "Double x." in capsys.readouterr().out


def test_builtin_raises():
    with pytest.raises(TypeError):
        print_source(len)
