# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection (controller only): secret plugin options of the wrong shape, named without their value.

ansible-core checks a plugin's option types itself and puts the value in its message ("Invalid type
provided for 'str': ['...']"), at every verbosity. Modules mark these options ``no_log``; a lookup or an
inventory plugin has no such marking, so a secret given as a list or a dict (an indentation slip, a
``{{ }}`` that rendered a structure) is checked here first and reported by option name and type only.
"""

from __future__ import annotations

import typing as t

from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_session as v_session


def secret_names(*argspecs: t.Mapping[str, t.Mapping[str, t.Any]]) -> tuple[str, ...]:
    """Every name (aliases included) under which one of the ``no_log`` options of ``argspecs`` can be given."""
    names: list[str] = []
    for argspec in argspecs:
        for name, spec in argspec.items():
            if spec.get("no_log"):
                names.extend((name, *(spec.get("aliases") or ())))
    return tuple(names)


def check_secret_shapes(given: t.Mapping[str, t.Any], names: t.Iterable[str]) -> None:
    """Raise for the first secret option given as a structure, naming the option and the type only."""
    for name in names:
        v_session.secret_shape(given.get(name), name)
