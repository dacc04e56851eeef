"""The built site, checked in headless Chromium (`make test-site`, after `make book`).

The site in _build/html is served on a localhost port and every page is opened in
Debian's /usr/bin/chromium, driven by Playwright (never `playwright install`). The
browser gets no network: a request to anything but the local server fails the page,
except the Colab badge image, which is answered with a stand-in so that the badge can
be checked like every other image.

LRWIKI_BOOK_ROOT=<folder> checks the book built in another folder (its _build/html and
_toc.yml), which is how these tests are tried against a deliberately broken copy.
"""

import functools
import http.server
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

try:  # tests/ is a plain folder on sys.path (pytest's default import mode)
    from tools import lesson
except ImportError:  # run from the repository root as `python -m pytest`
    from tests.tools import lesson

pytestmark = pytest.mark.site

BOOK_ROOT = Path(os.environ.get("LRWIKI_BOOK_ROOT", lesson.ROOT)).resolve()
SITE = BOOK_ROOT / "_build" / "html"
ARTIFACTS = BOOK_ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BADGE_STANDIN = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="117" height="20">'
    b'<rect width="117" height="20" fill="#f9ab00"/></svg>'
)
SEARCH_WORD = "cosine"


def _toc_pages():
    """The pages _toc.yml promises, as paths of HTML files relative to the site."""
    toc = yaml.safe_load((BOOK_ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]] + lesson.toc_files(BOOK_ROOT / "_toc.yml")[1:]
    return [f + ".html" for f in files]


def _built_pages():
    if not SITE.is_dir():
        return []
    return sorted(
        p.relative_to(SITE).as_posix()
        for p in SITE.rglob("*.html")
        if p.relative_to(SITE).parts[0] not in ("_static", "_sources", "_images")
    )


