"""How a version gets onto disk: one module per stage and per kind of build.

catalog      what can be installed: prebuilt builds (and, with source, releases)
plan         a request -> the build to install: choose, upgrade
download     bytes in the cache, verified against their sha256
diskspace    room for a download and for unpacking it, checked first
archive      a pure, safe tar reader
standalone   python-build-standalone's layout and its /install placeholder
preflight    what a source build needs from the system
source       configure, make, verify a python.org source release
install      orchestration only: scratch -> verify -> receipt -> rename
"""
