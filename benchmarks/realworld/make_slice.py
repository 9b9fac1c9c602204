"""Copy the judged scope of each project into tests/fixtures/realworld (the
reduced labelled slice CI scores): ``python benchmarks/realworld/make_slice.py``.

The files are copied unchanged (licence headers kept) with the project's
LICENSE; a package folder of the slice whose ``__init__.py`` is not itself in
the scope gets an empty stand-in so module names stay those of the project.
The pack and the labels are copied beside them (tests/test_realworld_slice.py
checks they stay identical to benchmarks/realworld/packs and labels).
All three projects are Apache-2.0.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HERE, projects

SLICE = HERE.parent.parent / "tests" / "fixtures" / "realworld"
STAND_IN = "# stand-in for the project's package __init__ (not part of the slice)\n"


def main() -> int:
    for project in projects():
        dest = SLICE / project.name
        if dest.exists():
            shutil.rmtree(dest)
        for rel in project.scope:
            src = project.folder / rel
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
            folder = target.parent
            while folder != dest:
                init = folder / "__init__.py"
                if folder.name not in ("src", "lib") and not init.exists():
                    init.write_text(STAND_IN, encoding="utf-8")
                folder = folder.parent
        shutil.copyfile(project.folder / "LICENSE", dest / "LICENSE")
        shutil.copyfile(project.pack, dest / "pack.toml")
        shutil.copyfile(project.labels, dest / "labels.toml")
        (dest / "SOURCE.md").write_text(
            f"# {project.name} slice\n\nUnchanged copies of {', '.join(project.scope)} from the sdist "
            f"{project.archive} ({project.dist} {project.version}, sha256 {project.sha256}), "
            f"licensed {project.licence} (LICENSE beside this file). Empty `__init__.py` files marked "
            f"as stand-ins keep the module names; they are not the project's.\n",
            encoding="utf-8")
        print(f"{project.name}: {len(project.scope)} files -> {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
