"""``minlint``: the command line (SPEC 5).

Exit status: 0 no findings, 1 findings, 2 usage, configuration or internal
error. Every error is one line on stderr, never a traceback (set
``MINLINT_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from minlint import __version__
from minlint.core.errors import UsageError

if TYPE_CHECKING:
    # imported where used, inside main()'s handlers: a Ctrl-C while they
    # load is still one line and exit 130, not an import traceback
    from minlint.api import Options, Report
    from minlint.project.config import Config

INTERRUPTED = 130  # 128 + SIGINT, as shells report a command ended by Ctrl-C


def _codes(value: str) -> list[str]:
    return [c.strip() for c in value.split(",") if c.strip()]


def _project_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                   help="files and folders to check, in their project (default: .)")
    p.add_argument("--policy", help="a pack name or a path to a pack (overrides [tool.minlint] policy)")
    p.add_argument("--select", type=_codes, help="comma-separated codes or prefixes to report")
    p.add_argument("--ignore", type=_codes, help="comma-separated codes or prefixes not to report")
    p.add_argument("--exclude", action="append", metavar="GLOB", help="skip files matching GLOB (repeatable)")
    p.add_argument("--jobs", "-j", type=int, default=0, metavar="N", help="parallel workers (default: CPUs)")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the cache (the findings are the same)")
    p.add_argument("--cache-dir", metavar="DIR",
                   help="where to keep the cache (default: $MINLINT_CACHE_DIR, else the user's cache directory)")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="minlint", description="Data-minimization checker for disclosure paths.")
    p.add_argument("--version", action="version", version=f"minlint {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="check files and folders (default: .)")
    _project_options(check)
    check.add_argument("--format", default="text", choices=("text", "json", "sarif", "github"),
                       help="how to print the findings (default: text, path:line:col: CODE message)")
    check.add_argument("--stdin-filename", metavar="FILE",
                       help="with PATH -: check the text on stdin as the content of FILE, in FILE's project")
    check.add_argument("--show-source", action="store_true",
                       help="text format: print the offending line with a caret under each finding")
    check.add_argument("--statistics", action="store_true",
                       help="text format: print the count of findings per code instead of the findings")
    check.add_argument("--quiet", "-q", action="store_true", help="print the findings only: no summary on stderr")
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    check.add_argument("--baseline", metavar="FILE", help="report only findings not in this baseline")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--fix", action="store_true", help="apply the safe fixes (see `minlint fix`)")
    check.add_argument("--diff", action="store_true", help="with --fix: print the fixes as a diff, write nothing")

    explain = sub.add_parser("explain", help="print the documentation of rule codes")
    explain.add_argument("codes", nargs="+", metavar="CODE", help="a rule code such as MIN101 (several: each page)")

    sub.add_parser("rules", help="list the rule codes with what each reports")

    baseline = sub.add_parser("baseline", help="record today's findings so that only new ones fail")
    baseline_sub = baseline.add_subparsers(dest="baseline_command", metavar="ACTION", required=True)
    write = baseline_sub.add_parser("write", help="write the current findings to FILE")
    write.add_argument("file", metavar="FILE", help="the baseline file to write (JSON)")
    _project_options(write)

    lsp = sub.add_parser("lsp", help="run the language server on stdin/stdout")
    # editors' LSP clients (vscode-languageclient, lspconfig, Helix) add --stdio
    lsp.add_argument("--stdio", action="store_true", help="talk LSP over stdin/stdout (the default and only transport)")

    inventory = sub.add_parser("inventory", help="list every disclosure path, checked or not")
    _project_options(inventory)
    inventory.add_argument("--format", default="md", choices=("md", "html", "json"),
                           help="markdown, one self-contained HTML page, or JSON (default: md)")
    inventory.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    inventory.add_argument("--link-template", metavar="URL",
                           help="link path:line to this address, with {commit}, {path} (from the repository root) "
                                "and {line}, e.g. https://github.com/org/repo/blob/{commit}/{path}#L{line} "
                                "(default: links relative to the report's folder)")

    discover = sub.add_parser("discover", help="list candidate disclosure paths a pack should name, and draft one")
    _project_options(discover)
    discover.add_argument("--format", default="text", choices=("text", "json"), help="text or JSON (default: text)")
    discover.add_argument("--write-pack", metavar="FILE", help="write a drafted v2 pack naming the candidates to FILE")
    discover.add_argument("--top", type=int, default=0, metavar="K", help="list only the K best candidates")

    policy = sub.add_parser("policy", help="show the merged policy and where each entry matches the code")
    policy_sub = policy.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    show = policy_sub.add_parser("show", help="print every entry, the pack line that wrote it and where it matched")
    _project_options(show)
    show.add_argument("--format", default="text", choices=("text", "json"), help="text or JSON (default: text)")
    show.add_argument("--limit", type=int, default=5, metavar="N",
                      help="places listed per entry before 'and K more' (default: 5)")

    fix = sub.add_parser("fix", help="remove disallowed fields from disclosures (never touches checks)")
    _project_options(fix)
    fix.add_argument("--diff", action="store_true", help="print the fixes as a unified diff, write nothing")
    return p


def _command_parser(p: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The (sub)parser of the command *args* ran: `baseline write`'s for it."""
    for name in ("command", "baseline_command", "policy_command"):
        actions = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
        chosen = getattr(args, name, None)
        if not actions or chosen is None:
            break
        p = actions[0].choices[chosen]
    return p


