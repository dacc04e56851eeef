"""The conventions every lesson follows, in one place.

The repository URL and branch come from ``_config.yml`` (the same values the book's
Colab launch buttons use). From them this module builds the Colab badge of a lesson
and the canonical setup cell, writes lesson skeletons (see ``new_lesson.py``) and
checks a notebook against the conventions (see ``tests/test_lessons_structure.py``).
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import nbformat
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "_config.yml"
TOC = ROOT / "_toc.yml"
NOTEBOOKS_DIR = "notebooks"

COLAB = "https://colab.research.google.com"
BADGE_IMAGE = f"{COLAB}/assets/colab-badge.svg"
KEY_TAKEAWAYS = "Key takeaways"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
# A lesson file name: lowercase words joined by underscores, usually numbered (01_gradient_descent).
LESSON_NAME = re.compile(r"^[a-z0-9]+(?:[_-][a-z0-9]+)*$")


def _repository(config_path: Path = CONFIG) -> tuple[str, str]:
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    repo = config.get("repository") or {}
    url, branch = repo.get("url"), repo.get("branch")
    if not url or not branch:
        raise ValueError(f"{config_path} needs repository.url and repository.branch, got {repo!r}")
    if repo.get("path_to_book", "") not in ("", "."):
        raise ValueError(
            "the book is built from the repository root: repository.path_to_book "
            f"must be empty, got {repo.get('path_to_book')!r}"
        )
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)/?", url)
    if not match:
        raise ValueError(
            f"repository.url must be https://github.com/<owner>/<repo> (Colab opens "
            f"notebooks from GitHub), got {url!r}"
        )
    return url.rstrip("/"), str(branch)


REPO_URL, BRANCH = _repository()
GITHUB_REPO = REPO_URL.removeprefix("https://github.com/")  # "owner/name"
PYPROJECT = ROOT / "pyproject.toml"


def lrlib_extras(pyproject_path: Path = PYPROJECT) -> list[str]:
    """The optional dependencies of lrlib (``pip install "lrlib[NAME]"``), from pyproject.toml."""
    project = tomllib.loads(pyproject_path.read_text(encoding="utf-8")).get("project", {})
    return sorted(project.get("optional-dependencies", {}))


def install_spec(extras=()) -> str:
    """What the setup cell installs in Colab: lrlib, with the optional dependencies ``extras``."""
    extras = list(extras)
    unknown = [e for e in extras if e not in lrlib_extras()]
    if unknown:
        raise ValueError(
            f"extras {unknown} are not optional dependencies of lrlib in "
            f"pyproject.toml ({lrlib_extras()})"
        )
    names = f"[{','.join(extras)}]" if extras else ""
    return f"lrlib{names} @ git+{REPO_URL}@{BRANCH}"


def _posix_relpath(notebook: str | Path) -> str:
    """``notebooks/NAME.ipynb``, the lesson's path relative to the repository root."""
    path = PurePosixPath(Path(notebook).as_posix())
    if path.is_absolute():
        path = PurePosixPath(Path(notebook).resolve().relative_to(ROOT).as_posix())
    if path.suffix != ".ipynb" or len(path.parts) != 2 or path.parts[0] != NOTEBOOKS_DIR:
        raise ValueError(f"a lesson lives at {NOTEBOOKS_DIR}/NAME.ipynb, got {str(notebook)!r}")
    if not LESSON_NAME.match(path.stem):
        raise ValueError(
            "a lesson's file name is lowercase letters, digits and underscores "
            f"(like 01_gradient_descent.ipynb), got {path.name!r}"
        )
    return str(path)


def colab_url(notebook: str | Path) -> str:
    """The Colab address of a lesson, as Jupyter Book's launch button builds it."""
    return f"{COLAB}/github/{GITHUB_REPO}/blob/{BRANCH}/{_posix_relpath(notebook)}"


def badge_markdown(notebook: str | Path) -> str:
    """The "Open in Colab" badge of a lesson, in Markdown."""
    return f"[![Open In Colab]({BADGE_IMAGE})]({colab_url(notebook)})"


