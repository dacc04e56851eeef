"""The schedule explorer's build step: lrlib's registry into the page, its scripts only there.

The explorer (book/explorer.md, _static/explorer/) reads every scheduler, parameter, range
and example from ``lrlib.registry``; this is the one place that reads it for the site. On a
page holding ``<div id="lrx-root">`` the registry is written, as JSON, into
``<script type="application/json" id="lrlib-registry">``; on every other page the explorer's
scripts and stylesheet, which Jupyter Book adds to all pages, are left out.
"""

import json

EXPLORER_MARK = 'id="lrx-root"'
ASSETS = "explorer/"


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


def _is_asset(item):
    name = str(getattr(item, "filename", item) or "")
    return name.startswith(ASSETS) or name.startswith("_static/" + ASSETS)


def explorer_page(app, pagename, templatename, context, doctree):
    """Give an explorer page the registry; strip the explorer's assets from every other page."""
    body = context.get("body")
    if isinstance(body, str) and EXPLORER_MARK in body:
        context["body"] = (
            body
            + '\n<script type="application/json" id="lrlib-registry">'
            + explorer_json()
            + "</script>\n"
        )
        return
    for key in ("script_files", "css_files"):
        files = context.get(key)
        if isinstance(files, list):
            files[:] = [f for f in files if not _is_asset(f)]


def setup(app):
    app.connect("html-page-context", explorer_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
