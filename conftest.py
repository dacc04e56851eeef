"""pytest setup shared by the library tests and the examples in lrlib's docstrings.

Every docstring example starts as a reader's fresh session would: seeds at 0, one
thread (the lessons' setting), plots drawn off screen.
"""

import os
import random

import numpy as np
import pytest
import torch
from _pytest.doctest import DoctestItem

# Before anything imports matplotlib (the Makefile exports it too).
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _doctest_fresh_session(request):
    """Seeds at 0 and one thread for a doctest; nothing for the other tests."""
    if not isinstance(request.node, DoctestItem):
        yield
        return
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