def setup_cell_source(extras=()) -> str:
    """The setup cell, identical in every lesson but for the optional dependencies it installs.

    It installs lrlib only inside Colab (locally, lrlib comes from the repository's
    environment), with the optional dependencies ``extras`` a lesson needs beyond
    lrlib's own (``lightning`` for a Lightning run), shows plots inline whatever
    ``MPLBACKEND`` says, seeds every random generator and picks the device. It prints
    nothing, so its output cannot differ between a CPU and a GPU machine.
    """
    return (
        "# Setup (the same in every lesson): in Colab, install lrlib from the wiki's\n"
        "# repository; then seed every random generator and pick the device.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import subprocess\n"
        "\n"
        f'    spec = "{install_spec(extras)}"\n'
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", spec], check=True)\n'
        "\n"
        "%matplotlib inline\n"
        "import lrlib\n"
        "\n"
        "lrlib.seed_everything(0)\n"
        'device = lrlib.device()  # "cuda" when a GPU is present, else "cpu"'
    )


# ---------------------------------------------------------------- the lesson skeleton


def skeleton(notebook: str | Path, title: str) -> nbformat.NotebookNode:
    """A new lesson with every section of DESIGN.md's "A lesson", to be filled in.

    Every placeholder says TODO; the structure test rejects a lesson that still has one.
    """
    if not isinstance(title, str) or not title.strip() or "\n" in title:
        raise ValueError(f"title must be a non-empty single line, got {title!r}")
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [
        md(
            f"# {title.strip()}\n"
            "\n"
            "TODO: a one-paragraph summary: the question this lesson answers, what it runs to\n"
            "answer it, and what the reader takes away.\n"
            "\n"
            f"{badge_markdown(notebook)}"
        ),
        code(setup_cell_source()),
        md(
            "## The idea\n"
            "\n"
            "TODO: the idea in prose and mathematics, with the {term}`learning rate` and other\n"
            "glossary terms linked, and the paper it comes from cited {cite}`smith2017cyclical`:\n"
            "\n"
            "$$\n"
            "\\theta_{t+1} = \\theta_t - \\eta_t \\nabla L(\\theta_t)\n"
            "$$"
        ),
        md(
            "## lrlib's implementation\n"
            "\n"
            "TODO: the few lines that implement the idea, printed from lrlib's source so the page\n"
            "cannot drift from the code."
        ),
        code(
            "import inspect\n"
            "\n"
            "# TODO: print the schedule this lesson teaches, e.g. lrlib.schedules.<name>.\n"
            "print(inspect.getsource(lrlib.device))"
        ),
        md(
            "## Equal to PyTorch's\n"
            "\n"
            "TODO: build lrlib's scheduler and torch's with the same arguments and compare the\n"
            "learning rate at every step."
        ),
        code(
            "import torch\n"
            "\n"
            "# TODO: the learning rates of lrlib's scheduler and of torch's, step by step.\n"
            "ours = torch.tensor([0.1, 0.05, 0.025])\n"
            "theirs = torch.tensor([0.1, 0.05, 0.025])\n"
            "worst = ((ours - theirs).abs() / theirs).max().item()\n"
            'print(f"largest relative difference: {worst:.1e}")'
        ),
        md(
            "## Running it\n"
            "\n"
            "TODO: the schedule plotted for a few parameter values, then real training on real\n"
            "data with a fixed seed (several seeds where runs are compared). Every plot is backed\n"
            "by printed numbers, rounded to what is stable across machines and thread counts."
        ),
        code(
            "import matplotlib.pyplot as plt\n"
            "\n"
            "# TODO: plot what the lesson runs, with lrlib.plot, and print the marked values.\n"
            "steps = list(range(10))\n"
            "lrs = [0.1 * 0.5 ** (t // 3) for t in steps]\n"
            "fig, ax = plt.subplots(figsize=(5, 3))\n"
            "ax.plot(steps, lrs)\n"
            'ax.set_xlabel("step")\n'
            'ax.set_ylabel("learning rate")\n'
            "plt.show()\n"
            'print("lr at steps 0, 3, 6:", [round(lrs[t], 4) for t in (0, 3, 6)])'
        ),
        md(
            "## Checking the claims\n"
            "\n"
            "TODO: each claim the source documents make on this topic, with the run that checks\n"
            "it. Where the run confirms the claim, say so. Where it contradicts the claim:\n"
            "\n"
            ":::{admonition} Correction\n"
            ":class: warning\n"
            "\n"
            'TODO: *The source says* "...". The run above shows ..., '
            "so the right statement is ...\n"
            "The check below backs it {claim}`lr-decays`.\n"
            ":::"
        ),
        code(
            "from lrlib import claims\n"
            "\n"
            "# TODO: one check per verdict the prose states (its id is cited as {claim}`id`),\n"
            "# claims.seed(...) for a claim of the source pages, and the run's numbers glued\n"
            "# for the prose ({glue:text}`name`).\n"
            'claims.between("final learning rate", lrs[-1], 0.0, 0.05, id="lr-decays")\n'
            'claims.glue("final_lr", lrs[-1], ".3g")'
        ),
        md(
            f"## {KEY_TAKEAWAYS}\n"
            "\n"
            "- TODO: three to five sentences a reader should remember, each backed by a check\n"
            "  above: the rate ends at {glue:text}`final_lr` {claim}`lr-decays`."
        ),
        md(
            "## Related lessons\n"
            "\n"
            "- TODO: links to the lessons this one builds on and leads to, e.g.\n"
            "  [the glossary](../book/glossary.md)."
        ),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    return nb


# ---------------------------------------------------------------- the structure checks

_BADGE = re.compile(r"\[!\[Open In Colab\]\((?P<image>[^)\s]+)\)\]\((?P<url>[^)\s]+)\)")
_SETUP_EXTRAS = re.compile(r'"lrlib\[([\w,-]+)\] @ git\+')
_INSTALL = re.compile(r"git\+(?P<url>https://[^\s\"'@]+)@(?P<branch>[\w./-]+)")
_KEY_TAKEAWAYS = re.compile(rf"^#{{2,3}}\s+{KEY_TAKEAWAYS}\s*$", re.MULTILINE)
# Reading a file of the repository: a relative path given to a reading call, a path that
# climbs out of notebooks/, a magic that runs or loads a file, or sys.path pointed at the repo.
_READS_REPO_FILE = [
    (re.compile(r"\.\./|\.\.\\\\"), "a '../' path"),
    (
        re.compile(
            r"""\b(?:open|read_csv|read_table|read_json|read_parquet|read_excel|loadtxt|genfromtxt|"""
            r"""load|imread|read_text|read_bytes|Path)\(\s*[rbfRBF]?['"](?![a-zA-Z][\w+.-]*://)"""
        ),
        "a file opened by a relative path",
    ),
    (re.compile(r"^\s*%(?:run|load|loadpy)\s", re.MULTILINE), "a %run or %load of a file"),
    (re.compile(r"sys\.path\.(?:append|insert)"), "a change of sys.path"),
]
# An absolute path of the machine that ran the notebook, or of its Python installation.
_MACHINE_PATH = re.compile(
    r"(?<![\w.:/~-])/(?:work|home|root|tmp|Users|usr|opt|var|private|mnt|srv|content)/"
    r"|site-packages|dist-packages|[A-Za-z]:\\\\?(?:Users|Program)"
)
_TEXT_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json")


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _without_fences(markdown: str) -> str:
    """Markdown without its fenced blocks (code, directives), whose '#' lines are no headings."""
    return re.sub(r"^(```+|~~~+|:::+).*?^\1[ \t]*$", "", markdown, flags=re.MULTILINE | re.DOTALL)


def _output_texts(output) -> list[str]:
    if output.get("output_type") == "stream":
        text = output.get("text", "")
        return ["".join(text) if isinstance(text, list) else text]
    if output.get("output_type") == "error":
        return ["\n".join(output.get("traceback", []))]
    data = output.get("data", {})
    texts = []
    for mime in _TEXT_MIMES:
        if mime in data:
            value = data[mime]
            texts.append("".join(value) if isinstance(value, list) else str(value))
    return texts


def check_notebook(path: str | Path, relpath: str | None = None) -> list[str]:
    """Every way the notebook at ``path`` breaks the lesson conventions; [] when none.

    ``relpath`` is the lesson's path relative to the repository root (the path its Colab
    badge must name); by default ``path`` relative to the repository root.
    """
    path = Path(path)
    relpath = relpath or path.resolve().relative_to(ROOT).as_posix()
    problems = []
    nb = nbformat.read(path, as_version=4)
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        problems.append(f"not a valid notebook: {exc.message}")
    cells = nb.cells
    if nb.metadata.get("kernelspec", {}).get("name") != KERNELSPEC["name"]:
        problems.append(
            f"kernelspec must be {KERNELSPEC['name']!r} (what Colab and nbval start), "
            f"got {nb.metadata.get('kernelspec')!r}"
        )

    # 1. Title, summary and badge in the first cell.
    first = cells[0] if cells else None
    if first is None or first.cell_type != "markdown":
        problems.append("the first cell must be markdown: title, summary and Colab badge")
    else:
        text = _source(first)
        lines = [line.strip() for line in text.strip().splitlines()]
        if not lines or not re.fullmatch(r"# \S.*", lines[0]):
            problems.append(
                "the first cell must start with the title as a level-1 heading ('# ...')"
            )
        badges = _BADGE.findall(text)
        expected = colab_url(relpath)
        if len(badges) != 1:
            problems.append(
                f"the first cell must hold exactly one Colab badge, found {len(badges)}"
            )
        else:
            image, url = badges[0]
            if image != BADGE_IMAGE:
                problems.append(f"the badge image must be {BADGE_IMAGE}, got {image}")
            if url != expected:
                problems.append(f"the Colab badge must point to {expected}, got {url}")
        summary = [
            line
            for line in lines[1:]
            if line and not _BADGE.search(line) and not line.startswith("#")
        ]
        if len(" ".join(summary).split()) < 15:
            problems.append(
                "the first cell needs a one-paragraph summary (15 words or more) "
                "between the title and the badge"
            )
        level1 = [
            c
            for c in cells
            if c.cell_type == "markdown"
            and re.search(r"^# ", _without_fences(_source(c)), re.MULTILINE)
        ]
        if len(level1) > 1 or len(re.findall(r"^# ", _without_fences(text), re.MULTILINE)) > 1:
            problems.append("only the title may be a level-1 heading ('# ...'); sections use '##'")

    # 2. One setup cell, the canonical one, first among the code cells.
    code_cells = [c for c in cells if c.cell_type == "code"]
    extras = _SETUP_EXTRAS.search(_source(code_cells[0])) if code_cells else None
    try:
        canonical = setup_cell_source([e.strip() for e in extras[1].split(",")] if extras else [])
    except ValueError as exc:
        problems.append(f"the setup cell installs lrlib with {exc}")
        canonical = setup_cell_source()
    setups = [i for i, c in enumerate(code_cells) if _source(c).strip() == canonical]
    if not code_cells or _source(code_cells[0]).strip() != canonical:
        problems.append(
            "the first code cell must be the canonical setup cell "
            "(tests/tools/lesson.py: setup_cell_source())"
        )
    if len(setups) > 1:
        problems.append(f"the setup cell must appear once, found {len(setups)} copies")
    for i, cell in enumerate(code_cells):
        src = _source(cell)
        if i not in setups and re.search(r"google\.colab|pip\s+install|git\+https", src):
            problems.append(f"code cell {i + 1} installs or detects Colab: only the setup cell may")
        for m in _INSTALL.finditer(src):
            if (m["url"], m["branch"]) != (REPO_URL, BRANCH):
                problems.append(
                    f"code cell {i + 1} installs lrlib from {m['url']}@{m['branch']}, "
                    f"but _config.yml's repository is {REPO_URL}@{BRANCH}"
                )

    # 3. No file of the repository is read: in Colab the lesson stands alone.
    for i, cell in enumerate(code_cells):
        src = _source(cell)
        for pattern, what in _READS_REPO_FILE:
            found = pattern.search(src)
            if found:
                problems.append(
                    f"code cell {i + 1} reads a file ({what}: {found.group(0)!r}); "
                    "a lesson may only use lrlib and its own code"
                )

    # 4. The closing sections.
    if not any(_KEY_TAKEAWAYS.search(_source(c)) for c in cells if c.cell_type == "markdown"):
        problems.append(f"a '## {KEY_TAKEAWAYS}' heading is missing")

    # 5. Committed outputs, from one clean run, top to bottom, without errors.
    counts = [c.get("execution_count") for c in code_cells]
    if any(not isinstance(n, int) for n in counts):
        missing = [i + 1 for i, n in enumerate(counts) if not isinstance(n, int)]
        problems.append(f"code cells {missing} have no execution count: run `make outputs`")
    elif counts != list(range(1, len(counts) + 1)):
        problems.append(
            f"execution counts {counts} are not 1, 2, 3, ...: re-run the whole "
            "notebook from a fresh kernel (`make outputs`)"
        )
    for i, cell in enumerate(code_cells):
        outputs = cell.get("outputs", [])
        if i in setups:
            if outputs:
                problems.append("the setup cell must print nothing")
        elif not outputs:
            problems.append(
                f"code cell {i + 1} has no output: every cell after the setup shows "
                "what it computed (merge definition-only cells into the cell that uses them)"
            )
        for output in outputs:
            if output.get("output_type") == "error":
                problems.append(
                    f"code cell {i + 1} has an error output: "
                    f"{output.get('ename')}: {output.get('evalue')}"
                )
            for text in _output_texts(output):
                found = _MACHINE_PATH.search(text)
                if found:
                    problems.append(
                        f"code cell {i + 1} shows a path of the machine that ran it "
                        f"({found.group(0)!r}); print names, not paths, and fix warnings"
                    )
        if "TODO" in _source(cell):
            problems.append(f"code cell {i + 1} still has a TODO")
    for cell in cells:
        if cell.cell_type == "markdown" and "TODO" in _source(cell):
            heading = _source(cell).strip().splitlines()[0]
            problems.append(f"markdown cell {heading!r} still has a TODO")
    words = main_text_words(cells)
    if words > MAX_MAIN_WORDS:
        problems.append(
            f"the main text has {words} words, more than {MAX_MAIN_WORDS}: move derivations, "
            "history and edge cases into dropdowns"
        )
    return problems


# The main text a reader goes through: the markdown outside collapsed dropdowns.
MAX_MAIN_WORDS = 2500
_DROPDOWN = re.compile(
    r"^(?P<fence>```+|:::+)\{dropdown\}.*?^(?P=fence)[ \t]*$", re.MULTILINE | re.DOTALL
)
_WORD = re.compile(r"[A-Za-z0-9][\w'’.-]*")


def main_text_words(cells) -> int:
    r"""Words of the lesson's markdown outside dropdowns, code fences and display math.

    An inline role (``{glue:text}`x```, ``{claim}`x```) or inline math counts as one word.

    >>> import nbformat
    >>> cell = nbformat.v4.new_markdown_cell(
    ...     "Two words $x^2$.\n:::{dropdown} Hidden\nnot counted at all\n:::\n")
    >>> main_text_words([cell])
    3
    """
    total = 0
    for cell in cells:
        if cell.cell_type != "markdown":
            continue
        text = _DROPDOWN.sub("", _source(cell))
        text = re.sub(r"^(```+|~~~+).*?^\1[ \t]*$", "", text, flags=re.MULTILINE | re.DOTALL)
        text = re.sub(r"^(:::+)\{[^}]*\}.*$|^:::+[ \t]*$|^:[a-z-]+:.*$", "", text, flags=re.M)
        text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.DOTALL)
        text = re.sub(r"\$[^$\n]+\$|\{[\w:]+\}`[^`]*`", " x ", text)
        text = re.sub(r"\]\([^)]*\)", "]", text)
        total += len(_WORD.findall(text))
    return total


