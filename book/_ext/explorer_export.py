"""The schedule explorer's build step: lrlib's registry into the page, its scripts only there.

The explorer (book/explorer.md, _static/explorer/) reads every scheduler, parameter, range
and example from ``lrlib.registry``; this is the one place that reads it for the site. On a
page holding ``<div id="lrx-root">`` the registry is written, as JSON, into
``<script type="application/json" id="lrlib-registry">``; on every other page the explorer's
scripts and stylesheet, which Jupyter Book adds to all pages, are left out.

The lessons' interactive figures (``<div class="lrw" data-lrw="...">`` in a markdown cell,
drawn by _static/figures/) get the same treatment: their script and stylesheet, and the
explorer's port of lrlib's schedulers which they use, only on the pages that hold one.
"""

import json

EXPLORER_MARK = 'id="lrx-root"'
FIGURE_MARK = 'data-lrw="'
# The assets of _static that only some pages get: the mark in a page's body, and what it needs.
PAGE_ASSETS = (
    (EXPLORER_MARK, ("explorer/",)),
    (FIGURE_MARK, ("figures/", "explorer/schedules.js")),
)


def explorer_json():
    """The registry as the explorer reads it, with the classes PyTorch has under the same name.

    Returns:
        A JSON string: ``{"registry": lrlib.registry.to_json(), "torch_classes": [...]}``.

    >>> "StepLR" in json.loads(explorer_json())["torch_classes"]
    True
    """
    from torch.optim import lr_scheduler

    from lrlib import registry

    data = {
        "registry": registry.to_json(),
        "torch_classes": [n for n in registry.NAMES if hasattr(lr_scheduler, n)],
    }
    # "</" would end the <script> element early; JSON allows "<\/".
    return json.dumps(data, separators=(",", ":")).replace("</", "<\\/")


def _asset_name(item):
    name = str(getattr(item, "filename", item) or "")
    return name.removeprefix("_static/")


def page_assets(body):
    """Which of the page-specific assets a page body needs, and which it does not.

    Returns:
        ``(kept, dropped)``: two tuples of path prefixes under _static.

    >>> page_assets('<div class="lrw" data-lrw="bowl"></div>')
    (('figures/', 'explorer/schedules.js'), ('explorer/',))
    """
    kept = tuple(p for mark, prefixes in PAGE_ASSETS if mark in body for p in prefixes)
    dropped = tuple(p for mark, prefixes in PAGE_ASSETS if mark not in body for p in prefixes)
    return kept, dropped


def explorer_page(app, pagename, templatename, context, doctree):
    """Give an explorer page the registry; give each page only the page-specific assets it uses."""
    body = context.get("body")
    body = body if isinstance(body, str) else ""
    if EXPLORER_MARK in body:
        context["body"] = (
            body
            + '\n<script type="application/json" id="lrlib-registry">'
            + explorer_json()
            + "</script>\n"
        )
    kept, dropped = page_assets(body)
    for key in ("script_files", "css_files"):
        files = context.get(key)
        if isinstance(files, list):
            files[:] = [
                f
                for f in files
                if not _asset_name(f).startswith(dropped) or _asset_name(f).startswith(kept)
            ]


def setup(app):
    app.connect("html-page-context", explorer_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
