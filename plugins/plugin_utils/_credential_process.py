# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection (controller only): the ``credential_process`` of lookup ``format: profile``.

The AWS CLI and SDKs run ``PYTHON this-file DESCRIPTION`` (the config file the lookup wrote says
so) whenever they need credentials; it prints the Version 1 JSON object from the lookup's cache,
assuming the role chain again from the source in DESCRIPTION (a 0600 file) when the cached
credentials come close to expiring. Failures are one line on stderr and exit status 1, which the
CLI and SDKs show as the reason. It is run with the controller's Python, as a script.
"""

from __future__ import annotations

import json
import os
import sys
import typing as t


def _collections_root() -> str:
    # <root>/ansible_collections/crossaccount/aws/plugins/plugin_utils/this-file
    return os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), *([os.pardir] * 5)))


def main(argv: t.Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        sys.stderr.write("crossaccount.aws credential_process: usage: _credential_process.py SOURCE_DESCRIPTION\n")
        return 2
    root = _collections_root()
    if root not in sys.path:
        sys.path.insert(0, root)
    # A script's own directory comes first on sys.path; nothing of the collection may shadow the standard library.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != here]

    from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError, one_line
    from ansible_collections.crossaccount.aws.plugins.plugin_utils._assumed import serve_credential_process

    try:
        result = serve_credential_process(args[0])
    except CrossAccountError as exc:
        sys.stderr.write("crossaccount.aws credential_process: " + one_line(exc.msg) + "\n")
        return 1
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
