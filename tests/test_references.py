"""book/references.bib parses, and every key a page cites is in it (merges have cut entries)."""

import re
from pathlib import Path

from pybtex.database import parse_file

ROOT = Path(__file__).resolve().parents[1]


def test_references_parse_and_cover_every_citation():
    keys = set(parse_file(ROOT / "book" / "references.bib").entries)
    pages = [*ROOT.glob("book/*.md"), *ROOT.glob("notebooks/*.ipynb")]
    cited = {
        key.strip()
        for page in pages
        for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", page.read_text())
        for key in group.split(",")
    }
    assert cited, "no citation found: the pattern is broken"
    assert not cited - keys, f"cited but missing from references.bib: {sorted(cited - keys)}"