def toc_files(toc_path: Path = TOC) -> list[str]:
    """Every ``file:`` entry of _toc.yml (root included), in order, without extension."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    found = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("file", "root") and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return found


# ---------------------------------------------------------------- claims, glue and the errata
# The rules of CONTRIBUTING.md's "Claims: glue, check, errata", checked by check_claims and
# check_errata. Lessons written before the rules are exempt until converted: remove a lesson
# from this list when it follows them. The list only shrinks; it is empty when all are done.
CLAIMS_NOT_YET_CONVERTED = ()
ERRATA = ROOT / "book" / "errata.md"
_ID = r"[a-z0-9]+(?:-[a-z0-9]+)*"  # lrlib.claims.ID
_CLAIM_ROLE = re.compile(rf"\{{claim\}}`(?:(?P<lesson>[a-z0-9_]+)::)?(?P<id>{_ID})`")
_CHECK_LINE = re.compile(
    rf"^\u2713 \[(?P<id>{_ID})\] "
    r"(?:seed claim (?P<verdict>confirmed|imprecise|wrong): )?",
    re.MULTILINE,
)
_GLUE_ROLE = re.compile(r"\{glue(?::\w+)?\}`(?P<key>[^`:]+)(?::[^`]*)?`")
_CORRECTION = re.compile(
    r"^(?P<fence>:::+|```+)\{admonition\}\s*Correction\b.*?\n(?P<body>.*?)"
    r"^(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
_SEED_VERDICT = re.compile(r"\*\*(confirmed|imprecise|wrong)\*\*", re.IGNORECASE)
_LESSON_LINK = re.compile(r"\]\((?:\.\./notebooks/|notebooks/)?(?P<stem>[a-z0-9_]+)\.ipynb\)")
# What may hold a digit in a Key-takeaways bullet: any role ({glue:text}, {cite}, {term},
# {literal}...), math, inline code and links (a lesson's number in a link's text).
_DIGIT_HOLDERS = re.compile(
    r"\{[\w:-]+\}`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|``.*?``|`[^`]*`"
    r"|\[[^\]]*\]\([^)]*\)",
    re.DOTALL,
)
_LOOSE_DIGIT = re.compile(r"(?<![A-Za-z_\d])\d[\d.,]*")


def checked_claims(nb) -> dict:
    """Claim id -> seed verdict (None for a plain check) of every check a lesson's outputs show."""
    found = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "stream":
                for m in _CHECK_LINE.finditer("".join(_output_texts(output))):
                    found.setdefault(m["id"], []).append(m["verdict"])
    return found


