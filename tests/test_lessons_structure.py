"""Every lesson follows the conventions of tests/tools/lesson.py (see CONTRIBUTING.md).

The checks run on every notebook in notebooks/. They are themselves tested on a skeleton
made by `python -m tests.tools.new_lesson` and executed here: the filled-in skeleton must
pass, and each way of breaking it must be caught.
"""

import copy
import os
import re
import subprocess
import sys

import nbformat
import pytest
import yaml

try:  # tests/ is a plain folder on sys.path (pytest's default import mode)
    from tools import lesson
except ImportError:  # run from the repository root as `python -m pytest`
    from tests.tools import lesson

ROOT = lesson.ROOT
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


# ---------------------------------------------------------------- the real lessons


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_lesson_follows_the_conventions(notebook):
    problems = lesson.check_notebook(notebook)
    assert not problems, f"{notebook.name}:\n- " + "\n- ".join(problems)


def test_toc_lists_every_lesson_and_every_entry_exists():
    entries = lesson.toc_files()
    missing_files = [
        e for e in entries if not any((ROOT / (e + ext)).is_file() for ext in (".md", ".ipynb"))
    ]
    assert not missing_files, f"_toc.yml names files that do not exist: {missing_files}"
    assert len(entries) == len(set(entries)), f"_toc.yml lists a file twice: {entries}"
    unlisted = [
        p.relative_to(ROOT).with_suffix("").as_posix()
        for p in NOTEBOOKS
        if p.relative_to(ROOT).with_suffix("").as_posix() not in entries
    ]
    assert not unlisted, f"lessons missing from _toc.yml (the site would not show them): {unlisted}"


def test_colab_links_and_install_line_come_from_config():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    url, branch = config["repository"]["url"], config["repository"]["branch"]
    assert config["repository"]["path_to_book"] == "", "the book is built from the repository root"
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    owner_repo = url.removeprefix("https://github.com/")
    assert lesson.colab_url("notebooks/01_x.ipynb") == (
        f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/notebooks/01_x.ipynb"
    )
    assert lesson.badge_markdown("notebooks/01_x.ipynb") == (
        "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
        f"(https://colab.research.google.com/github/{owner_repo}/blob/{branch}/notebooks/01_x.ipynb)"
    )
    installs = re.findall(r'"lrlib @ git\+(\S+)@(\S+)"', lesson.setup_cell_source())
    assert installs == [(url, branch)]


@pytest.mark.parametrize(
    "bad",
    [
        "lessons/01_x.ipynb",
        "notebooks/01_x.md",
        "notebooks/Lesson One.ipynb",
        "notebooks/sub/01_x.ipynb",
    ],
)
def test_lesson_paths_are_checked(bad):
    with pytest.raises(ValueError, match="lesson"):
        lesson.colab_url(bad)


# ---------------------------------------------------------------- the checks, tested on a skeleton

SKELETON = "notebooks/01_skeleton_check.ipynb"


