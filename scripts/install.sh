#!/bin/sh
# Install pyv for this user, from this clone:
#   - a virtual environment just for pyv, made with the system's python3
#     (never an interpreter pyv or pyenv manages): $PYV_TOOL_HOME, default
#     ~/.local/share/pyv-tool;
#   - pyv installed into it (not editable, so its bytecode is compiled);
#   - a `pyv` launcher linked into $PYV_BIN_DIR, default ~/.local/bin.
# Run it again to upgrade. Then it runs `pyv --version` to show that it works.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
tool_home=${PYV_TOOL_HOME:-$HOME/.local/share/pyv-tool}
bin_dir=${PYV_BIN_DIR:-$HOME/.local/bin}

python=${PYTHON:-}
if [ -z "$python" ]; then
    for candidate in /usr/bin/python3 /usr/local/bin/python3 "$(command -v python3 || true)"; do
        case $candidate in
            '' | */.pyenv/shims/* | */pyv*/shims/*) continue ;;
        esac
        if [ -x "$candidate" ]; then
            python=$candidate
            break
        fi
    done
fi
if [ -z "$python" ]; then
    echo "install.sh: no python3 found outside version-manager shims; set PYTHON=/path/to/python3" >&2
    exit 1
fi
sh "$here/scripts/make-venv.sh" "$python" "$tool_home"
"$tool_home/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "$here"

# A launcher of our own: pip's console script imports re (3 ms) on every call, and
# prompts and editors call pyv all the time.
launcher=$tool_home/bin/pyv-launcher
cat >"$launcher.tmp" <<LAUNCHER
#!$tool_home/bin/python -sE
from pyv.main import entry
entry()
LAUNCHER
chmod 755 "$launcher.tmp"
mv "$launcher.tmp" "$launcher"

mkdir -p "$bin_dir"
ln -sf "$launcher" "$bin_dir/pyv"
echo "install.sh: pyv installed in $tool_home, linked as $bin_dir/pyv" >&2
case ":$PATH:" in
    *":$bin_dir:"*) ;;
    *) echo "install.sh: $bin_dir is not on PATH; add it: export PATH=\"$bin_dir:\$PATH\"" >&2 ;;
esac
"$bin_dir/pyv" --version