TOC_PAGES = _toc_pages()
LESSON_PAGES = [p for p in TOC_PAGES if p.startswith(lesson.NOTEBOOKS_DIR + "/")]
PAGES = sorted(set(TOC_PAGES) | set(_built_pages()) | {"genindex.html", "search.html"})
# index.html only redirects to the root page; it is checked on its own.
CONTENT_PAGES = [p for p in PAGES if p != "index.html"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def base_url():
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no built site in {SITE}: run `make book` first")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(SITE))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Visit:
    """What one page load showed."""

    url: str
    console_errors: list = field(default_factory=list)
    failed_requests: list = field(default_factory=list)
    external_requests: list = field(default_factory=list)
    info: dict = field(default_factory=dict)


def _open(browser, base_url, path, visit):
    """A new page with every request, console message and error recorded into ``visit``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def route(r):
        url = r.request.url
        if url.startswith(base_url) or url.startswith("data:"):
            r.continue_()
        elif url == lesson.BADGE_IMAGE:
            r.fulfill(status=200, content_type="image/svg+xml", body=BADGE_STANDIN)
        else:
            visit.external_requests.append(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and visit.console_errors.append(f"{m.text} ({m.location.get('url', '')})")
        ),
    )
    page.on("pageerror", lambda e: visit.console_errors.append(f"uncaught: {e}"))
    page.on(
        "requestfailed",
        lambda r: (
            r.url.startswith(base_url) and visit.failed_requests.append(f"{r.url}: {r.failure}")
        ),
    )
    page.on(
        "response",
        lambda r: (
            r.url.startswith(base_url)
            and r.status >= 400
            and visit.failed_requests.append(f"{r.url}: HTTP {r.status}")
        ),
    )
    page.goto(base_url + path, wait_until="load")
    return context, page


_INSPECT = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  for (const img of document.images) img.loading = "eager";
  await Promise.all([...document.images].map(img => img.complete ? null :
      new Promise(done => {
        img.addEventListener("load", done);
        img.addEventListener("error", done);
      })));
  const article = document.querySelector("article") || document.body;
  const prose = article.cloneNode(true);
  prose.querySelectorAll("pre, code, script, style, mjx-container, .highlight")
    .forEach(e => e.remove());
  const mathNodes = [...document.querySelectorAll("span.math, div.math")];
  return {
    mathNodes: mathNodes.length,
    mathTypeset: mathNodes.filter(e => e.querySelector("mjx-container")).length,
    mjxContainers: document.querySelectorAll("mjx-container").length,
    mathjaxVersion: window.MathJax && MathJax.version || null,
    mathjaxScripts: [...document.scripts].map(s => s.src).filter(s => /mathjax/i.test(s)),
    prose: prose.textContent,
    images: [...document.images]
      .map(img => ({src: img.currentSrc || img.src, width: img.naturalWidth})),
    links: [...document.querySelectorAll("a[href]")].map(a => a.href),
    colabLaunch: [...document.querySelectorAll("a")]
      .filter(a => a.querySelector("img[src*='logo_colab']"))
      .map(a => a.href),
    // tables wider than the article column (they would hide columns behind a scroll bar)
    wideTables: [...document.querySelectorAll(".bd-article table")]
      .filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)
      .map(t => (t.querySelector("th") || t).textContent.trim().slice(0, 60)),
    colabBadge: [...document.querySelectorAll('a > img[alt="Open In Colab"]')]
      .map(img => img.parentElement.href),
    colabAny: [...document.querySelectorAll("a[href*='colab.research.google.com']")]
      .map(a => a.href),
  };
}"""


@pytest.fixture(scope="session")
def visit(browser, base_url):
    """Load each page once, on first use, and keep what it showed."""
    cache = {}

    def load(path):
        if path not in cache:
            if not (SITE / path).is_file():
                pytest.fail(f"{path} was not built (it is in _toc.yml or is a standard page)")
            v = Visit(url=base_url + path)
            context, page = _open(browser, base_url, path, v)
            try:
                v.info = page.evaluate(_INSPECT)
            finally:
                context.close()
            cache[path] = v
        return cache[path]

    return load


# ---------------------------------------------------------------- every page


@pytest.mark.parametrize("page", CONTENT_PAGES)
def test_page_loads_without_errors(visit, page):
    v = visit(page)
    assert not v.console_errors, f"console errors on {page}: {v.console_errors}"
    assert not v.failed_requests, f"failed requests on {page}: {v.failed_requests}"
    assert not v.external_requests, (
        f"{page} fetches from the network (the site must work offline): {v.external_requests}"
    )


@pytest.mark.parametrize("page", CONTENT_PAGES)
def test_math_is_typeset(visit, page, base_url):
    info = visit(page).info
    leftover = [t for t in (r"\(", r"\[", "$$", r"\begin{") if t in info["prose"]]
    assert not leftover, f"raw TeX left in the text of {page}: {leftover}"
    if info["mathNodes"]:
        local = base_url + "_static/mathjax/"
        assert info["mathjaxScripts"] and all(
            s.startswith(local) for s in info["mathjaxScripts"]
        ), f"MathJax must come from {local}: {info['mathjaxScripts']}"
        assert str(info["mathjaxVersion"]).startswith("3."), (
            f"MathJax {info['mathjaxVersion']}, not 3"
        )
        assert info["mathTypeset"] == info["mathNodes"], (
            f"{page}: {info['mathTypeset']} of {info['mathNodes']} formulas typeset"
        )


@pytest.mark.parametrize("page", CONTENT_PAGES)
def test_every_image_loads(visit, page):
    images = visit(page).info["images"]
    broken = [img["src"] for img in images if img["width"] == 0]
    assert not broken, f"images that did not load on {page}: {broken}"


@pytest.mark.parametrize("page", CONTENT_PAGES)
def test_tables_fit_the_page(visit, page):
    wide = visit(page).info["wideTables"]
    assert not wide, f"tables wider than the text column on {page} (at 1280 px): {wide}"


@pytest.mark.parametrize("page", CONTENT_PAGES)
def test_internal_links_resolve(visit, page, base_url):
    broken = []
    for href in visit(page).info["links"]:
        if not href.startswith(base_url):
            continue
        parts = urlsplit(href)
        rel = unquote(parts.path)[len(urlsplit(base_url).path) :]
        target = SITE / rel
        if rel == "" or rel.endswith("/"):
            target = target / "index.html"
        if not target.is_file():
            broken.append(f"{href} (no file {target.relative_to(SITE)})")
            continue
        fragment = unquote(parts.fragment)
        if fragment and target.suffix == ".html" and fragment not in _anchors(target):
            broken.append(f"{href} (no anchor #{fragment} in {target.relative_to(SITE)})")
    assert not broken, f"broken internal links on {page}:\n" + "\n".join(broken)


@functools.cache
def _anchors(path):
    html = path.read_text(encoding="utf-8")
    return set(re.findall(r'\b(?:id|name)="([^"]+)"', html))


def test_index_redirects_to_the_first_page(browser, base_url):
    v = Visit(url=base_url)
    context, page = _open(browser, base_url, "index.html", v)
    try:
        page.wait_for_url(base_url + TOC_PAGES[0], timeout=10_000)
    finally:
        context.close()
    assert not v.console_errors and not v.failed_requests


def test_every_toc_page_was_built():
    missing = [p for p in TOC_PAGES if not (SITE / p).is_file()]
    assert not missing, f"pages in _toc.yml missing from {SITE}: {missing}"


# ---------------------------------------------------------------- lessons, search, screenshots


@pytest.mark.parametrize("page", LESSON_PAGES)
def test_lesson_colab_links_point_to_its_notebook(visit, page):
    info = visit(page).info
    expected = lesson.colab_url(page.removesuffix(".html") + ".ipynb")
    assert info["colabLaunch"] == [expected], (
        f"launch button: {info['colabLaunch']}, expected {expected}"
    )
    assert info["colabBadge"] == [expected], f"badge: {info['colabBadge']}, expected {expected}"
    assert set(info["colabAny"]) == {expected}, f"other Colab links: {info['colabAny']}"


def _search(browser, base_url, word):
    v = Visit(url=base_url + "search.html")
    context, page = _open(browser, base_url, f"search.html?q={word}", v)
    try:
        # Sphinx's searchtools.js ends with one of these two summaries.
        page.wait_for_function(
            "() => /Search finished|did not match any documents/.test("
            "(document.querySelector('#search-results .search-summary') || {}).textContent || '')",
            timeout=20_000,
        )
        results = page.eval_on_selector_all(
            "#search-results ul.search li a", "as => as.map(a => a.href)"
        )
    finally:
        context.close()
    assert not v.console_errors and not v.failed_requests and not v.external_requests, v
    return results


def test_search_finds_cosine(browser, base_url):
    results = _search(browser, base_url, SEARCH_WORD)
    assert results, f"searching {SEARCH_WORD!r} found nothing"
    pages = {urlsplit(r).path.rsplit("/", 1)[-1] for r in results}
    assert "intro.html" in pages or any(
        p.removesuffix(".html") in r for r in results for p in LESSON_PAGES
    ), results


def test_search_finds_nothing_for_a_word_the_site_lacks(browser, base_url):
    assert _search(browser, base_url, "qzxwvjk") == []


def test_screenshots(browser, base_url):
    """Screenshots of the first page and of the first lesson, in test-artifacts/, to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    shots = [(TOC_PAGES[0], "intro.png", False)]
    if LESSON_PAGES:
        shots.append((LESSON_PAGES[0], "lesson.png", True))
    for path, name, full in shots:
        v = Visit(url=base_url + path)
        context, page = _open(browser, base_url, path, v)
        try:
            page.evaluate(
                "async () => { if (window.MathJax && MathJax.startup) "
                "await MathJax.startup.promise; }"
            )
            page.screenshot(path=str(ARTIFACTS / name), full_page=full)
        finally:
            context.close()
        assert (ARTIFACTS / name).stat().st_size > 10_000, f"{name} looks empty"


# ---------------------------------------------------------------- the schedule explorer

EXPLORER = "book/explorer.html"
EXPLORER_LOAD_BUDGET_S = 3.0
PORT_CONFIGS = 200  # random configurations per scheduler compared with lrlib (the issue: hundreds)
CLOSE = dict(rtol=1e-9)  # plus an absolute floor of 1e-12 of the curve's peak, for values at 0


def _explorer(browser, base_url, visit_record, width=1280):
    context, page = _open(browser, base_url, EXPLORER, visit_record)
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_selector("#lrx-root[data-ready]", timeout=10_000)
    return context, page


@pytest.fixture(scope="module")
def explorer(browser, base_url):
    """The explorer page, loaded once, with what it logged (console errors, requests)."""
    v = Visit(url=base_url + EXPLORER)
    context, page = _explorer(browser, base_url, v)
    yield page, v
    context.close()


def _close(actual, expected, what):
    import numpy as np

    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, f"{what}: {actual.shape} values, lrlib {expected.shape}"
    floor = 1e-12 * max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    bad = ~np.isclose(actual, expected, atol=floor, **CLOSE)
    if bad.any():
        raise AssertionError(
            f"{what}: first difference at step {int(np.argmax(bad))}: "
            f"page {actual[bad][:3]}, lrlib {expected[bad][:3]}"
        )


def _python_kwargs(kwargs):
    """The registry's JSON form of a configuration, with its callables and parts rebuilt."""
    from lrlib import registry

    out = {}
    for key, value in kwargs.items():
        if isinstance(value, dict) and value.get("callable") == "ScheduleFactor":
            value = registry.ScheduleFactor(value["function"], dict(value["kwargs"]))
        elif isinstance(value, dict) and value.get("callable") == "ConstantFactor":
            value = registry.ConstantFactor(value["factor"])
        elif key == "schedulers":
            value = [[name, _python_kwargs(kw)] for name, kw in value]
        out[key] = value
    return out


def _lrlib_curve(config, metrics=None):
    """lrlib.preview of an explorer configuration: (lrs, momenta), or the error it raises."""
    import warnings

    import lrlib
    from lrlib import registry

    kwargs = _python_kwargs(config["kwargs"])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return lrlib.preview(
                lambda opt: registry.build(config["name"], opt, **kwargs),
                steps=config["steps"],
                lr=config["lr"],
                optimizer=config["optimizer"],
                metrics=metrics,
                return_momentum=True,
            )
    except ValueError as error:
        return error


def _random_value(rng, param):
    """A random value of a registry parameter within its slider's range."""
    kind, display = param["type"], param["display"]
    if param["typical"] is None and kind in ("int", "float") and rng.random() < 0.3:
        return None
    if kind == "bool":
        return bool(rng.random() < 0.5)
    if kind == "choice":
        return rng.choice(param["choices"])
    if kind == "int list":
        return sorted(rng.sample(range(1, 120), rng.randint(1, 3)))
    if display is None:
        return param["typical"]
    lo, hi = display
    if kind == "int":
        return rng.randint(int(lo), int(hi))
    if param["log"] and lo > 0:
        return float(10 ** rng.uniform(__import__("math").log10(lo), __import__("math").log10(hi)))
    return rng.uniform(lo, hi)


def _random_config(rng, entries, name, parts, factor_functions, depth=0):
    """A random configuration of scheduler ``name`` in the registry's JSON form."""
    entry = entries[name]
    kwargs = {}
    for param in entry["params"]:
        if param["type"] == "function":
            if name == "MultiplicativeLR":
                gamma = next(p for p in entries["ExponentialLR"]["params"] if p["name"] == "gamma")
                kwargs["lr_lambda"] = {
                    "callable": "ConstantFactor",
                    "factor": _random_value(rng, gamma),
                }
            else:
                fn = rng.choice(factor_functions)
                inner = next(
                    e for e in entries.values() if e["schedule"] == f"lrlib.schedules.{fn}"
                )
                inner_kwargs = _random_config(
                    rng, entries, inner["name"], parts, factor_functions, depth + 1
                )
                kwargs["lr_lambda"] = {
                    "callable": "ScheduleFactor",
                    "function": fn,
                    "kwargs": inner_kwargs,
                }
        elif param["type"] == "schedulers":
            kwargs["schedulers"] = [
                [p, _random_config(rng, entries, p, parts, factor_functions, depth + 1)]
                for p in (rng.choice(parts[name]), rng.choice(parts[name]))
            ]
        else:
            value = _random_value(rng, param)
            if value is not None or param["typical"] is None:
                kwargs[param["name"]] = value
    if name == "SequentialLR":
        kwargs["milestones"] = [rng.randint(1, 60)]
    return kwargs


def _registry_json():
    from lrlib import registry

    return {e["name"]: e for e in registry.to_json()}


def test_explorer_loads_offline_fast_and_cleanly(browser, base_url):
    """No console error, no request off the site, every scheduler of the registry ported, < 3 s."""
    import json
    import time

    v = Visit(url=base_url + EXPLORER)
    start = time.perf_counter()
    context, page = _explorer(browser, base_url, v)
    ready = time.perf_counter() - start
    try:
        timing = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
            return {load: n.loadEventEnd, bytes: performance.getEntriesByType('resource')
                .reduce((s, r) => s + (r.decodedBodySize || 0), n.decodedBodySize || 0)}; }""")
        data = json.loads(page.eval_on_selector("#lrx-data", "e => e.textContent"))
        names = page.evaluate(
            "() => [...document.querySelectorAll('#lrx-scheduler option')].map(o => o.value)"
        )
    finally:
        context.close()
    assert not v.console_errors and not v.failed_requests, v
    assert not v.external_requests, f"the explorer fetches from the network: {v.external_requests}"
    assert names == list(_registry_json()), f"the explorer offers {names}"
    assert data["missing_ports"] == [], f"schedulers without a port: {data['missing_ports']}"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "explorer-load.json").write_text(
        json.dumps({"ready_s": ready, "load_event_ms": timing["load"], "bytes": timing["bytes"]})
    )
    assert ready < EXPLORER_LOAD_BUDGET_S, f"the explorer took {ready:.2f} s to be ready"


def test_explorer_port_equals_lrlib(explorer):
    """The page's curves equal lrlib.preview's on hundreds of random configurations of each
    scheduler of the registry (or both refuse the configuration)."""
    import random

    page, _ = explorer
    entries = _registry_json()
    parts = page.evaluate("() => lrExplorer.parts")
    factor_functions = [
        f
        for f in page.evaluate("() => lrlibPort.factorFunctions")
        if any(e["schedule"] == f"lrlib.schedules.{f}" for e in entries.values())
    ]
    rng = random.Random(17)
    failures, compared = [], 0
    for name in entries:
        configs = []
        for _ in range(PORT_CONFIGS):
            kwargs = _random_config(rng, entries, name, parts, factor_functions)
            steps = rng.randint(1, 150)
            if name == "OneCycleLR":
                steps = min(steps, kwargs["total_steps"] + 1)
            config = {
                "name": name,
                "kwargs": kwargs,
                "steps": steps,
                "lr": round(10 ** rng.uniform(-3, 0), 6),
                "optimizer": rng.choice(["sgd", "adam"]),
            }
            if name == "ReduceLROnPlateau":
                walk = [1.0]
                for _ in range(steps - 1):
                    walk.append(round(walk[-1] * rng.uniform(0.9, 1.05), 6))
                config["metrics"] = walk
            configs.append(config)
        results = page.evaluate("cs => cs.map(c => lrExplorer.compute(c))", configs)
        for config, got in zip(configs, results):
            expected = _lrlib_curve(config, config.get("metrics"))
            what = f"{name} {config}"
            if isinstance(expected, ValueError) or got.get("error"):
                if not (isinstance(expected, ValueError) and got.get("error")):
                    failures.append(f"{what}: page error {got.get('error')!r}, lrlib {expected!r}")
                continue
            try:
                _close(got["lr"], expected[0], what + " lr")
                _close(got["momentum"], expected[1], what + " momentum")
                compared += 1
            except AssertionError as error:
                failures.append(str(error))
        assert compared, f"no valid random configuration of {name}"
    assert not failures, f"{len(failures)} configurations differ:\n" + "\n".join(failures[:10])


_SET_CONTROLS = """([seed]) => {
  // Set every control of the scheduler's parameters to a random value within its slider's
  // range, as a reader would; first the menus that rebuild the rest: the parts' and
  // lr_lambda's selects, and which of two exclusive parameters is given (one-of).
  let s = seed;
  const rand = () => { s = (s * 16807) % 2147483647; return (s - 1) / 2147483646; };
  const box = document.querySelector('.lrx-main');
  const fire = (e, v) => { e.value = v; e.dispatchEvent(new Event('change', {bubbles: true})); };
  for (let i = 0; i < 6; i += 1) {
    const sel = [...box.querySelectorAll('select[data-type=part], select[data-type=one-of]')][i];
    if (sel) fire(sel, sel.options[Math.floor(rand() * sel.options.length)].value);
  }
  const set = {};
  for (const e of box.querySelectorAll('[data-path]')) {
    const path = e.dataset.path, type = e.dataset.type;
    if (type === 'part' || type === 'one-of' || path.endsWith(':none')) continue;
    if (e.type === 'checkbox') {
      e.checked = rand() < 0.5; e.dispatchEvent(new Event('change')); set[path] = e.checked;
    } else if (e.tagName === 'SELECT') {
      const v = e.options[Math.floor(rand() * e.options.length)].value; fire(e, v); set[path] = v;
    }
    else if (type === 'int list') {  // as many milestones as shown, increasing
      const v = []; let m = 0;
      for (const _ of e.value.split(',')) { m += rand() * 50 + 1 | 0; v.push(m); }
      fire(e, v.join(', ')); set[path] = v;
    }
    else if (e.dataset.low !== '') {
      const lo = Number(e.dataset.low), hi = Number(e.dataset.high);
      let v = e.dataset.log && lo > 0
        ? 10 ** (Math.log10(lo) + rand() * (Math.log10(hi) - Math.log10(lo)))
        : lo + rand() * (hi - lo);
      v = type === 'int' ? Math.round(v) : Number(v.toPrecision(5));
      fire(e, v); set[path] = v;
    }
  }
  return set;
}"""


def _at(kwargs, path):
    """The value at a control's path (``schedulers.0.T_max``, ``lr_lambda.kwargs.gamma``)."""
    node = kwargs
    keys = path.split(".")
    for i, key in enumerate(keys):
        if isinstance(node, list):
            node = node[int(key)][1] if i + 1 < len(keys) else node[int(key)][0]
        else:
            node = node[key]
    return node


