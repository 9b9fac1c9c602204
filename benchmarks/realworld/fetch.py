"""Download and unpack the corpus (idempotent): ``python benchmarks/realworld/fetch.py [NAME...]``.

Each project is fetched as its sdist with pip (``pip download --no-deps
--no-binary :all: DIST==VERSION``), its sha256 checked against projects.toml
and unpacked once into the cache folder (``~/.cache/minlint-realworld`` or
``$MINLINT_REALWORLD``). A second run does nothing. Nothing is imported or run
from the downloaded code.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Project, cache_dir, projects


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(project: Project) -> Path:
    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    done = project.folder / ".minlint-unpacked"
    if done.is_file():
        return project.folder
    archive = cache / project.archive
    if not archive.is_file():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
             f"{project.dist}=={project.version}", "-d", str(cache)],
            check=True,
        )
    got = _sha256(archive)
    if got != project.sha256:
        raise SystemExit(f"{archive}: sha256 {got}, projects.toml expects {project.sha256}")
    with tarfile.open(archive) as tar:
        # the "data" filter refuses absolute paths, links out of the folder and devices
        if hasattr(tarfile, "data_filter"):
            tar.extractall(cache, filter="data")
        else:  # pragma: no cover - Pythons without PEP 706
            tar.extractall(cache)
    done.write_text(project.sha256 + "\n", encoding="utf-8")
    return project.folder


def main(argv: list[str]) -> int:
    for project in projects(argv or None):
        folder = fetch(project)
        print(f"{project.name} {project.version} ({project.licence}): {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
