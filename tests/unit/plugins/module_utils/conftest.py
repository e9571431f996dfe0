# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``offline(module, args)``: the module's refusal of ``args``, before any AWS call, in this process (see offline_module)."""

from __future__ import annotations

import typing as t

import pytest
from ansible_collections.crossaccount.aws.tests.unit.offline_module import refusal_of


@pytest.fixture
def offline() -> t.Callable[[str, t.Mapping[str, t.Any]], str]:
    return refusal_of