def _run_torch_code(source, steps, metrics):
    """Execute the page's PyTorch lines and step them: the lr and momentum per step."""
    import warnings

    import torch

    ns = {"model": torch.nn.Linear(1, 1)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(source, ns)
        group = ns["optimizer"].param_groups[0]
        key = "betas" if "betas" in group else "momentum"
        read = lambda: (float(group["lr"]), group[key][0] if key == "betas" else group[key])  # noqa: E731
        values = [read()]
        for i in range(steps - 1):
            ns["optimizer"].step()
            ns["scheduler"].step(metrics[i]) if metrics else ns["scheduler"].step()
            values.append(read())
    return [v[0] for v in values], [v[1] for v in values]


@pytest.mark.parametrize("name", list(_registry_json()) if SITE.is_dir() else [])
def test_explorer_controls_give_lrlibs_curve_and_code(explorer, name):
    """Two random configurations set through the page's controls: the plotted values equal
    lrlib.preview's for the configuration the page shows, and so do the copied lines of lrlib
    and of PyTorch, executed."""
    import json
    import random

    page, visit_record = explorer
    rng = random.Random(name)
    valid, tries = 0, 8
    for _ in range(tries):
        page.select_option("#lrx-scheduler", name)
        page.select_option("#lrx-optimizer", rng.choice(["sgd", "adam"]))
        page.fill("#lrx-lr", str(round(10 ** rng.uniform(-3, 0), 5)))
        page.dispatch_event("#lrx-lr", "change")
        was_set = page.evaluate(_SET_CONTROLS, [rng.randint(1, 2**30)])
        data = json.loads(page.eval_on_selector("#lrx-data", "e => e.textContent"))
        steps = rng.randint(2, 200)
        if name == "OneCycleLR":
            steps = min(steps, data["config"]["kwargs"]["total_steps"] + 1)
        page.fill("#lrx-steps", str(steps))
        page.dispatch_event("#lrx-steps", "change")
        data = json.loads(page.eval_on_selector("#lrx-data", "e => e.textContent"))
        config = data["config"]
        for path, value in was_set.items():
            shown = (
                config["metric"][path.split(".")[1]]
                if path.startswith("metric.")
                else _at(config["kwargs"], path)
            )
            assert shown == value, f"{name}: control {path} set to {value}, the page used {shown}"
        assert config["steps"] == steps
        metrics = data["values"]["metrics"]
        expected = _lrlib_curve(config, metrics)
        if data["error"] or isinstance(expected, ValueError):
            assert data["error"] and isinstance(expected, ValueError), (
                f"{name} {config}: page error {data['error']!r}, lrlib {expected!r}"
            )
            continue
        _close(data["values"]["lr"], expected[0], f"{name} {config} lr")
        if data["values"]["momentum"] is not None:
            _close(data["values"]["momentum"], expected[1], f"{name} {config} momentum")
        ns = {}
        exec(data["code"]["lrlib"], ns)
        _close(
            ns["lrs"],
            data["values"]["lr"],
            f"{name}: the copied lrlib code\n{data['code']['lrlib']}",
        )
        if "momenta" in ns:
            _close(
                ns["momenta"],
                data["values"]["momentum"],
                f"{name}: the copied lrlib code's momenta",
            )
        lrs, momenta = _run_torch_code(data["code"]["torch"], steps, metrics)
        _close(
            lrs, data["values"]["lr"], f"{name}: the copied PyTorch code\n{data['code']['torch']}"
        )
        if data["values"]["momentum"] is not None:
            _close(
                momenta, data["values"]["momentum"], f"{name}: the copied PyTorch code's momenta"
            )
        valid += 1
        if valid == 2:
            break
    assert valid == 2, f"{name}: fewer than two valid random configurations in {tries} tries"
    assert not visit_record.console_errors, visit_record.console_errors


def _overflow(page):
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_explorer_fits_the_screen_and_screenshots(browser, base_url, width):
    """No horizontal scrolling at desktop and phone width; screenshots in test-artifacts/."""
    v = Visit(url=base_url + EXPLORER)
    context, page = _explorer(browser, base_url, v, width=width)
    try:
        page.select_option("#lrx-scheduler", "CyclicLR")
        page.click("#lrx-pin")
        page.click(".lrx-example >> nth=1")
        page.wait_for_timeout(200)
        overflow = _overflow(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"explorer-{width}.png"), full_page=True)
    finally:
        context.close()
    assert overflow <= 0, f"the explorer scrolls sideways by {overflow} px at {width} px"
    assert not v.console_errors, v.console_errors


