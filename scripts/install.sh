#!/bin/sh
# Install pyv for this user, from this clone (run it from anywhere: sh path/to/scripts/install.sh):
#   - a virtual environment just for pyv, made with the system's python3, never an
#     interpreter that pyv or pyenv manages (not a shim, not under ~/.pyenv or pyv's
#     root): $PYV_TOOL_HOME, default ~/.local/share/pyv-tool;
#   - pyv installed into it, not editable (bytecode compiled), built from a temporary
#     copy of the clone (no .git, .venv, build/): nothing stale is shipped, the clone is not written;
#   - a `pyv` launcher linked into $PYV_BIN_DIR, default ~/.local/bin.
# Run it again to upgrade in place. At the end it runs `pyv --version` to show that it works.
#
#   PYV_TOOL_HOME=DIR         the virtual environment (default ~/.local/share/pyv-tool)
#   PYV_BIN_DIR=DIR           where the `pyv` link goes (default ~/.local/bin)
#   PYV_INSTALL_PYTHON=PATH   the python3 to build on (default: /usr/bin/python3, else
#                             /usr/local/bin/python3, else python3 on PATH)
#
# A Debian python3 without python3-venv (no ensurepip) is handled by make-venv.sh: the
# environment is made without pip, then pip's wheel is fetched from PyPI, sha256 checked.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -f "$here/pyproject.toml" ] || [ ! -d "$here/src/pyv" ]; then
    echo "install.sh: $here is not a pyv clone; run scripts/install.sh from a clone" >&2
    exit 1
fi
tool_home=${PYV_TOOL_HOME:-$HOME/.local/share/pyv-tool}
bin_dir=${PYV_BIN_DIR:-$HOME/.local/bin}

# True if $1 (an interpreter, or its sys.base_prefix and a /) belongs to pyenv or pyv.
managed() {
    case $1 in
        */.pyenv/* | "${PYENV_ROOT:-$HOME/.pyenv}"/* | */pyv/shims/* | */pyv/versions/*) return 0 ;;
        "${PYV_ROOT:-$HOME/.local/share/pyv}"/*) return 0 ;;
    esac
    return 1
}

# True if $1 is a python3 >= 3.9 that pyenv and pyv do not manage.
usable() {
    if [ -z "$1" ] || [ ! -x "$1" ] || managed "$1"; then return 1; fi
    # A symlink or wrapper can still lead to a managed interpreter: ask the interpreter.
    base=$("$1" -c 'import sys; print(sys.base_prefix if sys.version_info >= (3, 9) else "")' \
        2>/dev/null) || return 1
    [ -n "$base" ] && ! managed "$base/"
}

if [ -n "${PYV_INSTALL_PYTHON:-}" ]; then
    python=$PYV_INSTALL_PYTHON
    if ! usable "$python"; then
        echo "install.sh: PYV_INSTALL_PYTHON=$python is not a Python >= 3.9 outside pyenv and pyv" >&2
        exit 1
    fi
else
    python=
    # /usr/bin first: `command -v python3` is often pyenv's shim.
    for candidate in /usr/bin/python3 /usr/local/bin/python3 "$(command -v python3 || true)"; do
        if usable "$candidate"; then
            python=$candidate
            break
        fi
    done
    if [ -z "$python" ]; then
        echo "install.sh: no python3 >= 3.9 outside pyenv and pyv; install python3 or set PYV_INSTALL_PYTHON" >&2
        exit 1
    fi
fi

# An environment left by another interpreter (the system's python3 was upgraded, or
# PYV_INSTALL_PYTHON changed) is made again rather than patched.
if [ -f "$tool_home/pyvenv.cfg" ]; then
    want=$("$python" -c 'import sys; print(sys.version)')
    have=$("$tool_home/bin/python" -c 'import sys; print(sys.version)' 2>/dev/null || true)
    if [ "$want" != "$have" ]; then
        echo "install.sh: remaking $tool_home for $python" >&2
        rm -rf "$tool_home"
    fi
fi
sh "$here/scripts/make-venv.sh" "$python" "$tool_home"

# Build from a clean copy: setuptools builds in the source tree and ships whatever its
# build/lib holds, including modules since deleted from src/.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
mkdir "$work/pyv"
for f in "$here"/* "$here"/.[!.]*; do
    case ${f##*/} in
        '*' | '.[!.]*' | .git | .venv | venv | .tox | .nox | build | dist) continue ;;
        *.egg-info | .*_cache) continue ;;
    esac
    cp -R "$f" "$work/pyv/"  # symlinks stay links (src/pyv/pyv-shim -> ../../shims/pyv-shim)
done
find "$work/pyv" \( -name __pycache__ -o -name '*.egg-info' \) -prune -exec rm -rf {} +
"$tool_home/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "$work/pyv"

# A launcher of our own: pip's console script imports re (3 ms) on every call, and
# prompts and editors call pyv all the time. -S: no site module (3 ms: it reads every
# .pth file), so the launcher puts the tool's site-packages on sys.path itself; -E: no
# PYTHON* variables.
launcher=$tool_home/bin/pyv-launcher
interpreter=$tool_home/bin/python
site_dirs=$("$interpreter" -c 'import sysconfig; print(sorted({sysconfig.get_path(k) for k in ("purelib", "platlib")}))')
case $interpreter in
    *[[:space:]]*) long=yes ;;
    *) if [ ${#interpreter} -gt 120 ]; then long=yes; else long=no; fi ;;
esac
if [ "$long" = no ]; then
    printf '#!%s -SE\n' "$interpreter" >"$launcher.tmp"
else
    # A shebang cannot hold a space and is cut at 127 bytes on older kernels: let sh start it.
    cat >"$launcher.tmp" <<LAUNCHER
#!/bin/sh
'''exec' "$interpreter" -SE "\$0" "\$@"
' '''
LAUNCHER
fi
printf 'import sys\nsys.path += %s\nfrom pyv.main import entry\nentry()\n' "$site_dirs" >>"$launcher.tmp"
chmod 755 "$launcher.tmp"
mv "$launcher.tmp" "$launcher"

mkdir -p "$bin_dir"
ln -sf "$launcher" "$bin_dir/pyv"
echo "install.sh: pyv installed in $tool_home (on $python), linked as $bin_dir/pyv" >&2
echo "install.sh: to use pyv in every shell, add this line to ~/.bashrc (zsh: ~/.zshrc):" >&2
echo "    eval \"\$($bin_dir/pyv init - bash)\"" >&2
echo "install.sh: fish: add \"$bin_dir/pyv init - fish | source\" to ~/.config/fish/config.fish" >&2
"$bin_dir/pyv" --version
