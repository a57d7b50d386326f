"""Which pyv roots pyv accepts (pyv.paths.from_environ): audit items F1 and F12."""

from __future__ import annotations

import os

import platformdirs
import pytest

from pyv import paths
from pyv.errors import PyvError

HINT = "; set PYV_ROOT to an absolute path without `:' or control characters"
CONTROL = "contains a control character or a byte that is not UTF-8"
REFUSED = [
    ("relative", ".pyvroot", "is not an absolute path: `.pyvroot'"),
    ("dot-slash", "./root", "is not an absolute path: `./root'"),
    ("home-tilde", "~/pyv", "is not an absolute path: `~/pyv'"),
    ("colon", "/a:b", "contains `:', which PATH cannot hold: `/a:b'"),
    ("newline", "/x/inj\ntouch /x/PWNED #", f"{CONTROL}: `/x/inj\\ntouch /x/PWNED #'"),
    ("escape", "/x/\x1b[31mred", f"{CONTROL}: `/x/\\x1b[31mred'"),
    ("delete", "/x/\x7f", f"{CONTROL}: `/x/\\x7f'"),
    ("c1-control", "/x/\x9b31m", f"{CONTROL}: `/x/\\x9b31m'"),
    ("not-utf8", os.fsdecode(b"/x/\xff"), f"{CONTROL}: `/x/\\udcff'"),
]


@pytest.mark.parametrize(("root", "reason"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_a_root_pyv_cannot_use_safely_is_refused(root: str, reason: str) -> None:
    with pytest.raises(PyvError) as caught:
        paths.from_environ({"PYV_ROOT": root})
    assert str(caught.value) == f"PYV_ROOT {reason}{HINT}"


@pytest.mark.parametrize("root", ["/a b/pyv root", "/é/'quoted'/$x/`y`", "/"])
def test_any_other_absolute_root_is_accepted(root: str) -> None:
    assert paths.from_environ({"PYV_ROOT": root}).root == os.path.normpath(root)


def test_an_empty_root_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda *a, **k: "/home/u/.local/share/pyv")
    assert paths.from_environ({"PYV_ROOT": ""}).root == "/home/u/.local/share/pyv"


def test_a_relative_default_root_is_refused_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # A relative HOME or XDG_DATA_HOME makes the default relative: the same hole.
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda *a, **k: "home/.local/share/pyv")
    with pytest.raises(PyvError, match=r"^the default pyv root \(from HOME or XDG_DATA_HOME\) is"):
        paths.from_environ({})