@pytest.fixture(scope="module")
def executed_skeleton(tmp_path_factory):
    """A skeleton written by the CLI into an empty folder and executed there (as `make outputs`)."""
    import nbclient

    root = tmp_path_factory.mktemp("lesson")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "tests.tools.new_lesson", SKELETON, "A skeleton"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    path = root / SKELETON
    nb = nbformat.read(path, as_version=4)
    saved = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = (
        "Agg"  # as the Makefile exports it: the setup cell must still plot inline
    )
    try:
        nbclient.NotebookClient(
            nb,
            timeout=120,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    finally:
        if saved is None:
            os.environ.pop("MPLBACKEND")
        else:
            os.environ["MPLBACKEND"] = saved
    nbformat.write(nb, path)
    return path


def _filled(nb):
    """The skeleton with every TODO replaced, as an author would leave it."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        cell.source = cell.source.replace("TODO: ", "").replace("TODO", "Done")
    return nb


def test_new_lesson_refuses_to_overwrite(executed_skeleton):
    root = executed_skeleton.parents[1]
    done = subprocess.run(
        [sys.executable, "-m", "tests.tools.new_lesson", SKELETON, "Again"],
        cwd=root,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "exists" in done.stderr


def test_skeleton_runs_and_only_its_todos_are_flagged(executed_skeleton):
    problems = lesson.check_notebook(executed_skeleton, SKELETON)
    assert problems, "the skeleton's TODOs must be reported"
    assert all("TODO" in p for p in problems), problems
    nb = nbformat.read(executed_skeleton, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].outputs == [], "the setup cell printed something"
    assert any("image/png" in o.get("data", {}) for c in code for o in c.outputs), (
        "no plot came out inline although MPLBACKEND=Agg"
    )


def test_filled_skeleton_passes(executed_skeleton, tmp_path):
    nb = _filled(nbformat.read(executed_skeleton, as_version=4))
    path = tmp_path / "filled.ipynb"
    nbformat.write(nb, path)
    assert lesson.check_notebook(path, SKELETON) == []


def test_setup_cell_may_install_an_optional_dependency_of_lrlib(executed_skeleton, tmp_path):
    assert "lightning" in lesson.lrlib_extras()
    nb = _filled(nbformat.read(executed_skeleton, as_version=4))
    _code(nb, 0).source = lesson.setup_cell_source(["lightning"])
    assert '"lrlib[lightning] @ git+' in _code(nb, 0).source
    path = tmp_path / "with_extra.ipynb"
    nbformat.write(nb, path)
    assert lesson.check_notebook(path, SKELETON) == []
    with pytest.raises(ValueError, match="nosuch"):
        lesson.install_spec(["nosuch"])


def _code(nb, i):
    return [c for c in nb.cells if c.cell_type == "code"][i]


def _replace_in_first_cell(old, new):
    def mutate(nb):
        assert old in nb.cells[0].source
        nb.cells[0].source = nb.cells[0].source.replace(old, new)

    return mutate


def _set_source(i, source):
    def mutate(nb):
        _code(nb, i).source = source

    return mutate


def _add_code_cell(source, outputs=None):
    def mutate(nb):
        cell = nbformat.v4.new_code_cell(
            source, execution_count=len([c for c in nb.cells if c.cell_type == "code"]) + 1
        )
        cell.outputs = (
            outputs
            if outputs is not None
            else [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
        )
        nb.cells.insert(-2, cell)

    return mutate


def _set_output(i, output):
    def mutate(nb):
        _code(nb, i).outputs.append(output)

    return mutate


def _move_setup_after_first_code_cell(nb):
    code_idx = [k for k, c in enumerate(nb.cells) if c.cell_type == "code"]
    a, b = code_idx[0], code_idx[1]
    nb.cells[a], nb.cells[b] = nb.cells[b], nb.cells[a]


def _duplicate_setup(nb):
    twin = copy.deepcopy(_code(nb, 0))
    twin.id = "setup-twin"
    nb.cells.insert(3, twin)


def _remove_key_takeaways(nb):
    for cell in nb.cells:
        cell.source = cell.source.replace("## Key takeaways", "## In short")


def _clear_counts(nb):
    _code(nb, 2).execution_count = None


def _shuffle_counts(nb):
    _code(nb, 1).execution_count, _code(nb, 2).execution_count = 3, 2


def _wrong_kernel(nb):
    nb.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}


SETUP = lesson.setup_cell_source()


def _too_long(nb):
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("word " * 2500))


BREAKAGES = {
    "badge-points-to-another-lesson": (
        _replace_in_first_cell("01_skeleton_check.ipynb", "02_other.ipynb"),
        "must point to",
    ),
    "badge-points-to-a-fork": (
        _replace_in_first_cell(lesson.GITHUB_REPO, "someone/fork"),
        "must point to",
    ),
    "badge-on-another-branch": (
        _replace_in_first_cell(f"/blob/{lesson.BRANCH}/", "/blob/dev/"),
        "must point to",
    ),
    "no-badge": (
        _replace_in_first_cell("[![Open In Colab]", "[![Colab]"),
        "exactly one Colab badge",
    ),
    "title-not-level-1": (
        _replace_in_first_cell("# A skeleton", "## A skeleton"),
        "level-1 heading",
    ),
    "no-summary": (
        lambda nb: setattr(
            nb.cells[0], "source", "# A skeleton\n\n" + lesson.badge_markdown(SKELETON)
        ),
        "summary",
    ),
    "second-level-1-heading": (
        lambda nb: nb.cells.insert(2, nbformat.v4.new_markdown_cell("# Another title\n\nText.")),
        "only the title",
    ),
    "setup-cell-changed": (
        _set_source(0, SETUP.replace("seed_everything(0)", "seed_everything(1)")),
        "canonical setup cell",
    ),
    "setup-installs-from-a-fork": (
        _set_source(0, SETUP.replace(lesson.REPO_URL, "https://github.com/x/y")),
        "installs lrlib from",
    ),
    "setup-installs-an-unknown-extra": (
        _set_source(0, SETUP.replace('"lrlib @', '"lrlib[nosuch] @')),
        "not optional dependencies of lrlib",
    ),
    "setup-with-extra-edited": (
        _set_source(
            0,
            lesson.setup_cell_source(["lightning"]).replace(
                "seed_everything(0)", "seed_everything(1)"
            ),
        ),
        "canonical setup cell",
    ),
    "setup-not-first": (_move_setup_after_first_code_cell, "first code cell must be the canonical"),
    "setup-twice": (_duplicate_setup, "appear once"),
    "second-install": (_add_code_cell("!pip install lrlib"), "installs or detects Colab"),
    "open-relative-file": (
        _add_code_cell('rows = open("data/train.csv").read()\nprint(len(rows))'),
        "reads a file",
    ),
    "parent-directory": (
        _add_code_cell('import lrlib.plot\nprint("../lrlib/plot.py")'),
        "reads a file",
    ),
    "pandas-read-csv": (
        _add_code_cell('import pandas as pd\npd.read_csv("results.csv")'),
        "reads a file",
    ),
    "numpy-loadtxt": (_add_code_cell("import numpy as np\nnp.loadtxt('lrs.txt')"), "reads a file"),
    "run-magic": (_add_code_cell("%run helpers.py"), "reads a file"),
    "sys-path": (_add_code_cell("import sys\nsys.path.insert(0, '..')"), "reads a file"),
    "no-key-takeaways": (_remove_key_takeaways, "Key takeaways"),
    "todo-left-in-code": (
        _add_code_cell("# TODO: a second seed\nprint(1)"),
        "code cell 6 still has a TODO",
    ),
    "todo-left-in-prose": (
        lambda nb: nb.cells.insert(2, nbformat.v4.new_markdown_cell("## More\n\nTODO: explain.")),
        "markdown cell '## More' still has a TODO",
    ),
    "cell-without-output": (lambda nb: setattr(_code(nb, 1), "outputs", []), "has no output"),
    "setup-prints": (
        _set_output(0, nbformat.v4.new_output("stream", name="stdout", text="cpu\n")),
        "setup cell must print nothing",
    ),
    "error-output": (
        _set_output(
            2,
            nbformat.v4.new_output(
                "error", ename="ValueError", evalue="boom", traceback=["ValueError: boom"]
            ),
        ),
        "error output",
    ),
    "machine-path-in-warning": (
        _set_output(
            2,
            nbformat.v4.new_output(
                "stream",
                name="stderr",
                text="/home/ci/lrwiki/.venv/lib/python3.11/site-packages/torch/"
                "optim/lr_scheduler.py:62: UserWarning: ...\n",
            ),
        ),
        "path of the machine",
    ),
    "site-packages-in-repr": (
        _set_output(
            2,
            nbformat.v4.new_output(
                "execute_result",
                data={"text/plain": "<module 'x' from 'C:\\\\Users\\\\me\\\\x.py'>"},
                execution_count=3,
            ),
        ),
        "path of the machine",
    ),
    "missing-execution-count": (_clear_counts, "no execution count"),
    "counts-out-of-order": (_shuffle_counts, "not 1, 2, 3"),
    "wrong-kernel": (_wrong_kernel, "kernelspec"),
    "too-long": (_too_long, "more than 2500"),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_each_broken_convention_is_caught(executed_skeleton, tmp_path, breakage):
    mutate, expected = BREAKAGES[breakage]
    nb = _filled(nbformat.read(executed_skeleton, as_version=4))
    mutate(nb)
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    problems = lesson.check_notebook(path, SKELETON)
    assert any(expected in p for p in problems), f"{breakage} not caught; problems: {problems}"


# ---------------------------------------------------------------- claims, glue and the errata

CONVERTED = [p for p in NOTEBOOKS if p.stem not in lesson.CLAIMS_NOT_YET_CONVERTED]


def test_not_yet_converted_list_names_existing_lessons_once():
    names = lesson.CLAIMS_NOT_YET_CONVERTED
    missing = [n for n in names if not (ROOT / "notebooks" / f"{n}.ipynb").is_file()]
    assert not missing, f"CLAIMS_NOT_YET_CONVERTED names lessons that do not exist: {missing}"
    assert len(names) == len(set(names)) and list(names) == sorted(names), names


@pytest.mark.parametrize(
    "notebook", CONVERTED or [None], ids=[p.name for p in CONVERTED] or ["none"]
)
def test_converted_lesson_backs_its_verdicts_and_glues_its_numbers(notebook):
    if notebook is None:
        return  # no lesson converted yet
    problems = lesson.check_claims(notebook)
    assert not problems, f"{notebook.name}:\n- " + "\n- ".join(problems)


def test_errata_and_lessons_give_one_verdict_per_claim():
    problems = lesson.check_errata()
    assert not problems, "book/errata.md:\n- " + "\n- ".join(problems)


def test_filled_skeleton_follows_the_claims_rules(executed_skeleton, tmp_path):
    nb = _filled(nbformat.read(executed_skeleton, as_version=4))
    assert "final_lr" in lesson.glued_keys(nb), "the skeleton's glue cell glued nothing"
    assert lesson.checked_claims(nb) == {"lr-decays": [None]}
    path = tmp_path / "filled.ipynb"
    nbformat.write(nb, path)
    assert lesson.check_claims(path) == []


def _md_replace(old, new):
    def mutate(nb):
        cells = [c for c in nb.cells if c.cell_type == "markdown" and old in c.source]
        assert cells, old
        cells[0].source = cells[0].source.replace(old, new)

    return mutate


def _check_output(old, new):
    def mutate(nb):
        for cell in nb.cells:
            for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
                if out.get("output_type") == "stream" and old in out.text:
                    out.text = out.text.replace(old, new)
                    return
        raise AssertionError(old)

    return mutate


def _drop_glue(nb):
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if "scrapbook" not in o.get("metadata", {})]


CLAIM_BREAKAGES = {
    "takeaway-without-claim": (_md_replace(" {claim}`lr-decays`.", "."), "states no checked claim"),
    "correction-without-claim": (
        _md_replace("backs it {claim}`lr-decays`", "backs it"),
        "Correction box 1 states no checked claim",
    ),
    "claim-without-check": (
        _check_output("[lr-decays]", "[lr-falls]"),
        "no check with id 'lr-decays' passed",
    ),
    "check-that-failed": (
        _check_output("\u2713 [lr-decays]", "\u2717 [lr-decays]"),
        "no check with id 'lr-decays' passed",
    ),
    "claim-in-a-lesson-that-does-not-check-it": (
        _md_replace("{claim}`lr-decays`.", "{claim}`02_other::lr-decays`."),
        "no check with id 'lr-decays' passed in lesson 02_other",
    ),
    "plain-number-in-takeaway": (
        _md_replace("the rate ends at {glue:text}`final_lr`", "the rate ends at 0.0125"),
        "the number(s) ['0.0125']",
    ),
    "unglued-key": (_drop_glue, "pastes {glue} 'final_lr', which no output glues"),
    "claim-checked-twice": (
        _check_output("\u2713 [lr-decays] final", "\u2713 [lr-decays] x\n\u2713 [lr-decays] final"),
        "checked 2 times",
    ),
}


@pytest.mark.parametrize("breakage", list(CLAIM_BREAKAGES))
def test_each_broken_claims_rule_is_caught(executed_skeleton, tmp_path, breakage):
    mutate, expected = CLAIM_BREAKAGES[breakage]
    nb = _filled(nbformat.read(executed_skeleton, as_version=4))
    mutate(nb)
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    problems = lesson.check_claims(path)
    assert any(expected in p for p in problems), f"{breakage} not caught; problems: {problems}"


@pytest.mark.parametrize(
    "text",
    [
        "Decay every `10` epochs: {glue:text}`gain:.1f` points {claim}`x`.",
        "Adam's default $\\beta_2 = 0.999$ {cite}`kingma2015adam`; see [lesson 25](25_x.ipynb).",
        "The paper reports 93.2% on CIFAR-10 {cite}`smith2017cyclical`.",
        "L2 and float32 hold digits inside words.",
    ],
)
def test_numbers_a_takeaway_may_hold(text):
    assert not lesson._LOOSE_DIGIT.findall(lesson._DIGIT_HOLDERS.sub(" ", text)) or "{cite" in text


def _seed_lesson(folder, stem, claim_id, verdict):
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(
                f"# L\n\n## Key takeaways\n\n- It is wrong {{claim}}`{claim_id}`."
            ),
            nbformat.v4.new_code_cell(
                "claims.seed(...)",
                execution_count=1,
                outputs=[
                    nbformat.v4.new_output(
                        "stream",
                        name="stdout",
                        text=f'\u2713 [{claim_id}] seed claim {verdict}: "s" \u2014 e\n',
                    )
                ],
            ),
        ]
    )
    nbformat.write(nb, folder / f"{stem}.ipynb")


ERRATA_OK = (
    "# Errata\n\n- **Wrong**: StepLR decays every step_size calls. [StepLR](../notebooks/"
    "11_step.ipynb) {claim}`11_step::step-every-n-epochs`\n"
    "- An old line of an exempt lesson. [Other](../notebooks/12_old.ipynb)\n"
)
ERRATA_BREAKAGES = {
    "verdict-disagrees": (
        ERRATA_OK.replace("**Wrong**", "**Confirmed**"),
        "says 'confirmed' but the lesson's check says 'wrong'",
    ),
    "no-verdict": (ERRATA_OK.replace("**Wrong**: ", ""), "give one verdict in bold"),
    "claim-missing": (
        ERRATA_OK.replace(" {claim}`11_step::step-every-n-epochs`", ""),
        "names no {claim}",
    ),
    "listed-twice": (
        ERRATA_OK + "- **Wrong** again {claim}`11_step::step-every-n-epochs`\n",
        "2 times",
    ),
    "unknown-id": (
        ERRATA_OK.replace("::step-every-n-epochs", "::step-every-epoch"),
        "no seed check with that id passed",
    ),
}


@pytest.mark.parametrize("breakage", [None, *ERRATA_BREAKAGES])
def test_errata_disagreeing_with_a_lesson_is_caught(tmp_path, breakage):
    _seed_lesson(tmp_path, "11_step", "step-every-n-epochs", "wrong")
    _seed_lesson(tmp_path, "12_old", "old-claim", "wrong")
    text, expected = (ERRATA_OK, None) if breakage is None else ERRATA_BREAKAGES[breakage]
    errata = tmp_path / "errata.md"
    errata.write_text(text, encoding="utf-8")
    problems = lesson.check_errata(errata, tmp_path, exempt=("12_old",))
    if expected is None:
        assert problems == []
    else:
        assert any(expected in p for p in problems), f"{breakage} not caught; {problems}"
    if breakage is None:  # a converted lesson's seed claim must be on the page
        assert any(
            "12_old::old-claim" in p and "missing from the errata" in p
            for p in lesson.check_errata(errata, tmp_path, exempt=())
        )


# ---------------------------------------------------------------- no helper twice

# Helpers that other work is moving into lrlib; a lesson may define them until then.
# Remove an entry as soon as its lesson calls lrlib instead.
TEMPORARY_HELPERS = {}


def _lrlib_names():
    """The public functions and classes of lrlib a lesson must call rather than redefine."""
    import types

    import lrlib
    import lrlib.models
    import lrlib.plot
    import lrlib.utils

    names = {
        n
        for n in dir(lrlib)
        if not n.startswith("_") and not isinstance(getattr(lrlib, n), types.ModuleType)
    }
    names |= set(lrlib.models.__all__) | set(lrlib.plot.__all__)
    names |= {
        n for n in vars(lrlib.utils) if not n.startswith("_") and callable(getattr(lrlib.utils, n))
    }
    return names


def test_no_helper_is_defined_in_two_lessons():
    lessons = {p.name: nbformat.read(p, as_version=4) for p in NOTEBOOKS}
    repeated = {
        name: where
        for name, where in lesson.repeated_helpers(lessons).items()
        if name not in TEMPORARY_HELPERS
    }
    assert not repeated, (
        "these functions are defined in several lessons; move them into lrlib "
        f"(with a test) and call that: {repeated}"
    )


def test_no_lesson_redefines_what_lrlib_has():
    names = _lrlib_names()
    found = {
        p.name: sorted(
            lesson.helper_names(nbformat.read(p, as_version=4)) & names - set(TEMPORARY_HELPERS)
        )
        for p in NOTEBOOKS
    }
    found = {name: helpers for name, helpers in found.items() if helpers}
    assert not found, f"lessons define functions that lrlib provides; call lrlib's: {found}"


def test_repeated_helpers_are_found_in_code_cells_only():
    def notebook(*sources, markdown=""):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(markdown)]
        nb.cells += [nbformat.v4.new_code_cell(src) for src in sources]
        return nb

    first = notebook(
        "%matplotlib inline\ndef make_model(seed):\n    return seed",
        "class A:\n    def __init__(self):\n        pass\n\n"
        "def outer():\n    def inner():\n        pass",
    )
    second = notebook(
        "make_model = lambda seed: seed\n\nclass B:\n    def __init__(self):\n        pass",
        "def inner():\n    pass",
        markdown="def outer(): pass",
    )
    assert lesson.helper_names(first) == {"make_model", "outer"}
    assert lesson.helper_names(second) == {"make_model", "inner"}
    assert lesson.repeated_helpers({"01": first, "02": second}) == {"make_model": ["01", "02"]}
    assert lesson.repeated_helpers({"01": first}) == {}
