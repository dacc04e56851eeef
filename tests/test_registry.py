"""lrlib.registry is the one table of schedulers, and the pages agree with it.

The cheat sheet's table lists exactly the registry's schedulers, in its order, with the
registry's "step it", shape and lesson; each has a section naming its parameters. The
API page documents the registry module. Every entry is sound: its class is lrlib's and
exported, its parameters are the class's, its examples run, and ``to_json`` gives plain
JSON types only.
"""

import inspect
import json
import re
from pathlib import Path

import pytest
import torch
from torch.optim import lr_scheduler as torch_schedulers

import lrlib
from lrlib import registry

BOOK = Path(__file__).resolve().parents[1] / "book"
ROW = re.compile(r"^\| `(\w+)` \| ([^|]+) \| ([^|]+) \| \[([^\]]+)\]\(\.\./([^)]+)\) \|$")


def cheatsheet_rows():
    text = (BOOK / "cheatsheet.md").read_text()
    return [m.groups() for line in text.splitlines() if (m := ROW.match(line))]


def test_cheatsheet_table_is_the_registry():
    expected = [
        (e.name, e.step_it, e.shape, e.lesson[0], e.lesson[1]) for e in registry.SCHEDULERS.values()
    ]
    assert [tuple(c.strip() for c in row) for row in cheatsheet_rows()] == expected


@pytest.mark.parametrize("name", registry.NAMES)
def test_cheatsheet_section_names_the_parameters(name):
    text = (BOOK / "cheatsheet.md").read_text()
    sections = dict(re.findall(r"^## (\w+)\n(.*?)(?=^## |\Z)", text, re.S | re.M))
    assert name in sections, f"book/cheatsheet.md has no section ## {name}"
    for param in registry.get(name).param_names:
        assert param in sections[name], f"## {name} does not name {param}"


def test_api_page_documents_the_registry():
    assert ".. automodule:: lrlib.registry" in (BOOK / "api.md").read_text()


def test_every_torch_scheduler_is_in_the_registry():
    theirs = {
        name
        for name, obj in vars(torch_schedulers).items()
        if isinstance(obj, type)
        and issubclass(obj, (torch_schedulers.LRScheduler, torch_schedulers.ReduceLROnPlateau))
        and not name.startswith("_")
        and name != "LRScheduler"
    }
    assert len(theirs) == 15 and theirs <= set(registry.NAMES), theirs - set(registry.NAMES)


@pytest.mark.parametrize("name", registry.NAMES)
def test_entry_is_sound(name):
    entry = registry.get(name)
    assert entry.cls is getattr(lrlib, name) and name in lrlib.schedulers.__all__
    signature = inspect.signature(entry.cls.__init__).parameters
    for param in entry.params:
        assert param.name in signature, f"{name} has no parameter {param.name}"
        if param.display is not None:
            low, high = param.display
            assert low < high
            assert param.low is None or low >= param.low
            assert param.high is None or high <= param.high
    if entry.schedule is not None:
        assert getattr(lrlib.schedules, entry.schedule.__name__) is entry.schedule
    assert entry.examples and all(e.steps >= 2 for e in entry.examples)
    json.loads(json.dumps(entry.to_json(), allow_nan=False))


def test_to_json_is_plain_data():
    data = json.loads(json.dumps(registry.to_json(), allow_nan=False))
    assert [d["name"] for d in data] == list(registry.NAMES)
    lam = next(d for d in data if d["name"] == "LambdaLR")
    assert lam["examples"][0]["kwargs"]["lr_lambda"]["callable"] == "ScheduleFactor"


def test_get_and_build_name_what_is_wrong():
    with pytest.raises(ValueError, match="StepRL"):
        registry.get("StepRL")
    assert registry.get(lrlib.StepLR) is registry.SCHEDULERS["StepLR"]
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    kwargs = registry.get("ChainedScheduler").example.kwargs
    chained = registry.build("ChainedScheduler", opt, **kwargs)
    assert isinstance(chained, lrlib.ChainedScheduler)


def test_one_name_to_class_table():
    """No other module of lrlib, tests or bench maps scheduler names to classes."""
    root = BOOK.parent
    pattern = re.compile(r'"(StepLR|ExponentialLR)"\s*:\s*(lambda|lrlib\.|schedulers\.|m\.)')
    offenders = [
        str(p.relative_to(root))
        for folder in ("lrlib", "tests", "bench")
        for p in (root / folder).rglob("*.py")
        if pattern.search(p.read_text()) and p.name != "registry.py"
    ]
    assert offenders == []
