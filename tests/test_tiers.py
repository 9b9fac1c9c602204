"""SPEC 9 legal instruments: the shipped tiered packs on annotated projects,
pack validation, the JSON `tiers` key, and that other guards stay required."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from minlint.checks.tiers import TierRule
from tests.support import minlint, run_case

PROJECTS = Path(__file__).parent / "fixtures" / "tiers_project"
SCORE = Path("/work/shared/tools/score.py")


@pytest.mark.skipif(not SCORE.exists(), reason="the shared scorer is not on this machine")
@pytest.mark.parametrize("name", ["us", "eu"])
def test_annotated_project_scores_one(name: str) -> None:
    cmd = f"{sys.executable} -m minlint check --no-cache --format json ."
    out = subprocess.run([sys.executable, str(SCORE), str(PROJECTS / name), "--cmd", cmd, "--json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    score = json.loads(out.stdout)
    assert (score["precision"], score["recall"]) == (1.0, 1.0), out.stdout


BASE = TierRule.POLICY or ""


@pytest.mark.parametrize(("extra", "key", "words"), [
    ('[[tiers]]\nid = "x"\nrequires = ["nope"]\nallowed = ["content"]\n', "tiers[id=x].requires", "'nope'"),
    ('[[tiers]]\nid = "x"\nrequires = ["warrant"]\nallowed = ["dna"]\n', "tiers[id=x].allowed", "'dna'"),
    ('[[tiers]]\nid = "basic"\nrequires = ["warrant"]\nallowed = ["content"]\n', "tiers[2].id", "twice"),
    ('[[guards]]\nid = "subpoena"\ncode = "MIN250"\n', "guards[id=subpoena].code", "instrument check"),
    ('[[tiers]]\nid = "x"\nrequires = []\nallowed = ["content"]\n', "tiers[2].requires", "empty"),
    ('[[tiers]]\nid = "x"\nrequire = ["warrant"]\n', "tiers[2].require", "unknown key"),
])
def test_bad_tiers_are_one_line_exit_2(tmp_path: Path, extra: str, key: str, words: str) -> None:
    pack = tmp_path / "pack.toml"
    pack.write_text(BASE + extra, encoding="utf-8")
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    out = minlint("check", "--policy", str(pack), str(tmp_path / "a.py"))
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    assert "pack.toml" in lines[0] and key in lines[0] and words in lines[0], lines[0]


def _json(tmp_path: Path, source: str, policy: str | None) -> list[dict[str, object]]:
    (tmp_path / "case.py").write_text(textwrap.dedent(source), encoding="utf-8")
    args = ["check", "--no-cache", "--format", "json", str(tmp_path / "case.py")]
    if policy is not None:
        (tmp_path / "pack.toml").write_text(policy, encoding="utf-8")
        args += ["--policy", str(tmp_path / "pack.toml")]
    return json.loads(minlint(*args).stdout)  # type: ignore[no-any-return]


def test_json_names_the_tiers_that_hold(tmp_path: Path) -> None:
    got = _json(tmp_path, """\
        def hand(o, u, urgent):
            if urgent:
                verify_subpoena(o)
            hand_over({"messages": u.messages})
        """, BASE)
    by_code = {f["code"]: f for f in got}
    assert by_code["MIN101"]["tiers"] == ["basic"]
    assert "needs content" in str(by_code["MIN101"]["message"])
    assert by_code["MIN200"]["tiers"] == []
    assert by_code["MIN200"]["line"] == 4


def test_untiered_json_has_no_tiers_key(tmp_path: Path) -> None:
    got = _json(tmp_path, """\
        def hand(u):
            disclose({"email": u.email})
        """, None)
    assert got and all("tiers" not in f for f in got)


def test_other_guards_stay_required(tmp_path: Path) -> None:
    source = """\
        def hand(o, u):
            verify_warrant(o)
            hand_over({"messages": u.messages})
        """
    assert run_case(tmp_path, source, ("MIN1", "MIN2"), policy=BASE) == {(3, "MIN202")}


def test_instrument_checks_are_not_reported_by_their_own_code(tmp_path: Path) -> None:
    # a custom guard as instrument needs no code; missing it is MIN200, never a MIN2xx of its own
    source = """\
        def hand(o, u):
            check_jurisdiction(o)
            hand_over({"messages": u.messages})
        """
    assert run_case(tmp_path, source, ("MIN1", "MIN2"), policy=BASE) == {(3, "MIN200")}


def test_inventory_shows_the_instrument_per_path() -> None:
    out = minlint("inventory", "--no-cache", "--format", "json", ".", cwd=PROJECTS / "us")
    inv = json.loads(out.stdout)
    answer = next(d for d in inv["disclosures"] if d.get("function") == "answer")
    got = {(f["name"], tuple(map(tuple, f["instruments"]))) for f in answer["fields"] if f.get("instruments")}
    assert ("messages", (("warrant",),)) in got and ("ip_log", (("d_order",),)) in got
    assert ("name", (("subpoena",),)) in got


def test_untiered_inventory_has_no_instruments(tmp_path: Path) -> None:
    (tmp_path / "case.py").write_text('def hand(u):\n    disclose({"email": u.email})\n', encoding="utf-8")
    inv = json.loads(minlint("inventory", "--no-cache", "--format", "json", str(tmp_path)).stdout)
    assert inv["disclosures"] and all("instruments" not in f for d in inv["disclosures"] for f in d["fields"])
