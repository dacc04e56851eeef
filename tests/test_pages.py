"""The summary pages quote the lessons' runs through glue, never as literal text.

book/choosing.md and book/errata.md repeat numbers the lessons' runs produced (accuracies,
intervals, ratios, picked rates). Written out by hand they drift when a lesson is re-run, so
the house rule applies to them as to a lesson: a number a run produced is pasted from that
run with ``{glue:text}`../notebooks/LESSON.ipynb::key:s```. These tests fail on a decimal
number, a percentage or a signed number in the pages' prose, outside the places where such a
number is no run's output: code spans, math (how a definition or a setting is marked), roles
(glue, cite, claim...), quoted source text, a sentence that cites a paper, link targets, and
the few definitions of ALLOWED. They also check that every pasted key exists, which the book
build (-W) checks too, but only after minutes.
"""

import re
from pathlib import Path

import nbformat
import pytest

try:  # tests/ is a plain folder on sys.path (pytest's default import mode)
    from tools import lesson
except ImportError:  # run from the repository root as `python -m pytest`
    from tests.tools import lesson

ROOT = lesson.ROOT
PAGES = [ROOT / "book" / "choosing.md", ROOT / "book" / "errata.md"]

# What may hold a number: roles ({glue:text}, {cite}, {claim}, {term}, {doc}...), inline code,
# math, link targets (the link text stays checked) and quoted source text (straight or curly
# quotes, not across a blank line).
_HOLDERS = re.compile(
    r"\{[\w:-]+\}`[^`]*`"
    r"|``.*?``|`[^`]*`"
    r"|\$\$.*?\$\$|\$[^$\n]*\$"
    r"|\]\([^)]*\)"
    r'|"(?:[^"\n]|\n(?![ \t]*\n))*"|“[^”]*”',
    re.DOTALL,
)
# A sentence that cites a paper may quote the paper's figures.
_CITE = re.compile(r"\{cite[a-z:]*\}`[^`]*`")
_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n[ \t]*\n|\n[ \t]*[-*|] ")
# Numbers that are definitions, not a run's output; each with its reason.
ALLOWED = {
    r"95% interval": "the confidence level of every interval",
    r"±\d+(?:\.\d+)?": "an equivalence bound, stated before the run",
    r"chance \(10%\)": "chance for ten classes",
    r"below 20% validation accuracy": "the criterion of lesson 24's check for a run that fails",
}
# A decimal number, a percentage, or a number with a sign (+19, −0.17): what a run prints.
# Integers without a sign (5 seeds, 15 epochs, 8×8) are settings as a rule and pass.
_NUMBER = re.compile(r"(?<![\w.,])(?:[+\u2212]|(?<![\w)])-)?\d[\d,]*(?:\.\d+)?%?")
# A pasted value: {glue:text}`path::key:fmt` (myst-nb splits the format spec off at the last
# colon, so a cross-document paste needs one, ":s" for glued text).
_PASTE = re.compile(r"\{glue(?::(?P<kind>\w+))?\}`(?P<body>[^`]*)`")


def _blank(match: re.Match) -> str:
    """The match replaced by spaces, its line breaks kept (so line numbers still count)."""
    return re.sub(r"[^\n]", " ", match.group(0))


def _without_cited_sentences(text: str) -> str:
    spans = []
    for m in _CITE.finditer(text):
        ends = [e.end() for e in _SENTENCE_END.finditer(text, 0, m.start())]
        after = _SENTENCE_END.search(text, m.end())
        spans.append((ends[-1] if ends else 0, after.start() if after else len(text)))
    for start, end in reversed(spans):
        text = text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]
    return text


def loose_numbers(markdown: str) -> list[tuple[int, str, str]]:
    """(line, number, context) of each number the prose writes out instead of pasting it."""
    text = _without_cited_sentences(lesson._without_fences(markdown))
    text = _HOLDERS.sub(_blank, text)
    for pattern in ALLOWED:
        text = re.sub(pattern, _blank, text)
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for m in _NUMBER.finditer(line):
            token = m.group(0).rstrip(",")
            if "." in token or token.endswith("%") or token[0] in "+-\u2212":
                context = " ".join(line[max(0, m.start() - 40) : m.end() + 20].split())
                found.append((number, token, context))
    return found