def glued_keys(nb) -> set:
    """The names glued by the outputs of a lesson (myst-nb's ``scrapbook`` metadata)."""
    return {
        o.get("metadata", {}).get("scrapbook", {}).get("name")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    } - {None}


def _markdown(nb) -> str:
    return "\n\n".join(_source(c) for c in nb.cells if c.cell_type == "markdown")


def _bullets(text: str) -> list[str]:
    """The top-level '- ' items of a Markdown list, continuation lines joined."""
    items = []
    for line in text.splitlines():
        if re.match(r"^[-*] ", line):
            items.append(line[2:].strip())
        elif items and line.startswith(" ") and line.strip():
            items[-1] += " " + line.strip()
        elif not line.strip() and items:
            items.append("")
    return [item for item in items if item]


def takeaway_bullets(markdown: str) -> list[str]:
    """The bullets of a lesson's Key-takeaways section (up to the next heading)."""
    m = re.search(
        rf"^#{{2,3}}\s+{KEY_TAKEAWAYS}\s*$(?P<body>.*?)(?=^#|\Z)",
        markdown,
        re.MULTILINE | re.DOTALL,
    )
    return _bullets(m["body"]) if m else []


def _cross_lesson_checks(stem: str, folder: Path) -> dict:
    path = folder / f"{stem}.ipynb"
    return checked_claims(nbformat.read(path, as_version=4)) if path.is_file() else {}


