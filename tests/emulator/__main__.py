# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``python -m emulator``: start the two-account AWS emulator on 127.0.0.1."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
import typing as t

from emulator.organization import MAX_MEMBER_ACCOUNTS


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m emulator", description="Local two-account AWS emulator (moto + IAM trust enforcement).")
    parser.add_argument("--state-dir", required=True, help="directory for emulator.json, config, credentials")
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--propagation-delay", type=float, default=0.0, help="seconds AssumeRole is denied after a trust policy changes")
    parser.add_argument("--time-scale", type=float, default=1.0, help="temporary credentials live DurationSeconds / X real seconds")
    parser.add_argument("--throttle-rate", type=float, default=0.0, help="share of AWS calls refused with Throttling before they run")
    parser.add_argument("--fail-after-write-rate", type=float, default=0.0, help="share of writes answered with a 500 after being applied")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault-injection random generator")
    parser.add_argument("--member-accounts", type=int, default=6,
                        help=f"generated member accounts of the organization (0..{MAX_MEMBER_ACCOUNTS}, ids 200000000NNN)")
    parser.add_argument("--invited-accounts", type=int, default=0,
                        help="generated members (the last N before the suspended one) that joined by invitation and have no "
                             "OrganizationAccountAccessRole")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="milliseconds added to every AWS call (like real IAM)")
    parser.add_argument("--trust-policy-size-quota", type=int, default=2048,
                        help="AssumeRolePolicySizeQuota of every account (CreateRole/UpdateAssumeRolePolicy enforce it)")
    parser.add_argument("--hostile-names", action="store_true",
                        help="member names, emails, OU names and tags that are Jinja2 templates (see emulator/hostile.py)")
    parser.add_argument("--no-verify-signatures", action="store_true", help="accept any secret key (only the key id is checked)")
    parser.add_argument("--exit-with-parent", action="store_true", help="stop when the process that started the emulator is gone")
    args = parser.parse_args(argv)
    if not 0 <= args.member_accounts <= MAX_MEMBER_ACCOUNTS:
        parser.error(f"--member-accounts must be between 0 and {MAX_MEMBER_ACCOUNTS}")
    if not 0 <= args.invited_accounts <= max(0, args.member_accounts - 1):
        parser.error("--invited-accounts must be between 0 and --member-accounts - 1 (the last member is suspended)")
    return args


def _watch_parent(parent: int, stop: t.Callable[[], None]) -> None:
    # A killed pytest worker must not leave an emulator behind: orphans get a new parent.
    while os.getppid() == parent:
        time.sleep(0.5)
    stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # moto reads these when its backends are created, so they must be set before it is imported.
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    os.environ.pop("MOTO_ACCOUNT_ID", None)
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s emulator %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    from emulator.bootstrap import profiles, shared_files, write_atomic
    from emulator.server import Emulator
    from emulator.state import ACCOUNTS, Config

    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    config = Config()
    config.update({"propagation_delay": args.propagation_delay, "time_scale": args.time_scale, "throttle_rate": args.throttle_rate,
                   "fail_after_write_rate": args.fail_after_write_rate, "seed": args.seed,
                   "verify_signatures": not args.no_verify_signatures, "latency_ms": args.latency_ms,
                   "trust_policy_size_quota": args.trust_policy_size_quota})
    app = Emulator(config, member_accounts=args.member_accounts, invited_accounts=args.invited_accounts,
                   hostile_names=args.hostile_names)
    server = make_server("127.0.0.1", args.port, app, threaded=True, request_handler=MotoRequestHandler)
    port = server.server_address[1]
    endpoint_url = f"http://127.0.0.1:{port}"
    app.endpoint_url = endpoint_url
    config_text, credentials_text = shared_files(endpoint_url)
    config_file = os.path.join(state_dir, "config")
    credentials_file = os.path.join(state_dir, "credentials")
    app.shared_files = {config_file: config_text, credentials_file: credentials_text}
    for path, text in app.shared_files.items():
        write_atomic(path, text)

    def stop(*_: t.Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.exit_with_parent:
        threading.Thread(target=_watch_parent, args=(os.getppid(), stop), daemon=True).start()

    info = {
        "endpoint_url": endpoint_url,
        "port": port,
        "pid": os.getpid(),
        "accounts": ACCOUNTS,
        "profiles": profiles(),
        "config_file": config_file,
        "credentials_file": credentials_file,
        "region": "us-east-1",
        "organization": app.org.describe(),
    }
    # emulator.json last: its presence means "ready".
    write_atomic(os.path.join(state_dir, "emulator.json"), json.dumps(info, indent=2) + "\n")
    logging.getLogger("emulator").info("listening on %s (state dir %s)", endpoint_url, state_dir)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        try:
            os.unlink(os.path.join(state_dir, "emulator.json"))
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
