"""Two small fixes for the wiki's Sphinx build, loaded through _config.yml's local_extensions.

1. References to lrlib's re-exported names resolve where the object is documented.
   Lessons and docstrings write the public names, ``lrlib.fit`` or ``lrlib.StepLR``; the
   API page documents each object once, in the module that defines it
   (``lrlib.train.fit``, ``lrlib.schedulers.StepLR``). When a Python reference
   ``lrlib.NAME[.rest]`` has no target, the module that defines ``lrlib.NAME`` is looked
   up and ``<that module>.NAME[.rest]`` is resolved instead. A reference that still has
   no target stays a warning, an error under ``-W -n``.
2. No script is included twice in a page. sphinx-thebe registers an inline script after
   the HTML builder has started; Sphinx 7.4 then adds it a second time when writing
   begins (once under the name None, once under ''), and the browser reports
   "Identifier 'THEBE_JS_URL' has already been declared" on every page.
3. The role ``{claim}`id``` (or ``{claim}`lesson::id```) that marks a sentence backed by an
   lrlib.claims check (CONTRIBUTING.md, "Claims: glue, check, errata"): it shows a check mark
   whose tooltip names the claim; ``lesson::id`` links the mark to that lesson.
"""

import importlib

from docutils import nodes
from sphinx import addnodes
from sphinx.util.docutils import SphinxRole


def _defining_module(name):
    try:
        obj = getattr(importlib.import_module("lrlib"), name)
    except (ImportError, AttributeError):
        return None
    module = getattr(obj, "__module__", None) or getattr(obj, "__name__", None)
    return module if isinstance(module, str) and module.startswith("lrlib.") else None


def resolve_reexport(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    parts = target.split(".")
    if len(parts) < 2 or parts[0] != "lrlib":
        return None
    module = _defining_module(parts[1])
    if module is None:
        return None
    # A submodule (lrlib.schedules) is its own target; an object gets its module's prefix.
    if module.endswith("." + parts[1]):
        new_target = ".".join([module] + parts[2:])
    else:
        new_target = ".".join([module] + parts[1:])
    if new_target == target:
        return None
    return env.get_domain("py").resolve_xref(
        env, node["refdoc"], app.builder, node["reftype"], new_target, node, contnode
    )


def drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        key = (
            str(getattr(script, "filename", script) or ""),
            tuple(sorted((k, str(v)) for k, v in attributes.items())),
        )
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


class ClaimRole(SphinxRole):
    """``{claim}`id``` or ``{claim}`lesson::id```: a check mark for a sentence a check backs."""

    def run(self):
        lesson, _, claim_id = self.text.rpartition("::")
        where = f"in lesson {lesson}" if lesson else "on this page"
        mark = nodes.abbreviation(
            "\u2713",
            "\u2713",
            classes=["claim"],
            explanation=f"checked by a run {where}: {claim_id}",
        )
        if not lesson:
            return [mark], []
        ref = addnodes.pending_xref(
            "",
            mark,
            refdomain="std",
            reftype="doc",
            refexplicit=True,
            refwarn=True,
            reftarget=f"/notebooks/{lesson}",
            refdoc=self.env.docname,
        )
        return [ref], []


def setup(app):
    app.add_role("claim", ClaimRole())
    app.connect("missing-reference", resolve_reexport)
    app.connect("html-page-context", drop_duplicate_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
