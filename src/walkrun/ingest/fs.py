"""The file system side of an import: which files in a folder may be read, and reading them safely.

Only regular files are ever opened. A FIFO or a device would block or never
end, so it is reported from its ``lstat`` alone; opening uses ``O_NONBLOCK``
and checks ``fstat`` again, so a file swapped for a FIFO after the listing
cannot hang the import either. Symbolic links are followed only when their
target stays inside the imported folder: a link to ``/etc/passwd`` is
reported without reading (or echoing) a byte of it.

Names are kept as Python gives them (undecodable bytes as surrogate escapes)
for opening; everything shown to a person goes through ``printable``.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import IO

__all__ = [
    "FolderFile",
    "file_key",
    "junk",
    "list_folder",
    "one_line",
    "open_regular",
    "printable",
    "regular_problem",
]

JUNK_NAMES = frozenset({"thumbs.db", "desktop.ini", "__macosx", "$recycle.bin"})


@dataclass(frozen=True)
class FolderFile:
    """One name found in a folder: ``problem`` is set when it must not be read."""

    path: Path
    rel: str  # '/'-separated, relative to the imported folder
    size: int = 0
    mtime_ns: int = 0
    problem: str = ""
    follow: bool = False  # a symbolic link whose target is a regular file inside the folder


def printable(name: str) -> str:
    """``name`` with control characters, newlines and undecodable bytes escaped (never raw to a terminal)."""
    out = []
    for c in name:
        if 0xDC80 <= ord(c) <= 0xDCFF:  # surrogateescape: an undecodable byte of the on-disk name
            out.append(f"\\x{ord(c) - 0xDC00:02x}")
        elif c.isprintable():
            out.append(c)
        else:
            out.append(repr(c)[1:-1] if ord(c) < 0xD800 or ord(c) > 0xDFFF else f"\\u{ord(c):04x}")
    return "".join(out)


def one_line(text: object, limit: int = 500) -> str:
    """One printable line of at most ``limit`` characters."""
    line = printable(" ".join(str(text).split()))
    return line if len(line) <= limit else line[: limit - 1] + "…"


def file_key(text: str) -> bytes:
    """An exact, storable key for a name that may hold surrogate escapes (SQLite text must be UTF-8)."""
    return text.encode("utf-8", "surrogatepass")


def junk(part: str) -> bool:
    """Hidden files and OS droppings (Thumbs.db, __MACOSX): never activities, never listed."""
    return part.startswith(".") or part.casefold() in JUNK_NAMES


def regular_problem(mode: int) -> str:
    """Why a file of this ``st_mode`` is not read, or '' for a regular file."""
    if stat.S_ISREG(mode):
        return ""
    if stat.S_ISFIFO(mode):
        kind = "a FIFO, a named pipe"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    elif stat.S_ISSOCK(mode):
        kind = "a socket"
    else:
        kind = "not a file"
    return f"not a regular file ({kind}), not read"


def _inside(target: Path, root: Path) -> bool:
    try:
        target.relative_to(root)
    except ValueError:
        return False
    return True


def _classify(path: Path, rel: str, root: Path) -> FolderFile:
    try:
        st = os.lstat(path)
    except OSError as exc:
        return FolderFile(path, rel, problem=f"cannot read: {exc.strerror or exc}")
    if stat.S_ISLNK(st.st_mode):
        try:
            target = path.resolve(strict=True)
            tst = os.stat(target)
        except (OSError, RuntimeError):
            return FolderFile(path, rel, problem="symbolic link to nothing readable, not followed")
        if not _inside(target, root):
            return FolderFile(path, rel, problem="symbolic link to outside the imported folder, not followed")
        if problem := regular_problem(tst.st_mode):
            return FolderFile(path, rel, problem=f"symbolic link to something that is {problem}")
        return FolderFile(path, rel, tst.st_size, tst.st_mtime_ns, follow=True)
    if problem := regular_problem(st.st_mode):
        return FolderFile(path, rel, problem=problem)
    return FolderFile(path, rel, st.st_size, st.st_mtime_ns)


def list_folder(root: Path) -> list[FolderFile]:
    """Every non-junk name under ``root`` (recursive, sorted by path parts); nothing is opened.

    Linked folders are not descended into: a link loop or a link to ``/``
    would make the listing endless. They are reported instead.
    """
    real_root = root.resolve()
    found: list[FolderFile] = []
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        for d in list(dirnames):
            if junk(d):
                dirnames.remove(d)
            elif (base / d).is_symlink():
                dirnames.remove(d)
                rel = (base / d).relative_to(root).as_posix()
                found.append(FolderFile(base / d, rel, problem="symbolic link to a folder, not followed"))
        for f in filenames:
            if not junk(f):
                path = base / f
                found.append(_classify(path, path.relative_to(root).as_posix(), real_root))
    # Sorting the relative parts (not the walk order) makes the order independent of the OS.
    return sorted(found, key=lambda e: e.rel.split("/"))


def open_regular(path: Path, *, follow: bool = True) -> IO[bytes]:
    """``path`` opened for reading, refusing anything but a regular file without blocking on it.

    Raises ``OSError``; a FIFO, device or socket raises one whose ``strerror`` says so.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        if problem := regular_problem(os.fstat(fd).st_mode):
            raise OSError(0, problem)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
