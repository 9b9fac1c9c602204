"""[tool.minlint] in pyproject.toml (SPEC 4)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from minlint.policy.pack import PolicyError
from minlint.project.config import Config, ConfigError, find_config


def project(folder: Path, table: str, *, header: str = "[tool.minlint]\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pyproject.toml"
    path.write_text('[project]\nname = "x"\n\n' + header + textwrap.dedent(table), encoding="utf-8")
    return path


def touch(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def config_error(folder: Path, table: str) -> tuple[str, str]:
    path = project(folder, table)
    with pytest.raises(ConfigError) as caught:
        find_config(folder)
    return str(caught.value), str(path)


def assert_one_line(message: str, file: str, key: str, *expected: str) -> None:
    assert "\n" not in message, message
    assert message.startswith(f"{file}: {key}: "), message
    assert "; expected " in message, message
    for part in expected:
        assert part in message.split("; expected ", 1)[1], message


# ---------------------------------------------------------------------------
# Discovery


def test_found_upward_from_a_file(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    pyproject = project(root, """
        policy = "packs/policy.toml"
        select = ["MIN1", "MIN2"]
        ignore = ["MIN103"]
        exclude = ["generated", "legacy/*.py"]
        [tool.minlint.per-file-ignores]
        "tests/*" = ["MIN101", "MIN3"]
    """)
    module = touch(root / "pkg" / "sub" / "mod.py")
    config = find_config(module)
    assert config.pyproject == pyproject.resolve()
    assert config.root == root.resolve()
    assert config.policy == "packs/policy.toml"
    assert config.select == ("MIN1", "MIN2")
    assert config.ignore == ("MIN103",)
    assert config.exclude == ("generated", "legacy/*.py")
    assert config.per_file_ignores == (("tests/*", ("MIN101", "MIN3")),)
    assert find_config(module.parent) == config


def test_pyproject_without_table_is_passed_over(tmp_path: Path) -> None:
    outer = project(tmp_path / "mono", 'policy = "telegram-2018"\n')
    inner = tmp_path / "mono" / "service"
    touch(inner / "pyproject.toml", '[project]\nname = "service"\n[tool.ruff]\nline-length = 80\n')
    config = find_config(inner / "app.py")
    assert config.pyproject == outer.resolve()
    assert config.root == (tmp_path / "mono").resolve()


def test_nearest_table_wins(tmp_path: Path) -> None:
    project(tmp_path / "a", 'select = ["MIN"]\n')
    inner = project(tmp_path / "a" / "b", 'select = ["MIN2"]\n')
    assert find_config(tmp_path / "a" / "b" / "c").pyproject == inner.resolve()


def test_defaults_when_none(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    config = find_config(folder)
    assert config.pyproject is None
    assert config.root == folder.resolve()
    assert (config.policy, config.select, config.ignore, config.exclude,
            config.per_file_ignores) == ("telegram-2018", ("MIN",), (), (), ())
    assert config.load_policy().name == "telegram-2018"


def test_empty_table_is_defaults(tmp_path: Path) -> None:
    config = find_config(touch(tmp_path / "x.py").parent) if project(tmp_path, "") else None
    assert config is not None and config.pyproject is not None
    assert config.select == ("MIN",) and config.policy == "telegram-2018"


def test_comma_strings_and_aliases(tmp_path: Path) -> None:
    project(tmp_path, """
        select = "MIN1, MIN2,MIN301"
        ignore = "min103"
        exclude = "build_out/, ./gen"
        [tool.minlint.per_file_ignores]
        "conftest.py" = "MIN101,MIN102"
    """)
    config = find_config(tmp_path)
    assert config.select == ("MIN1", "MIN2", "MIN301")
    assert config.ignore == ("MIN103",)
    assert config.exclude == ("build_out", "gen")
    assert config.per_file_ignores == (("conftest.py", ("MIN101", "MIN102")),)


def test_policy_relative_to_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project(tmp_path / "proj", 'policy = "policy/pack.toml"\n')
    touch(tmp_path / "proj" / "policy" / "pack.toml",
          '[policy]\nname = "acme"\nextends = "telegram-2018"\n')
    monkeypatch.chdir(tmp_path)  # not where the pack is
    assert find_config(tmp_path / "proj" / "src").load_policy().name == "acme"


def test_bad_policy_names_pyproject(tmp_path: Path) -> None:
    pyproject = project(tmp_path, 'policy = "telegram-2019"\n')
    with pytest.raises(PolicyError) as caught:
        find_config(tmp_path).load_policy()
    message = str(caught.value)
    assert message.startswith(f"{pyproject.resolve()}: tool.minlint.policy: unknown pack")
    assert "telegram-2018" in message and "\n" not in message


# ---------------------------------------------------------------------------
# Errors

CONFIG_ERRORS = [
    ('polciy = "x"\n', "tool.minlint.polciy",
     ["policy, select, ignore, exclude, per-file-ignores"]),
    ("select = 3\n", "tool.minlint.select", ["a list of strings"]),
    ('select = ["MIN1", 2]\n', "tool.minlint.select[1]", ["a string"]),
    ('select = ["MN101"]\n', "tool.minlint.select", ["MIN rule codes"]),
    ('ignore = ["E501"]\n', "tool.minlint.ignore", ["MIN rule codes"]),
    ('ignore = ["MIN-1"]\n', "tool.minlint.ignore", ["MIN rule codes"]),
    ("exclude = true\n", "tool.minlint.exclude", ["a list of strings"]),
    ("policy = 1\n", "tool.minlint.policy", ["a pack name"]),
    ('policy = ""\n', "tool.minlint.policy", ["a pack name"]),
    ('per-file-ignores = ["tests/*"]\n', "tool.minlint.per-file-ignores", ["glob = [codes]"]),
    ('[tool.minlint.per-file-ignores]\n"tests/*" = 101\n',
     'tool.minlint.per-file-ignores."tests/*"', ["a list of strings"]),
    ('[tool.minlint.per-file-ignores]\n"tests/*" = ["X1"]\n',
     'tool.minlint.per-file-ignores."tests/*"', ["MIN rule codes"]),
    ('per-file-ignores = {}\nper_file_ignores = {}\n', "tool.minlint.per_file_ignores",
     ["one of them"]),
]


@pytest.mark.parametrize(("table", "key", "expected"), CONFIG_ERRORS,
                         ids=[f"{i}-{e[1]}" for i, e in enumerate(CONFIG_ERRORS)])
def test_config_error_is_one_line(tmp_path: Path, table: str, key: str, expected: list[str]) -> None:
    message, file = config_error(tmp_path, table)
    assert_one_line(message, str(Path(file).resolve()), key, *expected)


def test_unknown_key_suggests(tmp_path: Path) -> None:
    message, _ = config_error(tmp_path, 'exlude = ["x"]\n')
    assert "did you mean 'exclude'" in message


def test_table_of_wrong_type(tmp_path: Path) -> None:
    path = touch(tmp_path / "pyproject.toml", '[tool]\nminlint = "yes"\n')
    with pytest.raises(ConfigError) as caught:
        find_config(tmp_path)
    assert_one_line(str(caught.value), str(path.resolve()), "tool.minlint", "[tool.minlint]")


def test_broken_toml_that_mentions_minlint(tmp_path: Path) -> None:
    path = touch(tmp_path / "pyproject.toml", "[tool.minlint]\nselect = [\n")
    with pytest.raises(ConfigError) as caught:
        find_config(tmp_path)
    assert_one_line(str(caught.value), str(path.resolve()), "line 2", "valid TOML")


def test_broken_foreign_toml_is_passed_over(tmp_path: Path) -> None:
    outer = project(tmp_path, 'select = ["MIN2"]\n')
    touch(tmp_path / "vendored" / "pyproject.toml", "[project\n")
    assert find_config(tmp_path / "vendored").pyproject == outer.resolve()


# ---------------------------------------------------------------------------
# select / ignore / per-file-ignores


def config(root: Path, **values: object) -> Config:
    return Config(pyproject=None, root=root.resolve(), **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("select", "ignore", "code", "selected"),
    [
        (("MIN",), (), "MIN101", True),
        (("MIN",), ("MIN1",), "MIN101", False),
        (("MIN",), ("MIN1",), "MIN201", True),
        (("MIN101",), ("MIN1",), "MIN101", True),  # the longer prefix wins
        (("MIN101",), ("MIN1",), "MIN102", False),  # not selected at all
        (("MIN1",), ("MIN101",), "MIN101", False),
        (("MIN1",), ("MIN101",), "MIN102", True),
        (("MIN1",), ("MIN1",), "MIN101", False),  # a tie is ignored, as in flake8
        (("MIN2",), (), "MIN101", False),
        (("ALL",), ("MIN9",), "MIN301", True),
        (("ALL",), ("MIN9",), "MIN901", False),
        ((), (), "MIN101", False),
        (("MIN1", "MIN10"), ("MIN1",), "MIN103", True),
    ],
)
def test_longest_prefix(tmp_path: Path, select: tuple[str, ...], ignore: tuple[str, ...],
                        code: str, selected: bool) -> None:
    assert config(tmp_path, select=select, ignore=ignore).is_selected(code) is selected


def test_per_file_ignores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project(tmp_path, """
        select = ["MIN101"]
        [tool.minlint.per-file-ignores]
        "tests/*" = ["MIN1"]
        "conftest.py" = ["MIN101"]
        "legacy" = ["MIN"]
        "src/api/*.py" = ["MIN102"]
    """)
    cfg = find_config(tmp_path)
    root = tmp_path.resolve()
    assert cfg.is_selected("MIN101", str(root / "src" / "app.py"))
    assert cfg.is_selected("MIN101")
    # per-file-ignores win over an explicit select, as in ruff
    assert not cfg.is_selected("MIN101", str(root / "tests" / "test_app.py"))
    assert not cfg.is_selected("MIN101", str(root / "src" / "conftest.py"))  # basename
    assert not cfg.is_selected("MIN101", str(root / "legacy" / "deep" / "old.py"))  # folder
    assert cfg.is_selected("MIN101", str(root / "src" / "api" / "views.py"))  # other code
    monkeypatch.chdir(root / "..")
    relative = Path(root.name) / "tests" / "test_x.py"
    assert not cfg.is_selected("MIN101", str(relative))  # relative to cwd, matched from root
    monkeypatch.chdir(root)
    assert not cfg.is_selected("MIN101", "tests/test_x.py")
    assert cfg.is_selected("MIN101", "src/tests.py")


# ---------------------------------------------------------------------------
# exclude


def test_always_excluded(tmp_path: Path) -> None:
    cfg = config(tmp_path / "build")  # a project that lives in a folder called build
    root = cfg.root
    for inside in (".git/hooks/x.py", ".venv/lib/m.py", "pkg/__pycache__/m.py", "venv",
                   "a/.tox/b.py", ".minlint_cache/x", "build/lib/m.py", "dist/m.py",
                   "web/node_modules/x.py", "minlint.egg-info/PKG-INFO"):
        assert cfg.is_excluded(root / inside), inside
    assert not cfg.is_excluded(root / "pkg" / "mod.py")
    assert not cfg.is_excluded(root)  # its own name is no reason
    assert not cfg.is_excluded(root / "builder.py")


def test_exclude_globs(tmp_path: Path) -> None:
    project(tmp_path, 'exclude = ["generated", "src/legacy/*.py", "*_pb2.py", "docs/"]\n')
    cfg = find_config(tmp_path)
    root = cfg.root
    assert cfg.is_excluded(root / "generated" / "x.py")
    assert cfg.is_excluded(root / "src" / "generated")  # any component, like flake8
    assert cfg.is_excluded(root / "src" / "legacy" / "old.py")
    assert cfg.is_excluded(root / "api" / "user_pb2.py")
    assert cfg.is_excluded(root / "docs" / "conf.py")
    assert not cfg.is_excluded(root / "legacy" / "old.py")
    assert not cfg.is_excluded(root / "src" / "app.py")
    assert not cfg.is_excluded(root / "src" / "generated_things.py")


def test_globs_follow_the_path_through_symlinks(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    touch(elsewhere / "gen.py")
    project(tmp_path / "proj", 'exclude = ["vendored/*"]\n')
    (tmp_path / "proj" / "vendored").symlink_to(elsewhere, target_is_directory=True)
    cfg = find_config(tmp_path / "proj")
    assert cfg.is_excluded(tmp_path / "proj" / "vendored" / "gen.py")
    # a path outside the root is matched as given
    assert not cfg.is_excluded(elsewhere / "gen.py")
    assert cfg.is_excluded(Path("/somewhere/build/x.py"))


# ---------------------------------------------------------------------------
# command-line overrides


def test_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project(tmp_path / "proj", """
        policy = "telegram-2018"
        select = ["MIN1"]
        ignore = ["MIN103"]
        exclude = ["generated"]
    """)
    cfg = find_config(tmp_path / "proj")
    assert cfg.with_overrides() == cfg
    monkeypatch.chdir(tmp_path)
    touch(tmp_path / "mine.toml", '[policy]\nname = "mine"\nextends = "telegram-2018"\n')
    new = cfg.with_overrides(policy="mine.toml", select=["MIN2"], ignore="MIN201,MIN202",
                             exclude=["vendor"])
    assert new.select == ("MIN2",) and new.ignore == ("MIN201", "MIN202")
    assert new.exclude == ("generated", "vendor")  # added, not replaced
    assert new.pyproject == cfg.pyproject and new.root == cfg.root
    assert new.load_policy().name == "mine"  # relative to cwd, not to the pyproject
    assert new.is_selected("MIN203") and not new.is_selected("MIN101")
    kept = cfg.with_overrides(ignore=[])
    assert kept.select == ("MIN1",) and kept.ignore == () and kept.policy == "telegram-2018"
    assert cfg.with_overrides(policy="telegram-2018").load_policy().name == "telegram-2018"


def test_override_errors(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    with pytest.raises(ConfigError) as caught:
        cfg.with_overrides(select=["X9"])
    assert_one_line(str(caught.value), "command line", "--select", "MIN rule codes")
    with pytest.raises(PolicyError) as policy_error:
        cfg.with_overrides(policy="no-such-pack").load_policy()
    assert_one_line(str(policy_error.value), "command line", "--policy", "telegram-2018")
