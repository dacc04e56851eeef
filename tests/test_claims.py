"""lrlib.claims: what a passing check prints, that a failing one fails the lesson, and that
glue stores rounded text that myst-nb's {glue:text} role reads from the committed outputs."""

import os

import nbformat
import pytest

from lrlib import claims
from lrlib.compare import compare

RESULT = compare(
    {
        "constant": [95.1, 95.6, 94.8, 95.3, 95.0],
        "cosine": [96.0, 96.3, 95.9, 96.1, 95.7],
        "linear": [95.12, 95.58, 94.85, 95.27, 95.03],
    },
    "constant",
    equivalence=0.5,
)


def test_check_prints_the_claim_with_its_evidence(capsys):
    claims.check(
        "cosine beats constant",
        RESULT.verdict("cosine") == "better",
        evidence=RESULT.row("cosine"),
        id="cosine-beats-constant",
    )
    claims.check("a number is rounded", True, evidence=0.123456)
    claims.check("no evidence needed", True)
    assert capsys.readouterr().out.splitlines() == [
        (
            "✓ [cosine-beats-constant] cosine beats constant — cosine - constant: +0.8 "
            "[95% CI +0.6, +1.0; Holm +0.6, +1.1] p_Holm <0.001, 5 seeds: better"
        ),
        "✓ a number is rounded — 0.123",
        "✓ no evidence needed",
    ]


def test_a_claim_the_run_no_longer_supports_fails(capsys):
    with pytest.raises(
        claims.ClaimFailed,
        match=r"✗ \[cosine-loses\] cosine loses — "
        r".*no longer supports",
    ) as info:
        claims.check(
            "cosine loses",
            RESULT.verdict("cosine") == "worse",
            evidence=RESULT.row("cosine"),
            id="cosine-loses",
        )
    assert isinstance(info.value, AssertionError)  # so nbval and pytest report it as a failure
    assert capsys.readouterr().out == ""


def test_verdict_and_between(capsys):
    claims.verdict(RESULT, "cosine", "better", id="cosine-wins")
    claims.verdict(RESULT, "linear", "equivalent", claim="linear decay matches a constant")
    claims.between("best lr", 0.0316, 0.01, 0.1, id="best-lr")
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("✓ [cosine-wins] cosine vs constant: better — cosine - constant")
    assert out[1].startswith("✓ linear decay matches a constant — linear - constant: +0.010")
    assert out[1].endswith("equivalent within ±0.5")
    assert out[2] == "✓ [best-lr] best lr lies in [0.01, 0.1] — best lr = 0.0316"
    with pytest.raises(claims.ClaimFailed):
        claims.verdict(RESULT, "linear", "better")
    with pytest.raises(claims.ClaimFailed, match="best lr = 0.316"):
        claims.between("best lr", 0.316, 0.01, 0.1)


