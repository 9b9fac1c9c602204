"""The real-pack phase of the benchmark (issue 19): `python benchmarks/bench.py --only realpack`.

The default pack's lawful-access vocabulary occurs in almost no real file, so the other phases mostly measure
the prefilter. Here a real tree (Sentry 23.7.1, the wheel's own Python sources, unedited: about 3,100 files and
410k lines) is checked with a pack written for it (benchmarks/packs/sentry-realpack.toml: the responses,
serializers, outbound HTTP, mail, analytics and task queues it really calls), whose vocabulary makes about a third
of the files seeds; the phase prints the share it got. Every figure is a ratio against commands run in the same
process tree, interleaved: flake8 -j1, ruff --select ALL and minlint's own cold run. Nothing of the tree is
built, installed or imported.

Rows without a measurement print n/a and FAIL honestly (no row is left out): the language-server latency rows
need a client session over the big tree and are not measured yet.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.bench import Bench, CommandFailed, Measure, Target, flake8_cmd, minlint_cmd, run_command, tree_size

PROJECT, VERSION = "sentry", "23.7.1"
# the wheel's sha256 as PyPI lists it: a download that differs is refused
SHA256 = "fc3c91702b7c203d06a36f8506f85f4ff67685115fe050e4baf000d785ac0a00"
PACK = Path(__file__).resolve().parent / "packs" / "sentry-realpack.toml"

# One-line edits, chosen by hand from the tree so that each row means what its label says:
# (a) a module no disclosure's analysis reads (a migration: nothing imports it, it has none of the pack's names);
# (b) a helper one seed uses (imported by one endpoint module only, and no seed itself);
# (c) a seed (an API endpoint module).
EDIT_UNRELATED = "sentry/migrations/0001_squashed_0200_release_indices.py"
EDIT_HELPER = "sentry/api/helpers/source_map_helper.py"  # imported only by sentry/api/endpoints/source_map_debug.py
EDIT_SEED = "sentry/api/endpoints/user_details.py"


def fetch_tree(cache: Path, log: Callable[[str], None]) -> Path:
    """The extracted Python sources of the pinned wheel: downloaded once (checked against SHA256), extracted once."""
    dest = cache / "src" / f"{PROJECT}-{VERSION}-wheel"
    if (dest / ".complete").is_file():
        return dest
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    found = sorted(wheels.glob(f"{PROJECT}-{VERSION}-*.whl"))
    if found:
        wheel = found[0]
    else:
        log(f"downloading {PROJECT}=={VERSION} (wheel) ...")
        with urllib.request.urlopen(f"https://pypi.org/pypi/{PROJECT}/json", timeout=60) as resp:
            meta = json.load(resp)
        [entry] = [u for u in meta["releases"][VERSION] if u["packagetype"] == "bdist_wheel"]
        wheel = wheels / entry["filename"]
        partial = wheel.with_suffix(".part")
        urllib.request.urlretrieve(entry["url"], partial)
        partial.rename(wheel)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != SHA256:
        raise CommandFailed(f"{wheel}: sha256 {digest}, expected {SHA256}")
    log(f"extracting the Python sources of {wheel.name} ...")
    if dest.exists():
        shutil.rmtree(dest)
    staging = Path(tempfile.mkdtemp(dir=cache / "src", prefix=".extract-"))
    with zipfile.ZipFile(wheel) as z:
        z.extractall(staging, [n for n in z.namelist() if n.endswith(".py") and ".." not in n.split("/")])
    (staging / "pyproject.toml").write_text(f'[tool.minlint]\npolicy = "{PACK.as_posix()}"\n', encoding="utf-8")
    staging.rename(dest)
    (dest / ".complete").write_text(f"{PROJECT}=={VERSION}\n")
    return dest


SEED_SHARE = """
import json, sys
from minlint.api import Options, configure
from minlint.project.collect import collect
from minlint.project.index import Project
config = configure(["."], Options())
files = collect(["."], config)
project = Project(files, config.root, config.load_policy())
print(json.dumps({"files": len(files), "seeds": len(project.seeds())}))
"""


def seed_share(root: Path, timeout: float) -> tuple[int, int]:
    proc = subprocess.run([sys.executable, "-c", SEED_SHARE], cwd=root, capture_output=True, text=True,
                          timeout=timeout, check=False)
    if proc.returncode != 0:
        raise CommandFailed(f"seed count failed: {proc.stderr.strip().splitlines()[-1:]}")
    data = json.loads(proc.stdout)
    return data["files"], data["seeds"]


class OneLineEdit:
    """Appends a comment line to a file before a timed run (after a warm-up run that fills the cache) and puts
    the file back afterwards, so every run measures exactly one edit against a warm cache."""

    def __init__(self, root: Path, rel: str, warm: list[str], timeout: float) -> None:
        self.path = root / rel
        self.original = self.path.read_bytes()
        self.root, self.warm, self.timeout, self.n = root, warm, timeout, 0

    def __call__(self) -> None:
        self.path.write_bytes(self.original)
        run_command(self.warm, self.root, timeout=self.timeout)  # the cache holds the unedited tree
        self.n += 1
        self.path.write_bytes(self.original + f"\n# minlint benchmark edit {self.n}\n".encode())

    def restore(self) -> None:
        self.path.write_bytes(self.original)


def measure_realpack(bench: Bench, cache: Path) -> None:
    root = fetch_tree(cache, bench.log)
    files, lines = tree_size(root)
    n_files, n_seeds = seed_share(root, bench.timeout)
    bench.facts["realpack.size"] = {"files": files, "lines": lines, "seeds": n_seeds, "checked": n_files,
                                    "root": str(root), "pack": str(PACK)}
    bench.log(f"\n== real pack: {PROJECT} {VERSION}, {files} files, {lines} lines, "
              f"{n_seeds} of {n_files} checked files are seeds ({n_seeds / max(n_files, 1):.0%})")
    # the cache lives where the user's cache does; keep the benchmark's apart and start it empty
    cache_dir = Path(tempfile.mkdtemp(prefix="minlint-realpack-cache-"))
    os.environ["MINLINT_CACHE_DIR"] = str(cache_dir)

    def clear() -> None:
        shutil.rmtree(cache_dir, ignore_errors=True)
        cache_dir.mkdir()

    warm_cmd = minlint_cmd(".")
    edits = {key: OneLineEdit(root, rel, warm_cmd, bench.real_timeout)
             for key, rel in (("edit_unrelated", EDIT_UNRELATED), ("edit_helper", EDIT_HELPER),
                              ("edit_seed", EDIT_SEED)) if (root / rel).is_file()}
    for key, rel in (("edit_unrelated", EDIT_UNRELATED), ("edit_helper", EDIT_HELPER), ("edit_seed", EDIT_SEED)):
        if key not in edits:
            bench.notes.append(f"realpack.{key}: {rel} is not in the tree")
    clear()
    measures = [
        Measure("realpack.flake8", "flake8 -j1 (plugin hidden)", flake8_cmd(False, "-j1", "."), root),
        Measure("realpack.ruff", "ruff check --select ALL", [sys.executable, "-m", "ruff", "check", "--select",
                                                             "ALL", "--no-cache", "--exit-zero", "--quiet", "."], root),
        Measure("realpack.cold", "minlint check --no-cache (default --jobs)", minlint_cmd("--no-cache", "."), root,
                timeout=bench.timeout),
        Measure("realpack.warm", "minlint check, warm, nothing changed", warm_cmd, root, needs="realpack.cold",
                prep=lambda: run_command(warm_cmd, root, timeout=bench.timeout), timeout=bench.timeout),
        *(Measure(f"realpack.{key}", f"minlint check, warm, one-line edit ({edit.path.relative_to(root)})",
                  warm_cmd, root, prep=edit, needs="realpack.cold", timeout=bench.timeout)
          for key, edit in edits.items()),
        Measure("realpack.inventory", "minlint inventory --format html", [sys.executable, "-m", "minlint",
                "inventory", "--format", "html", "--output", str(cache_dir.parent / "realpack-inventory.html"), "."],
                root, needs="realpack.cold", timeout=bench.timeout),
    ]
    try:
        bench.run_group(measures)
    finally:
        for edit in edits.values():
            edit.restore()
    bench.measure_memory("realpack.cold", "real pack: minlint check --no-cache", minlint_cmd("--no-cache", "."), root)
    clear()
    shutil.rmtree(cache_dir, ignore_errors=True)


def realpack_targets(bench: Bench) -> list[Target]:
    med = bench.median
    cold = med("realpack.cold")

    def ratio(id: str, text: str, key: str, base: float | None, limit: float) -> Target:
        a = med(key)
        value = a / base if a is not None and base else None
        return Target(id, text, value, limit, f"{_s(a)} / {_s(base)}")

    rows = [
        ratio("R1", "real pack, cold, default jobs, vs flake8 -j1", "realpack.cold", med("realpack.flake8"), 0.5),
        ratio("R2", "real pack, warm, nothing changed, vs cold", "realpack.warm", cold, 0.03),
        ratio("R3a", "one-line edit (a) unrelated module, vs cold", "realpack.edit_unrelated", cold, 0.05),
        ratio("R3b", "one-line edit (b) helper one seed uses, vs cold", "realpack.edit_helper", cold, 0.15),
        ratio("R3c", "one-line edit (c) a seed, vs cold", "realpack.edit_seed", cold, 0.15),
        Target("R4", "language server, 2,000-line file with 20 disclosures, beyond the debounce (s)", None, 0.5,
               "not measured: needs an LSP client session over the big tree"),
        Target("R5", "language server, 9,000-line / 1,000-disclosure file, beyond the debounce (s)", None, 1.0,
               "not measured: needs an LSP client session over the big tree"),
        ratio("R6", "inventory (html) vs check, same tree", "realpack.inventory", cold, 1.5),
    ]
    peak = bench.memory.get("realpack.cold")
    rows.append(Target("R7", "peak memory, real pack cold, whole process tree (MB)",
                       peak.tree_rss_mb if peak else None, 300.0, "tree RSS" if peak else "not measured"))
    ruff = med("realpack.ruff")
    rows.append(Target("R8", "for reference: minlint cold vs ruff --select ALL", cold / ruff if cold and ruff else None,
                       None, f"{_s(cold)} / {_s(ruff)}"))
    return rows


def _s(x: float | None) -> str:
    return f"{x:.2f} s" if x is not None else "—"