def paste_problems(page: Path) -> list[str]:
    """Pastes of a page that name no lesson, no glued key, or no format spec."""
    problems, lessons = [], {}
    for m in _PASTE.finditer(page.read_text(encoding="utf-8")):
        body = m["body"]
        if "::" not in body:
            problems.append(f"{m.group(0)}: a page has no glue of its own, give path::key:s")
            continue
        path, rest = body.split("::", 1)
        key, sep, fmt = rest.rpartition(":")
        if not sep or not key or not fmt:
            problems.append(f"{m.group(0)}: end with a format spec (':s'), or myst-nb cuts the key")
            continue
        nb_path = (page.parent / path).resolve()
        if nb_path not in lessons:
            lessons[nb_path] = (
                lesson.glued_keys(nbformat.read(nb_path, as_version=4))
                if nb_path.is_file()
                else None
            )
        if lessons[nb_path] is None:
            problems.append(f"{m.group(0)}: no lesson at {path}")
        elif key not in lessons[nb_path]:
            problems.append(f"{m.group(0)}: {nb_path.name} glues no {key!r}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_pastes_the_numbers_runs_produced(page):
    loose = loose_numbers(page.read_text(encoding="utf-8"))
    assert not loose, (
        f"{page.name} writes out numbers; paste a run's number with "
        "{glue:text}`../notebooks/LESSON.ipynb::key:s`, mark a definition or a setting as "
        "math or code, or cite the paper:\n"
        + "\n".join(f"- line {n}: {t!r} in '...{c}...'" for n, t, c in loose)
    )


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_pastes_keys_the_lessons_glue(page):
    problems = paste_problems(page)
    assert not problems, f"{page.name}:\n- " + "\n- ".join(problems)


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_a_literal_number_added_to_a_page_is_caught(page, tmp_path):
    text = page.read_text(encoding="utf-8")
    copy = tmp_path / page.name
    copy.write_text(text.replace("\n\n", "\n\nIt reached 0.93 here.\n\n", 1), encoding="utf-8")
    before = [t for _, t, _ in loose_numbers(text)]
    after = [t for _, t, _ in loose_numbers(copy.read_text(encoding="utf-8"))]
    assert sorted(after) == sorted([*before, "0.93"])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("It reached 0.93 validation accuracy.", ["0.93"]),
        ("It reached 94.4% test accuracy.", ["94.4%"]),
        (
            "It was ahead (+19 points, −0.17 at the tuned rate, -2.2 loss).",
            ["+19", "−0.17", "-2.2"],
        ),
        ("Ten out of 1,079 images, 5 seeds, 15 epochs, 8×8 digits, epochs 51–60.", []),
        ("It reached {glue:text}`../notebooks/25_x.ipynb::acc:s`% test accuracy.", []),
        ("At $\\eta = 1.0$ with `StepLR(3, 0.1)` and `lr=1.0`.", []),
        ('The source says "a rate of 0.5 becomes 0.25" and “0.7 is best”.', []),
        ("See [lesson 2.5](../notebooks/02.ipynb) and [x](https://a.b/1.5).", ["2.5"]),
        ("The 95% interval, within ±0.5 points, ending at chance (10%).", []),
        ("The paper reports 93.2% {cite}`smith2017cyclical`. We got 0.93.", ["0.93"]),
        ("```python\nx = 0.93\n```\n", []),
    ],
)
def test_numbers_a_page_may_hold(text, expected):
    assert [t for _, t, _ in loose_numbers(text)] == expected


def test_pastes_are_checked(tmp_path):
    (tmp_path / "notebooks").mkdir()
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "glue",
                execution_count=1,
                outputs=[
                    nbformat.v4.new_output(
                        "display_data",
                        data={"application/papermill.record/text/plain": "'0.93'"},
                        metadata={"scrapbook": {"name": "acc", "mime_prefix": ""}},
                    )
                ],
            )
        ]
    )
    nbformat.write(nb, tmp_path / "notebooks" / "01_x.ipynb")
    (tmp_path / "book").mkdir()
    page = tmp_path / "book" / "page.md"
    good = "{glue:text}`../notebooks/01_x.ipynb::acc:s`"
    page.write_text(good, encoding="utf-8")
    assert paste_problems(page) == []
    for bad, why in [
        ("{glue:text}`../notebooks/01_x.ipynb::acc`", "format spec"),
        ("{glue:text}`../notebooks/01_x.ipynb::accuracy:s`", "glues no 'accuracy'"),
        ("{glue:text}`../notebooks/02_y.ipynb::acc:s`", "no lesson"),
        ("{glue:text}`acc`", "no glue of its own"),
    ]:
        page.write_text(bad, encoding="utf-8")
        problems = paste_problems(page)
        assert len(problems) == 1 and why in problems[0], (bad, problems)
