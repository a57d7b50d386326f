#!/bin/sh
# make-venv.sh PYTHON DIR: a virtual environment with pip, even where Debian's python3
# lacks ensurepip (no python3-venv package): then the venv is made without pip and pip
# is installed from its wheel on PyPI, sha256 checked. Used by install.sh and test.
set -eu
python=$1
venv=$2

if ! "$python" -c 'import venv' >/dev/null 2>&1; then
    echo "make-venv.sh: $python has no venv module; run: apt-get install python3-venv" >&2
    exit 1
fi

if "$python" -c 'import ensurepip' >/dev/null 2>&1 && [ -z "${PYV_INSTALL_NO_ENSUREPIP:-}" ]; then
    "$python" -m venv "$venv"
else
    # Debian's python3 without python3-venv has venv but not ensurepip: make the venv
    # without pip, then bring pip's wheel from PyPI (sha256 checked) and let it install pip.
    "$python" -m venv --without-pip "$venv"
    "$venv/bin/python" - <<'BOOTSTRAP'
import hashlib, json, os, runpy, sys, tempfile, urllib.parse, urllib.request

index = "https://pypi.org/pypi/pip/json"
with urllib.request.urlopen(index, timeout=60) as response:
    release = json.load(response)
wheel = next(u for u in release["urls"] if u["filename"].endswith("py3-none-any.whl"))
path = os.path.join(tempfile.mkdtemp(), wheel["filename"])
with urllib.request.urlopen(urllib.parse.urljoin(index, wheel["url"]), timeout=60) as response:
    data = response.read()
if hashlib.sha256(data).hexdigest() != wheel["digests"]["sha256"]:
    sys.exit("make-venv.sh: pip's wheel from PyPI failed its sha256 check")
with open(path, "wb") as f:
    f.write(data)
sys.path.insert(0, path)
sys.argv = ["pip", "install", "--quiet", "--disable-pip-version-check", path]
runpy.run_module("pip", run_name="__main__", alter_sys=True)
BOOTSTRAP
fi