def options(args: argparse.Namespace) -> Options:
    """The options every subcommand with project options shares."""
    from minlint.api import Options

    baseline = getattr(args, "baseline", None)
    return Options(policy=args.policy, select=args.select, ignore=args.ignore, exclude=args.exclude, jobs=args.jobs,
                   cache=not args.no_cache, allow_nothing=bool(getattr(args, "exit_zero", False)),
                   cache_dir=Path(args.cache_dir).expanduser() if args.cache_dir else None, baseline=Path(baseline) if baseline else None)


def _config(paths: Sequence[str], args: argparse.Namespace) -> Config:
    from minlint.api import configure

    return configure(paths, options(args))


def _check(args: argparse.Namespace) -> int:
    from minlint.core.files import write_output
    from minlint.report import console, render, summary

    if args.fix:
        from minlint.fix.edits import command as fix_command

        status = fix_command(args, _config(args.paths, args))
        if args.diff or status == 2:
            return status
    report = _checked(args)
    findings = report.findings
    if args.format == "text" and args.statistics:
        out = console.statistics(findings)
    elif args.format == "text" and args.show_source:
        out = console.with_source(findings, report.texts)
    else:
        # SARIF URIs are relative to the project root (%SRCROOT%), wherever minlint ran
        titles = report.guard_titles()
        # (GitHub annotations stay relative to where minlint ran: the workflow's checkout)
        root = report.config.root if args.format == "sarif" else Path.cwd()
        out = render(findings, args.format, root=root, titles=titles)
    if args.output:
        write_output(args.output, out)
    else:
        sys.stdout.write(out)
    for warning in report.warnings:  # --exit-zero over a configuration that checks nothing
        sys.stderr.write(f"minlint: warning: {warning}\n")
    if not args.quiet:
        sys.stderr.write(summary(findings, report.files, report.baselined) + "\n")
        if report.files == 0:
            # an exclude or a wrong path that leaves nothing is not a pass
            sys.stderr.write("minlint: warning: no Python files were checked\n")
    return 0 if args.exit_zero or not findings else 1


def _checked(args: argparse.Namespace) -> Report:
    """The report of `check`: the named paths, or stdin as --stdin-filename."""
    from dataclasses import replace

    from minlint.api import check_paths, check_text
    from minlint.core.files import check_output
    from minlint.project.collect import plan

    if "-" not in args.paths:
        if args.stdin_filename:
            raise UsageError("--stdin-filename needs the path - (read the file from stdin)")
        if args.output:
            # refused before the run: an --output that cannot be written, or
            # that is one of the files checked (it would replace the source)
            units = plan(args.paths, lambda c: c)
            check_output(args.output, (f.path for u in units for f in u.files))
        # MIN902 where a whole project is run (check_paths decides per project)
        return check_paths(args.paths, replace(options(args), liveness=True))
    if args.output:
        check_output(args.output, ())
    if args.paths != ["-"]:
        raise UsageError("- (stdin) cannot be combined with other paths")
    if args.fix:
        raise UsageError("--fix cannot rewrite stdin; pipe the file through `minlint fix --diff` instead")
    text = sys.stdin.buffer.read().decode("utf-8", errors="surrogateescape")
    return check_text(text, args.stdin_filename or "stdin.py", options(args))


def _baseline_write(args: argparse.Namespace) -> int:
    """``minlint baseline write FILE [PATHS]``: check, then record every finding."""
    from dataclasses import replace

    from minlint.api import check_paths
    from minlint.run.baseline import write

    result = check_paths(args.paths, replace(options(args), liveness=True))
    write(result.findings, Path(args.file))
    n = len(result.findings)
    sys.stderr.write(f"minlint: wrote {n} finding{'' if n == 1 else 's'} to {args.file}\n")
    return 0


