"""Installing a python.org source release, from start to finish: the preflight, the
tarball's download, the build (pyv.builds.source), the check, and the same commit as a
prebuilt install (receipt, one rename into ``versions/`` under the lock).

Imported only when a source build is planned: a prebuilt install never pays for it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from pyv import interpreter, reconcile, registry
from pyv.builds import diskspace, display, download, source
from pyv.builds.shared import installed_already, no_phase, probed
from pyv.builds.source import SourceBuild
from pyv.errors import PyvError, say, warn
from pyv.paths import Layout

_ONE_BUILD_AT_A_TIME = threading.Lock()  # each build already uses every core


def install_source(
    layout: Layout,
    build: SourceBuild,
    *,
    environ: Mapping[str, str],
    force: bool = False,
    offline: bool = False,
    quiet: bool = False,
    line: display.Line | None = None,
    patches: Sequence[str] = (),
) -> bool:
    """Build a python.org source release and install it, showing its phases on ``line``;
    False if it was installed already (and not ``force``). ``force`` also builds on a
    system the preflight finds lacking, and installs a build that misses some of
    source.CHECKED, with a warning."""
    name = build.name
    if installed_already(layout, name, force=force):
        return False
    prefix = layout.version_dir(name)
    if any(c.isspace() for c in prefix):
        raise PyvError(
            f"pyv cannot build Python into {prefix}: CPython's make install does not quote"
            " paths, so a build needs a pyv root without spaces",
            hint="set PYV_ROOT to one, or install a prebuilt version",
        )
    from pyv.builds import preflight  # only source builds need it (3 ms to import)

    system = preflight.System.here(environ)
    report_ = preflight.check(system, patching=bool(patches))
    if not report_.ok:
        refusal = preflight.refusal(name, report_, system.manager, root=os.geteuid() == 0)
        if not force:
            raise PyvError(refusal, hint="--force builds anyway")
        warn(f"{refusal}; building anyway (--force)")
    # The user's options are read now: a typo in them should not cost a download first.
    configure = source.configure_args(build.release_tuple, build.variant, prefix, environ)
    make = source.make_args(environ)
    if not quiet:
        say(_announcement(build, environ))
    progress = line.downloading if line else None
    tarball, sha256, url = _fetch_source(build, layout, environ, offline, progress)
    phase = line.set if line else no_phase
    log = source.log_path(layout.cache, name)
    with _build_turn(phase), registry.scratch(layout, "build") as work:
        # Built outside the lock: a build takes minutes, and the scratch folder carries
        # this process's pid, so no other pyv's reconcile step removes it meanwhile.
        tree_root = os.path.join(work, "src")
        os.mkdir(tree_root)
        phase("unpack")
        with diskspace.unpacking(tarball, layout.root):
            tree = source.unpack(tarball, tree_root, build.release.version)
        source.apply_patches(tree, list(patches), log)
        dest = os.path.join(work, "dest")
        source.Build(name, tree, dest, log, phase).run(configure, make, environ)
        phase("check")
        staged = dest + prefix
        _check_built(staged, build, force=force)
        receipt = {
            "name": name,
            "implementation": "cpython",
            "source": "build",
            "url": url,
            "sha256": sha256,
            "configure": configure,
            "log": log,
        }
        with reconcile.lock(layout):
            if name in registry.names(layout) and not force:
                return False
            registry.write_receipt(staged, receipt)
            registry.commit_or_replace(layout, staged, name)
    return True


@contextlib.contextmanager
def _build_turn(phase: Callable[[str], None]) -> Iterator[None]:
    """Hold _ONE_BUILD_AT_A_TIME, showing the build as queued while another has it."""
    if not _ONE_BUILD_AT_A_TIME.acquire(blocking=False):
        phase("queued")
        _ONE_BUILD_AT_A_TIME.acquire()
    try:
        yield
    finally:
        _ONE_BUILD_AT_A_TIME.release()


def _announcement(build: SourceBuild, environ: Mapping[str, str]) -> str:
    """Why pyv builds, and roughly how long it takes (151 s on 2 cores for 3.11)."""
    from pyv import platforms

    minutes = max(1, round(6 / (os.cpu_count() or 1)))
    took = f"about {minutes} minute{'s' if minutes > 1 else ''}"
    if build.asked:
        return f"building {build.name} from source (--build), {took}"
    platform = platforms.current(dict(environ))
    return f"no prebuilt {build.name} for {platform}: building from source, {took}"


def _fetch_source(
    build: SourceBuild,
    layout: Layout,
    environ: Mapping[str, str],
    offline: bool,
    progress: Any,
) -> tuple[str, str, str]:
    """The release's tarball, verified, in the cache: either kind the cache has, else
    the smaller kind where the server has it (a mirror may hold only one), else the
    other."""
    tarballs = [t for t in map(build.release.tarball, source.KINDS) if t is not None]
    for tarball in tarballs:  # the cache first: a mirror that is down then costs nothing
        url = source.url_for(tarball, environ)
        with contextlib.suppress(download.NotCached):
            path = download.fetch(
                url, tarball.sha256, cache=layout.cache, environ=environ, offline=True
            )
            return path, tarball.sha256, url
    tried: list[download.DownloadError] = []
    for tarball in tarballs:
        url = source.url_for(tarball, environ)
        try:
            path = download.fetch(
                url,
                tarball.sha256,
                cache=layout.cache,
                environ=environ,
                offline=offline,
                progress=progress,
                unpack_in=layout.root,
            )
        except (download.NotFound, download.NotCached) as e:
            tried.append(e)
            continue
        return path, tarball.sha256, url
    if not tried:
        raise PyvError(f"the catalog lists no source tarball for {build.release.version}")
    raise tried[-1]


def _check_built(staged: str, build: SourceBuild, *, force: bool) -> None:
    """The new interpreter runs, is the version asked for, has pip, and imports every
    module of source.CHECKED; a missing module names the package its headers are in."""
    version = build.release_tuple
    source.finish_bin(os.path.join(staged, "bin"), version)
    python = os.path.join(staged, "bin", f"python{version[0]}.{version[1]}")
    found = probed(interpreter.start_probe(python), python)
    if found.name != build.name:
        raise PyvError(f"the build made Python {found.name}, not {build.name}")
    missing = source.missing_modules(python, version)
    if missing:
        from pyv.builds import preflight

        manager = preflight.System.here({}).manager
        packages = [p for p in (preflight.package_for(m, manager) for m in missing) if p]
        problem = f"{build.name} was built without {', '.join(missing)}" + (
            f" (install {' '.join(dict.fromkeys(packages))})" if packages else ""
        )
        if not force:
            raise PyvError(f"{problem}: nothing was installed", hint="--force installs it anyway")
        warn(f"{problem}; installing it anyway (--force)")
