"""Read the book's table of contents; shared by the tests that build or run the book's pages."""

from __future__ import annotations


def toc_files(toc: dict) -> list[str]:
    """Return every ``file`` entry of a jb-book table of contents, root first, in reading order."""
    files = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            for key in ("chapters", "sections", "parts"):
                walk(entry.get(key, []))

    for key in ("parts", "chapters", "sections"):
        walk(toc.get(key, []))
    return files
