"""A tiny fake CPython source tree: a configure script and a Makefile that the tests
write, so the build logic runs in well under a second.

``configure`` records its arguments (and the environment it saw) and writes the
Makefile. ``make`` prints compiler lines, one per C file; ``make install`` puts a fake
interpreter in $(DESTDIR)$(prefix)/bin that answers pyv's probe as VERSION and says
which modules it cannot import (the MISSING file of the tree lists them).
Faults: a tree with FAIL_CONFIGURE or FAIL_MAKE fails there; SLOW_MAKE makes make
say "sleeping", stay silent for 3 s, then print a line every 0.1 s for a minute (to be
killed).
"""

from __future__ import annotations

import io
import tarfile

CONFIGURE = r"""#!/bin/sh
printf '%s\n' "$@" > configure.args
env > configure.env
[ -e FAIL_CONFIGURE ] && { echo "configure: error: no acceptable C compiler"; exit 1; }
echo "checking for gcc... gcc"
prefix=
for arg in "$@"; do
    case $arg in --prefix=*) prefix=${arg#--prefix=} ;; esac
done
printf 'PREFIX = %s\n' "$prefix" > Makefile.vars
cat Makefile.vars Makefile.in > Makefile
"""

MAKEFILE = """\
all:
\t@if [ -e SLOW_MAKE ]; then echo sleeping; sleep 3; i=0; \\
\t    while [ $$i -lt 600 ]; do echo "tick $$i"; i=$$((i+1)); sleep 0.1; done; fi
\t@for f in Objects/a.c Objects/b.c Python/c.c Modules/d.c; do echo "gcc -c $$f -o $${f%.c}.o"; done
\t@if [ -e FAIL_MAKE ]; then echo "Objects/b.c:1: error: it broke"; exit 2; fi
\t@echo "$(MAKEFLAGS)" > make.flags

install:
\tmkdir -p "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/lib/pythonVER"
\tsed "s|MISSING_PLACEHOLDER|$(CURDIR)/MISSING|" fake-python > "$(DESTDIR)$(PREFIX)/bin/pythonVER"
\tchmod 755 "$(DESTDIR)$(PREFIX)/bin/pythonVER"
\tln -s pythonVER "$(DESTDIR)$(PREFIX)/bin/python3"
\tprintf '#!/bin/sh\\necho pip\\n' > "$(DESTDIR)$(PREFIX)/bin/pip3"
\tchmod 755 "$(DESTDIR)$(PREFIX)/bin/pip3"
\tcp configure.args make.flags Objects/a.c "$(DESTDIR)$(PREFIX)/"
"""


def fake_python(version: str, tree_missing: str) -> str:
    """An interpreter that answers pyv's probe, and its module check from MISSING."""
    return f"""#!/bin/sh
case "$*" in
*__import__*) cat "{tree_missing}" 2>/dev/null || echo; exit 0 ;;
esac
ft=0
grep -q -- --disable-gil "$(dirname "$0")/../configure.args" 2>/dev/null && ft=1
printf 'CPython\\n{version}\\nfinal\\n0\\n%s\\n0\\n' "$ft"
cd "$(dirname "$0")/.." && pwd
"""


def source_tarball(version: str, *, files: dict[str, str] | None = None) -> bytes:
    """A .tgz of a fake Python-VERSION tree."""
    minor = ".".join(version.split(".")[:2])
    top = f"Python-{version}"
    members = {
        "configure": CONFIGURE,
        "Makefile.in": MAKEFILE.replace("VER", minor),
        "fake-python": fake_python(version, "MISSING_PLACEHOLDER"),
        "Objects/a.c": "",
        "Objects/b.c": "",
        "Python/c.c": "",
        "Modules/d.c": "",
        **(files or {}),
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            info.mode = 0o755 if name in ("configure", "fake-python") else 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()