@pytest.mark.parametrize(
    "page_path",
    ["book/intro.html", "book/cheatsheet.html"]
    + [p for p in LESSON_PAGES if re.match(r"notebooks/(1[0-5]|2[0-3])_", p)],
)
def test_explorer_is_linked(page_path):
    """The page's own text (not the sidebar, which lists every page) links the explorer."""
    html = (SITE / page_path).read_text(encoding="utf-8")
    article = html[html.index('<article class="bd-article"') : html.index("</article>")]
    assert re.search(r'href="[./]*(book/)?explorer\.html"', article), (
        f"the text of {page_path} does not link the explorer"
    )


# ---------------------------------------------------------------- interactive figures in lessons

WIDGET_PAGES = {
    "bowl": "notebooks/02_learning_rate.html",
    "well": "notebooks/03_local_minima.html",
    "cyclic": "notebooks/15_cyclic_lr.html",
}


@pytest.fixture(scope="module")
def widget_page(browser, base_url):
    """The lesson page of an interactive figure, loaded once, with what it logged."""
    opened = {}

    def get(name):
        if name not in opened:
            v = Visit(url=base_url + WIDGET_PAGES[name])
            context, page = _open(browser, base_url, WIDGET_PAGES[name], v)
            page.wait_for_selector(f'div.lrw[data-lrw="{name}"][data-ready]', timeout=10_000)
            opened[name] = (context, page, v)
        return opened[name][1:]

    yield get
    for context, _, _ in opened.values():
        context.close()