def _unbacked(where: str, text: str, local: dict, folder: Path) -> list[str]:
    """Problems of one Correction box or Key-takeaways bullet with its claim markers."""
    markers = list(_CLAIM_ROLE.finditer(text))
    if not markers:
        return [
            (
                f"{where} states no checked claim: add {{claim}}`id` for the "
                "lrlib.claims check that backs it"
            )
        ]
    problems = []
    for m in markers:
        checks = _cross_lesson_checks(m["lesson"], folder) if m["lesson"] else local
        if m["id"] not in checks:
            lesson = f"lesson {m['lesson']}" if m["lesson"] else "this lesson's outputs"
            problems.append(
                f"{where} cites {{claim}}`{m.group(0)[8:-1]}` but no check with id "
                f"{m['id']!r} passed in {lesson}"
            )
    return problems


def check_claims(path: str | Path) -> list[str]:
    """Every way a lesson breaks the claims rules; [] when none.

    (a) each Correction box and each Key-takeaways bullet cites a claim ``{claim}`id```
    (or ``{claim}`lesson::id``` for a check in another lesson) whose check printed
    ``✓ [id] ...`` in the outputs; (b) a Key-takeaways bullet has no digit outside a role
    (``{glue:text}``, ``{cite}``...), math, inline code or a link, unless it cites a paper;
    every ``{glue:text}`` key is glued by the lesson; a claim id is checked once.
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    markdown, local = _markdown(nb), checked_claims(nb)
    problems = [
        f"claim {i!r} is checked {len(v)} times: give each check its own id"
        for i, v in local.items()
        if len(v) > 1
    ]
    for k, m in enumerate(_CORRECTION.finditer(markdown)):
        problems += _unbacked(f"Correction box {k + 1}", m["body"], local, path.parent)
    for k, bullet in enumerate(takeaway_bullets(markdown)):
        where = f"Key-takeaways bullet {k + 1} ({bullet[:40]!r}...)"
        problems += _unbacked(where, bullet, local, path.parent)
        loose = _LOOSE_DIGIT.findall(_DIGIT_HOLDERS.sub(" ", bullet))
        if loose and "{cite" not in bullet:
            problems.append(
                f"{where} has the number(s) {loose} in plain text: glue a run's "
                "number ({glue:text}`name`), cite a paper's, or mark a definition "
                "as math or code"
            )
    glued = glued_keys(nb)
    for key in sorted({m["key"] for m in _GLUE_ROLE.finditer(markdown)} - glued):
        if "::" not in key:
            problems.append(
                f"the prose pastes {{glue}} {key!r}, which no output glues (lrlib.claims.glue)"
            )
    return problems


def check_errata(
    errata: Path = ERRATA, folder: Path = ROOT / NOTEBOOKS_DIR, exempt=CLAIMS_NOT_YET_CONVERTED
) -> list[str]:
    """Where the errata page and the lessons' seed-claim checks disagree; [] when they agree.

    Each errata bullet names its claim ``{claim}`lesson::id``` and its verdict in bold
    (``**wrong**``, ``**imprecise**``, ``**confirmed**``), the same verdict the lesson's
    ``lrlib.claims.seed`` check printed; each id appears once; every seed check of a
    converted lesson is on the page. A bullet that links only exempt lessons may lack both.
    """
    problems, listed = [], {}
    for bullet in _bullets(_without_fences(errata.read_text(encoding="utf-8"))):
        markers = list(_CLAIM_ROLE.finditer(bullet))
        lessons = {m["stem"] for m in _LESSON_LINK.finditer(bullet)}
        if not markers:
            if lessons - set(exempt):
                problems.append(f"errata bullet {bullet[:50]!r}... names no {{claim}}`lesson::id`")
            continue
        verdicts = {v.lower() for v in _SEED_VERDICT.findall(bullet)}
        for m in markers:
            key = f"{m['lesson']}::{m['id']}"
            if not m["lesson"]:
                problems.append(
                    f"errata bullet {bullet[:50]!r}... must name the lesson: "
                    f"{{claim}}`lesson::{m['id']}`"
                )
                continue
            listed[key] = listed.get(key, 0) + 1
            ran = _cross_lesson_checks(m["lesson"], folder).get(m["id"], [])
            if len(verdicts) != 1:
                problems.append(f"errata {key}: give one verdict in bold, found {sorted(verdicts)}")
            elif not ran:
                problems.append(f"errata {key}: no seed check with that id passed in the lesson")
            elif ran[0] not in verdicts:
                problems.append(
                    f"errata {key} says {verdicts.pop()!r} but the lesson's check says {ran[0]!r}"
                )
    problems += [
        f"errata lists {key} {n} times (one verdict per claim)"
        for key, n in listed.items()
        if n > 1
    ]
    for nb_path in sorted(Path(folder).glob("*.ipynb")):
        if nb_path.stem in exempt:
            continue
        for claim_id, verdicts in checked_claims(nbformat.read(nb_path, as_version=4)).items():
            if verdicts[0] and f"{nb_path.stem}::{claim_id}" not in listed:
                problems.append(
                    f"seed claim {nb_path.stem}::{claim_id} ({verdicts[0]}) is "
                    "missing from the errata page"
                )
    return problems


# ---------------------------------------------------------------- helpers defined by lessons


def helper_names(nb: nbformat.NotebookNode) -> set[str]:
    """The functions a lesson defines at the top level of its code cells.

    ``def name(...)`` and ``name = lambda ...`` count; functions nested in a function and
    methods of a class do not (they are local to what they belong to). IPython lines
    (``%matplotlib``, ``!cmd``) are skipped.
    """
    import ast

    names = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(
            line for line in _source(cell).splitlines() if not line.lstrip().startswith(("%", "!"))
        )
        for node in ast.parse(source).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def repeated_helpers(notebooks: dict) -> dict[str, list[str]]:
    """Each function name that two or more lessons define -> those lessons, sorted.

    ``notebooks`` maps a lesson's name to its notebook. A helper two lessons need belongs in
    lrlib, with a test (CONTRIBUTING.md, "Code cells").
    """
    where: dict[str, list[str]] = {}
    for name, nb in sorted(notebooks.items()):
        for helper in helper_names(nb):
            where.setdefault(helper, []).append(name)
    return {helper: names for helper, names in sorted(where.items()) if len(names) > 1}
