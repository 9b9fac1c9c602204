"""The cache re-analyses exactly what changed, and never serves stale findings."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from minlint.project.config import find_config
from minlint.run import engine, parallel

HANDLER = textwrap.dedent('''
    from app.payloads import build

    def handler(request, user):
        verify_court_order(request.order)
        check_jurisdiction(request.country)
        require_terror_suspect(request)
        record_disclosure(request)
        disclose(build(user))
''').lstrip()
PAYLOADS = 'def build(user):\n    return {"ip": user.ip}\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.minlint]\n")
    pkg = tmp_path / "app"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "handlers.py").write_text(HANDLER)
    (pkg / "payloads.py").write_text(PAYLOADS)
    (pkg / "other.py").write_text("def unrelated():\n    return 1\n")
    return tmp_path


def run(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[set[tuple[str, int, str]], int]:
    calls = []
    real = parallel.analyse_seed

    def counting(project, policy, seed, visit=None):  # type: ignore[no-untyped-def]
        calls.append(seed.display)
        return real(project, policy, seed, visit)

    monkeypatch.setattr(parallel, "analyse_seed", counting)
    monkeypatch.chdir(root)
    config = find_config(root)
    result = engine.check(["."], config, config.load_policy(), use_cache=True)
    return {(f.path, f.line, f.code) for f in result.findings}, len(calls)


def test_warm_run_analyses_nothing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, n1 = run(project, monkeypatch)
    second, n2 = run(project, monkeypatch)
    assert first == second == set()
    assert (n1, n2) == (1, 0)


def test_changed_helper_reanalyses_its_seed(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(project, monkeypatch)
    (project / "app" / "payloads.py").write_text(PAYLOADS.replace('"ip": user.ip', '"ip": user.ip, "email": user.email'))
    found, n = run(project, monkeypatch)
    assert n == 1
    assert found == {("app/payloads.py", 2, "MIN101")}


def test_unrelated_change_reuses_the_cache(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(project, monkeypatch)
    (project / "app" / "other.py").write_text("def unrelated():\n    return 2\n")
    _, n = run(project, monkeypatch)
    assert n == 0


def test_new_unguarded_caller_invalidates(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A helper's guard obligation moves to its callers: a new caller elsewhere
    must re-analyse the seed even though no file it parsed changed."""
    helper = textwrap.dedent('''
        def send(user):
            disclose({"ip": user.ip})

        def checked(request):
            verify_court_order(request.order)
            check_jurisdiction(request.country)
            require_terror_suspect(request)
            record_disclosure(request)
            send(request.user)
    ''').lstrip()
    (project / "app" / "handlers.py").write_text(helper)
    first, _ = run(project, monkeypatch)
    assert first == set()
    (project / "app" / "other.py").write_text("from app.handlers import send\n\ndef rogue(r):\n    send(r.user)\n")
    found, n = run(project, monkeypatch)
    assert n == 1
    assert {code for _, _, code in found} >= {"MIN201", "MIN202", "MIN203", "MIN301"}


def test_syntax_errors_are_cached_too(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "app" / "broken.py").write_text("def f(:\n")
    first, _ = run(project, monkeypatch)
    second, _ = run(project, monkeypatch)
    assert ("app/broken.py", 1, "MIN999") in first
    assert first == second


def test_no_cache_flag_writes_nothing(project: Path, cache_home: Path) -> None:
    subprocess.run([sys.executable, "-m", "minlint", "check", "--no-cache", "."], cwd=project, check=False)
    assert not (project / ".minlint_cache").exists()
    assert not (cache_home / "projects").exists()


def test_concurrent_runs_leave_a_valid_cache(project: Path, cache_home: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-m", "minlint", "check", "--format", "json", "."], cwd=project,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    files = list((cache_home / "projects").glob("*/*.json"))
    assert len(files) == 1
    mac, _, body = files[0].read_text().partition("\n")
    assert len(mac) == 64
    json.loads(body)
    assert not list(files[0].parent.glob("*.minlint-tmp"))  # no temporary file left behind
    assert not (project / ".minlint_cache").exists()  # nothing written into the checked tree


def test_a_one_file_check_keeps_the_cache_of_the_whole_tree(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(project, monkeypatch)
    monkeypatch.chdir(project)
    config = find_config(project)
    engine.check(["app/other.py"], config, config.load_policy(), use_cache=True)
    _, n = run(project, monkeypatch)
    assert n == 0  # the whole-tree entries survived the one-file run


def test_a_run_answered_from_the_cache_never_loads_libcst(project: Path) -> None:
    """Importing libcst is most of a warm run's time (an editor's save, a
    pre-commit hook): only the analysis of a seed may load it."""
    (project / "app" / "leak.py").write_text('def leak(user):\n    disclose({"email": user.email})\n')
    probe = ("import sys\nfrom minlint.frontends.cli import main\nrc = main(['check', '.'])\n"
             "print(rc, 'libcst' in sys.modules)\n")
    first = subprocess.run([sys.executable, "-c", probe], cwd=project, capture_output=True, text=True, timeout=120)
    second = subprocess.run([sys.executable, "-c", probe], cwd=project, capture_output=True, text=True, timeout=120)
    assert first.stdout.split()[-2:] == ["1", "True"], first.stdout + first.stderr  # cold: analysed
    assert second.stdout.split()[-2:] == ["1", "False"], second.stdout + second.stderr
    assert "MIN" in second.stdout  # the same findings, from the cache