def test_seed_records_a_verdict_on_a_source_claim(capsys):
    claims.seed(
        "step-every-n-epochs",
        "wrong",
        "StepLR decays every N epochs",
        holds=True,
        evidence="decayed after 3 calls",
    )
    assert capsys.readouterr().out == (
        "✓ [step-every-n-epochs] seed claim wrong: "
        '"StepLR decays every N epochs" — decayed after 3 calls\n'
    )
    with pytest.raises(claims.ClaimFailed):
        claims.seed("x", "confirmed", "says", holds=False)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: claims.check("c", "better"), TypeError, "holds must be a bool"),
        (lambda: claims.check("c", 1), TypeError, "holds must be a bool"),
        (lambda: claims.check("", True), ValueError, "claim must be"),
        (lambda: claims.check("two\nlines", True), ValueError, "claim must be"),
        (lambda: claims.check("c", True, id="Cosine Wins"), ValueError, "id must be"),
        (lambda: claims.verdict(RESULT, "cosine", "beats"), ValueError, "expected must be"),
        (lambda: claims.verdict(RESULT, "nosuch", "better"), KeyError, "nosuch"),
        (lambda: claims.between("x", float("nan"), 0, 1), TypeError, "value must be a number"),
        (lambda: claims.between("x", 0.5, 1, 0), ValueError, "low must be <= high"),
        (lambda: claims.seed("x", "false", "says", holds=True), ValueError, "verdict must be"),
        (lambda: claims.seed(None, "wrong", "says", holds=True), ValueError, "needs an id"),
        (lambda: claims.glue("Best LR", 0.1), ValueError, "name must be"),
        (lambda: claims.glue("x", 0.1, ""), ValueError, "rounded"),
        (lambda: claims.glue("x", 0.1, 3), TypeError, "fmt must be"),
    ],
)
def test_bad_input_is_rejected(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_numpy_bools_are_accepted(capsys):
    import numpy as np

    claims.check("numpy comparison", np.float64(0.2) < 0.3)
    assert capsys.readouterr().out == "✓ numpy comparison\n"


def test_glue_prints_outside_a_kernel(capsys):
    assert claims.glue("best_lr", 0.031622, ".2g") is None  # a cell may end with it
    assert claims.glue("gain", 0.0081, ".1%") is None
    assert capsys.readouterr().out == "best_lr = 0.032\ngain = 0.8%\n"


def test_glue_in_a_kernel_is_read_by_myst_nb_from_the_outputs(tmp_path):
    """Executed as a lesson is: the glued output is hidden, rounded text, which myst-nb's
    {glue:text} role pastes (with execute_notebooks "off" it reads the committed outputs)."""
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("myst_nb")
    from myst_nb.core.variables import format_plain_text
    from myst_nb.ext.glue import extract_glue_data_cell

    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "from lrlib import claims\nclaims.glue('best_lr', 0.031622, '.2g');"
            )
        ]
    )
    env_path = os.pathsep.join(
        [str(claims.__file__).rsplit(os.sep, 2)[0], os.environ.get("PYTHONPATH", "")]
    )
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = env_path
    try:
        nbclient.NotebookClient(
            nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
        ).execute()
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = saved
    outputs = nb.cells[0].outputs
    assert [o.output_type for o in outputs] == ["display_data"]
    assert outputs[0].data == {"application/papermill.record/text/plain": "'0.032'"}
    ((key, output),) = extract_glue_data_cell(nb.cells[0])
    assert key == "best_lr"
    assert format_plain_text(output["data"]["text/plain"], "s") == "0.032"


def test_claim_role_renders_in_sphinx(tmp_path):
    """{claim}`id` shows a check mark; {claim}`lesson::id` links to the lesson, and a missing
    lesson is an error under -W -n, as in `make book`."""
    import subprocess
    import sys
    from pathlib import Path

    pytest.importorskip("myst_parser")
    ext = Path(__file__).resolve().parents[1] / "book" / "_ext"
    (tmp_path / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ext)!r})\n"
        "extensions = ['myst_parser', 'lrwiki_sphinx']\n"
    )
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "a.md").write_text("# A\n\ntext\n")
    index = "# I\n\n```{toctree}\nnotebooks/a\n```\n\nFact {claim}`my-id`, link {claim}`a::x`.\n"
    (tmp_path / "index.md").write_text(index)

    def build():
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "sphinx",
                "-b",
                "html",
                "-W",
                "-n",
                "-q",
                "-E",
                str(tmp_path),
                str(tmp_path / "_build"),
            ],
            check=False,
            capture_output=True,
            text=True,
        )

    done = build()
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "_build" / "index.html").read_text(encoding="utf-8")
    assert '<abbr class="claim" title="checked by a run on this page: my-id">✓</abbr>' in html
    assert 'href="notebooks/a.html"><span class="doc">✓</span></a>' in html
    (tmp_path / "index.md").write_text(index.replace("a::x", "missing::x"))
    done = build()
    assert done.returncode != 0 and "unknown document" in done.stderr
