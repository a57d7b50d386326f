"""Where pyv keeps things: the root and the folders inside it.

    $PYV_ROOT/                 (default: platformdirs' user data dir for "pyv")
        versions/<name>/       one installed version each (any folder, as in pyenv; what
                               pyv installs itself also holds pyv's receipt)
        versions/<v>/envs/<n>/ pyenv-virtualenv's environments; versions/<n> links to one
        versions/3.12 -> 3.12.1  alias links, kept by the registry
        shims/                 the shims, placed by rehash
        version                the global version file
        .lock                  held by every writer of the registry
        .scratch/              staging for installs; same filesystem as versions/
    $PYV_CACHE_DIR             (default: platformdirs' user cache dir) downloads

Stdlib only and string paths: the hot commands import this module.
"""

from __future__ import annotations

import os

RECEIPT = "pyv-receipt.json"
"""File pyv writes into what it installs: where it came from, its implementation."""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


class Layout:
    """The folders of one pyv root."""

    __slots__ = ("_cache", "global_file", "lock", "root", "scratch", "shims", "versions")

    def __init__(self, root: str, *, cache: str | None = None) -> None:
        self.root = os.path.abspath(root)
        self.versions = os.path.join(self.root, "versions")
        self.shims = os.path.join(self.root, "shims")
        self.global_file = os.path.join(self.root, "version")
        self.lock = os.path.join(self.root, ".lock")
        self.scratch = os.path.join(self.root, ".scratch")
        self._cache = cache

    @property
    def cache(self) -> str:
        """The download cache folder."""
        if self._cache is None:
            import platformdirs

            self._cache = platformdirs.user_cache_dir("pyv", appauthor=False)
        return self._cache

    def version_dir(self, name: str) -> str:
        """The folder of installation (or alias) ``name``; ``name`` must stay inside."""
        if not stays_inside(name):
            raise ValueError(f"unsafe version name {name!r}")
        return os.path.join(self.versions, name)

    def __repr__(self) -> str:
        return f"Layout({self.root!r})"


def from_environ(environ: Mapping[str, str]) -> Layout:
    """The layout named by PYV_ROOT and PYV_CACHE_DIR, else the platform's defaults.

    A root pyv cannot use safely is a PyvError (see :func:`root_problem`).
    """
    root = environ.get("PYV_ROOT")
    named = "PYV_ROOT"
    if not root:
        import platformdirs

        root = platformdirs.user_data_dir("pyv", appauthor=False)
        named = "the default pyv root (from HOME or XDG_DATA_HOME)"
    reason = root_problem(root)
    if reason is not None:
        from pyv.errors import PyvError, printable

        raise PyvError(
            f"{named} {reason}: `{printable(root, 200)}'",
            hint="set PYV_ROOT to an absolute path without `:' or control characters",
        )
    return Layout(root, cache=environ.get("PYV_CACHE_DIR") or None)


def root_problem(root: str) -> str | None:
    """Why ``root`` cannot be pyv's root, or None if it can.

    A relative root would be resolved against the working directory, so any folder the
    user stands in (a cloned repository) could bring its own ``versions/`` and have its
    "python" run. pyv refuses it rather than resolving it once at ``init``: the shims
    read PYV_ROOT on every run, from any process, and must reach the same answer (they
    leave a relative one to pyv). A ``:`` would split the shims folder, or a version's
    ``bin``, into two PATH entries, the second of them relative: the same hole. The root
    is also written into shims and init code: control characters have no business there,
    and bytes that are not UTF-8 cannot be written into the shim at all.
    """
    if not root.startswith("/"):
        return "is not an absolute path"
    if ":" in root:
        return "contains `:', which PATH cannot hold"
    if any(c < " " or "\x7f" <= c <= "\x9f" or "\ud800" <= c <= "\udfff" for c in root):
        return "contains a control character or a byte that is not UTF-8"
    return None


_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+_-@")
MAX_NAME = 64


def is_safe_name(name: str) -> bool:
    """True if ``name`` can only ever mean a folder directly inside versions/.

    No separators, no ``..``, no leading ``-`` or ``.``: the rule that keeps a
    .python-version from pointing outside the versions folder (CVE-2022-35861 in
    pyenv). The shim applies the same rule in sh. pyenv-virtualenv's
    ``VERSION/envs/NAME`` is allowed too, each of its two names checked the same way.
    """
    if "/" in name:
        parts = name.split("/")
        return len(parts) == 3 and parts[1] == "envs" and _safe_part(parts[0], parts[2])
    return _safe_part(name)


def _safe_part(*names: str) -> bool:
    return all(
        0 < len(name) <= MAX_NAME
        and name[0] not in "-."
        and ".." not in name
        and all(c in _NAME_CHARS for c in name)
        for name in names
    )


def stays_inside(name: str) -> bool:
    """True if ``versions/<name>`` can only be inside versions/: a selectable name, or
    any name pyenv would list there (:func:`is_listed_name`)."""
    return is_safe_name(name) or is_listed_name(name)


def is_listed_name(name: str) -> bool:
    """True if a folder of this name in versions/ counts as an installed version.

    pyenv counts every folder there, so pyv does too (names with spaces and dot
    folders such as ``.venv`` included), except its own temporary files
    (``.NAME.PID.tmp``) and names a terminal could be fooled by.
    """
    return (
        name not in ("", ".", "..")
        and "/" not in name
        and not any(c < " " or "\x7f" <= c <= "\x9f" or "\ud800" <= c <= "\udfff" for c in name)
        and not (name.startswith(".") and (name.endswith(".tmp") or name.endswith(".link")))
    )
