# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the emulator's own tests: one emulator process per pytest worker.

- ``emulator`` (session): the running emulator with the default organization (6 generated members).
- ``emu`` (function): the same object, reset to the bootstrap state (organization included) before the test.
"""

from __future__ import annotations

import sys
import typing as t
from pathlib import Path

import pytest

_TESTS = str(Path(__file__).resolve().parents[2])
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from emulator.testing import RunningEmulator, start_emulator


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[RunningEmulator]:
    with start_emulator(tmp_path_factory.mktemp("emulator")) as running:
        yield running


@pytest.fixture
def emu(emulator: RunningEmulator) -> RunningEmulator:
    emulator.reset()
    return emulator
