# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for the get-pip.py bootstrap that ansible-test downloads from a host this machine cannot reach.

It accepts the same arguments, runs pip from the interpreter's bundled ensurepip wheel, and installs the
requested pip version from the package index. `make test` copies it to ~/.ansible/test/cache/get_pip_<ver>.py.
"""

from __future__ import annotations

import argparse
import ensurepip
import glob
import os
import sys


def main() -> int:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--no-setuptools", action="store_true")
    parser.add_argument("--no-wheel", action="store_true")
    _known, requirements = parser.parse_known_args()
    if not any(req == "pip" or req.startswith(("pip=", "pip<", "pip>")) for req in requirements):
        requirements.append("pip")
    wheels = sorted(glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled", "pip-*.whl")))
    if not wheels:
        sys.stderr.write("no bundled pip wheel found in ensurepip\n")
        return 1
    sys.path.insert(0, wheels[-1])
    from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel

    return pip_main(["install", "--upgrade", "--force-reinstall"] + requirements)


if __name__ == "__main__":
    sys.exit(main())