def _widget_set(page, name, param, value):
    """Move one control of a figure as a reader would (the slider's input event, or the select)."""
    control = page.locator(f'div.lrw[data-lrw="{name}"] [data-param="{param}"]')
    if control.evaluate("e => e.tagName") == "SELECT":
        control.select_option(str(value))
    else:
        control.fill(str(value))


def _widget_data(page, name):
    import json

    text = page.eval_on_selector(
        f'div.lrw[data-lrw="{name}"] script.lrw-data', "e => e.textContent"
    )
    return json.loads(text)


def _floats(values):
    """The JSON block writes non-finite numbers as "Infinity", "NaN": back to floats."""
    import numpy as np

    return np.array(values, dtype=object).astype(float)


def _twins_close(a, b):
    """Whether two paths agree, point by point, to 1e-9 of the size of the run."""
    import numpy as np

    scale = float(np.max(np.abs(a), initial=1.0))
    return np.isclose(a, b, rtol=1e-9, atol=1e-9 * scale).all(axis=-1)


def _same_run(a, b):
    return (
        a.reason == b.reason
        and a.path.shape == b.path.shape
        and bool(_twins_close(a.path, b.path).all())
    )


def _compare_descent(shown, run, twin, what):
    """The page's run against lrlib's. Where lrlib's own run is chaotic (changing the rate by
    one part in 10^12 changes its path: a large rate bouncing in the double well), the floats'
    last bits (numpy's and the browser's pow differ there) grow into a different path, so only
    the steps before lrlib's run and its twin part are compared. Returns whether it was chaotic."""
    import numpy as np

    path = _floats(shown["path"])
    if _same_run(run, twin):
        assert shown["reason"] == run.reason and shown["iterations"] == run.iterations, (
            f"{what}: page {shown['reason']} after {shown['iterations']}, "
            f"lrlib {run.reason} after {run.iterations}"
        )
        _close(path, run.path, f"{what} path")
        _close(_floats(shown["values"]), run.values, f"{what} values")
        _close(_floats(shown["lrs"]), run.lrs, f"{what} lrs")
        return False
    n = min(len(run.path), len(twin.path))
    apart = ~_twins_close(run.path[:n], twin.path[:n])
    horizon = int(np.argmax(apart)) if apart.any() else n
    assert horizon >= 5, f"{what}: lrlib's run is chaotic from step {horizon}"
    _close(path[:horizon], run.path[:horizon], f"{what} path (first {horizon} steps)")
    return True


