"""Write the skeleton of a new lesson.

    python -m tests.tools.new_lesson notebooks/05_step_decay.ipynb "Step decay"

run from the repository root. The skeleton has the title, a summary placeholder and
the Colab badge, the canonical setup cell, and every section a lesson needs, each
marked TODO. Fill it in, add it to _toc.yml, then run `make outputs`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from . import lesson


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.tools.new_lesson",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("notebook", help="notebooks/NAME.ipynb, relative to the repository root")
    parser.add_argument("title", help="the lesson's title")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    args = parser.parse_args(argv)
    try:
        nb = lesson.skeleton(args.notebook, args.title)
    except ValueError as exc:
        parser.error(str(exc))
    path = Path(args.notebook)
    if path.exists() and not args.force:
        parser.error(f"{path} exists; pass --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    entry = path.with_suffix("").as_posix()
    print(
        f"wrote {path}\nnext: fill in every TODO, add '- file: {entry}' to _toc.yml, "
        f"then `make outputs`"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