def _policy_show(args: argparse.Namespace) -> int:
    """``minlint policy show [PATHS]``: the merged policy, where each entry matched."""
    from minlint.api import show_policy
    from minlint.report.policy import render_json, render_text
    from minlint.run.liveness import display_file

    if args.limit < 1:
        raise UsageError(f"--limit: got {args.limit}; expected a count of 1 or more")
    view = show_policy(args.paths, options(args), limit=args.limit)
    render = render_json if args.format == "json" else render_text
    sys.stdout.write(render(view.policy, view.entries, view.files, display_file))
    return 0


def _explain(args: argparse.Namespace) -> int:
    from minlint.report.explain import explain

    pages: list[str] = []
    for code in args.codes:
        status, text = explain(code)
        if status != 0:  # nothing printed for a list with a typo in it: the error is the output
            sys.stderr.write(text if text.endswith("\n") else text + "\n")
            return status
        pages.append(text if text.endswith("\n") else text + "\n")
    sys.stdout.write("\n".join(pages))
    return 0


def _rules() -> int:
    from minlint.core.codes import CODES

    width = max(len(c.name) for c in CODES.values())
    for c in CODES.values():
        sys.stdout.write(f"{c.code}  {c.name:<{width}}  {c.summary}\n")
    sys.stdout.write("MIN206-MIN299  custom guard codes a policy pack declares ([[guards]] code)\n")
    return 0


def _lsp() -> int:
    try:
        from minlint.frontends.lsp import main as lsp_main
    except ModuleNotFoundError as exc:
        # pygls is a dependency; an environment that lost it gets the command that restores it
        raise UsageError(f"the language server needs pygls ({exc}); install it with: "
                         f"python -m pip install 'pygls>=2.0'") from None
    return lsp_main()


def _interrupted(leave: bool) -> int:
    """Ctrl-C: one line, exit 130. The cache is written atomically (or not at
    all), so an interrupted run leaves the last complete one."""
    sys.stderr.write("minlint: interrupted\n")
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed or broken stream has nothing to flush
            stream.flush()
    if leave:
        # The parse thread may still be inside libcst's native parser: an
        # interpreter shutting down around it aborts (SIGABRT, "Fatal Python
        # error"). Nothing is left to save, so leave at once.
        os._exit(INTERRUPTED)
    return INTERRUPTED


def main(argv: Sequence[str] | None = None) -> int:
    try:
        p = parser()
        args, extra = p.parse_known_args(argv)
        if extra:
            # argparse would blame the top-level parser and show its usage; the
            # user typed `minlint check --frobnicate` and wants check's options
            _command_parser(p, args).error(f"unrecognized arguments: {' '.join(extra)}")
        if args.command is None:
            p.print_help(sys.stderr)
            return 2
        args.argv = list(sys.argv[1:] if argv is None else argv)  # what a report says it was made by
        return _main(p, args)
    except KeyboardInterrupt:
        # argv None: this is the `minlint` command (console script or -m), not
        # a call from Python (tests, an embedding tool), which gets 130 back
        return _interrupted(leave=argv is None)


def _main(p: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from minlint.core.escape import printable
    from minlint.policy.pack import PolicyError
    from minlint.project.config import ConfigError

    try:
        if args.command == "check":
            return _check(args)
        if args.command == "explain":
            return _explain(args)
        if args.command == "rules":
            return _rules()
        if args.command == "baseline":
            return _baseline_write(args)
        if args.command == "lsp":
            return _lsp()
        if args.command == "policy":
            return _policy_show(args)
        if args.command == "inventory":
            from minlint.inventory import command as inventory_command

            return inventory_command(args, _config(args.paths, args))
        if args.command == "discover":
            from minlint.discover import command as discover_command

            return discover_command(args, _config(args.paths, args))
        if args.command == "fix":
            from minlint.fix.edits import command as fix_command

            return fix_command(args, _config(args.paths, args))
        p.error(f"unknown command {args.command}")
    except (PolicyError, ConfigError, UsageError) as exc:
        sys.stderr.write(f"minlint: error: {printable(str(exc))}\n")
        return 2
    except Exception as exc:  # noqa: BLE001 -- a bug of ours: one line instead of a traceback, and the way to see more
        if os.environ.get("MINLINT_DEBUG"):
            traceback.print_exc()
        first = printable(str(exc).splitlines()[0]) if str(exc) else ""
        sys.stderr.write(f"minlint: internal error: {type(exc).__name__}: {first} (MINLINT_DEBUG=1 shows more)\n")
        return 2
    return 2


if __name__ == "__main__":
    sys.exit(main())