@pytest.mark.parametrize(
    "lr, reason",
    [
        (0.05, "small_step"),
        (0.1, "small_step"),
        (0.19, "small_step"),
        (0.2, "max_iters"),
        (0.21, "diverged"),
        (0.25, "diverged"),
    ],
)
def test_interactive_bowl_equals_descend(widget_page, lr, reason):
    """Lesson 02's figure: the path the page draws for a rate set with its slider is
    lrlib.landscapes.descend's on quadratic_bowl, and it stops for the same reason."""
    from lrlib import landscapes

    page, visit_record = widget_page("bowl")
    _widget_set(page, "bowl", "lr", lr)
    shown = _widget_data(page, "bowl")
    assert shown["lr"] == lr, f"slider set to {lr}, the page ran {shown['lr']}"
    surface = landscapes.quadratic_bowl(shown["condition"])
    assert shown["max_stable_lr"] == surface.max_stable_lr
    run = landscapes.descend(surface, shown["x0"], lr)
    twin = landscapes.descend(surface, shown["x0"], lr * (1 + 1e-12))
    assert not _compare_descent(shown, run, twin, f"bowl lr={lr}")
    assert shown["reason"] == reason
    assert not visit_record.console_errors, visit_record.console_errors


def _well_settings():
    import random

    fixed = [
        (0.01, 2.0, "constant"),
        (0.15, 2.0, "constant"),
        (0.15, 2.0, "exponential"),
        (0.2, 2.0, "constant"),
        (0.13, 1.5, "constant"),
        (0.18, -2.1, "exponential"),
        (0.1, -2.1, "constant"),
        (0.005, 0.2, "constant"),
    ]
    rng = random.Random(3)
    return fixed + [
        (
            rng.randint(1, 44) * 0.005,
            rng.randint(-21, 21) / 10,
            rng.choice(["constant", "exponential"]),
        )
        for _ in range(10)
    ]


def test_interactive_well_equals_descend(widget_page):
    """Lesson 03's figure: for rates, starts and schedules set with its controls, the page's
    run is lrlib.landscapes.descend's on double_well_1d (with lrlib.schedules.exponential_decay
    for the decaying rate), and it names the same minimum."""
    import numpy as np

    from lrlib import landscapes, schedules

    page, visit_record = widget_page("well")
    surface = landscapes.double_well_1d()
    full = 0
    for lr, x0, schedule in _well_settings():
        _widget_set(page, "well", "schedule", schedule)
        _widget_set(page, "well", "x0", f"{x0:g}")
        _widget_set(page, "well", "lr", f"{lr:.3f}")
        shown = _widget_data(page, "well")
        assert np.isclose(shown["lr"], lr, rtol=1e-12) and np.isclose(
            shown["x0"][0], x0, rtol=1e-12
        ), f"controls set to lr={lr}, x0={x0}; the page ran {shown['lr']}, {shown['x0']}"
        assert shown["schedule"] == schedule
        lr, gamma = shown["lr"], shown["gamma"]

        def rate(scale, lr=lr, gamma=gamma, schedule=schedule):
            if schedule == "constant":
                return lr * scale
            return lambda t: schedules.exponential_decay(t, lr * scale, gamma)

        run = landscapes.descend(surface, shown["x0"], rate(1))
        twin = landscapes.descend(surface, shown["x0"], rate(1 + 1e-12))
        what = f"well lr={lr} x0={x0} {schedule}"
        if not _compare_descent(shown, run, twin, what):
            full += 1
            near = [k for k, p in surface.minima.items() if np.linalg.norm(run.x - p) < 1e-3]
            ends = "diverged" if run.reason == "diverged" else (near + ["elsewhere"])[0]
            assert shown["ends"] == ends, f"{what}: page says {shown['ends']}, lrlib's run {ends}"
    assert full >= 12, f"only {full} of the settings could be compared step for step"
    assert not visit_record.console_errors, visit_record.console_errors


@pytest.mark.parametrize(
    "mode, gamma, up, down",
    [
        ("triangular", 0.98, 10, 10),
        ("triangular", 0.9, 7, 23),
        ("triangular2", 0.98, 10, 10),
        ("triangular2", 0.95, 4, 16),
        ("exp_range", 0.98, 10, 10),
        ("exp_range", 0.93, 13, 5),
        ("exp_range", 1.0, 1, 40),
    ],
)
def test_interactive_cyclic_equals_preview(widget_page, mode, gamma, up, down):
    """Lesson 15's figure: the lr and momentum drawn for a mode, gamma and step sizes set with
    its controls equal lrlib.preview of lrlib.CyclicLR."""
    import lrlib

    page, visit_record = widget_page("cyclic")
    _widget_set(page, "cyclic", "mode", mode)
    _widget_set(page, "cyclic", "gamma", gamma)
    _widget_set(page, "cyclic", "step_size_up", up)
    _widget_set(page, "cyclic", "step_size_down", down)
    shown = _widget_data(page, "cyclic")
    kwargs = shown["kwargs"]
    assert (kwargs["mode"], kwargs["gamma"], kwargs["step_size_up"], kwargs["step_size_down"]) == (
        mode,
        gamma,
        up,
        down,
    ), f"controls set to {mode}, {gamma}, {up}, {down}; page: {kwargs}"
    lrs, momenta = lrlib.preview(
        lrlib.CyclicLR, steps=shown["steps"], lr=0.1, return_momentum=True, **kwargs
    )
    _close(shown["lr"], lrs, f"CyclicLR {kwargs} lr")
    _close(shown["momentum"], momenta, f"CyclicLR {kwargs} momentum")
    for other, values in shown["others"].items():
        _close(
            values,
            lrlib.preview(lrlib.CyclicLR, steps=shown["steps"], lr=0.1, **dict(kwargs, mode=other)),
            f"faint {other} curve",
        )
    assert not visit_record.console_errors, visit_record.console_errors


@pytest.mark.parametrize("name", list(WIDGET_PAGES))
@pytest.mark.parametrize("width", [1280, 390])
def test_interactive_figure_fits_and_screenshots(browser, base_url, name, width):
    """Each figure is drawn with no console error and no sideways scrolling, at desktop and
    phone width; screenshots of the figures in test-artifacts/."""
    v = Visit(url=base_url + WIDGET_PAGES[name])
    context, page = _open(browser, base_url, WIDGET_PAGES[name], v)
    try:
        page.set_viewport_size({"width": width, "height": 900})
        root = page.locator(f'div.lrw[data-lrw="{name}"]')
        root.and_(page.locator("[data-ready]")).wait_for(timeout=10_000)
        page.wait_for_timeout(100)
        overflow = _overflow(page)
        box = root.bounding_box()
        ARTIFACTS.mkdir(exist_ok=True)
        root.screenshot(path=str(ARTIFACTS / f"widget-{name}-{width}.png"))
    finally:
        context.close()
    assert overflow <= 0, f"{WIDGET_PAGES[name]} scrolls sideways by {overflow} px at {width} px"
    assert box["width"] <= width and box["height"] > 250, f"the {name} figure is {box}"
    assert not v.console_errors and not v.failed_requests and not v.external_requests, v


def test_interactive_figure_scripts_only_where_needed():
    """figures.js, and the explorer's port it uses, are on the three lessons with a figure; the
    explorer's own script only on the explorer; neither on other pages."""

    def assets(page_path):
        html = (SITE / page_path).read_text(encoding="utf-8")
        return {
            a
            for a in ("figures/figures.js", "explorer/schedules.js", "explorer/explorer.js")
            if f"_static/{a}" in html
        }

    for page_path in WIDGET_PAGES.values():
        assert assets(page_path) == {"figures/figures.js", "explorer/schedules.js"}, page_path
    assert assets(EXPLORER) == {"explorer/schedules.js", "explorer/explorer.js"}
    assert assets("notebooks/01_gradient_descent.html") == set()


@pytest.mark.parametrize("name", list(WIDGET_PAGES))
def test_interactive_figure_cell_degrades_in_a_notebook(name):
    """In Jupyter or Colab (no site script) the figure's cell shows one line saying that the
    figure is interactive on the website: an HTML block with no script and no MyST directive."""
    from html.parser import HTMLParser

    import nbformat

    nb = nbformat.read(BOOK_ROOT / WIDGET_PAGES[name].replace(".html", ".ipynb"), as_version=4)
    cells = [c for c in nb.cells if f'data-lrw="{name}"' in c.source]
    assert len(cells) == 1 and cells[0].cell_type == "markdown", f"{name}: {len(cells)} cells"
    source = cells[0].source
    assert "<script" not in source and "```" not in source and source.startswith('<div class="lrw"')

    class Text(HTMLParser):
        text = ""

        def handle_data(self, data):
            self.text += data

    parser = Text()
    parser.feed(source)
    assert "interactive" in parser.text and len(parser.text.split()) < 40, parser.text
