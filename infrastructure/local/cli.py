"""`skylabel` command: `start` serves the API on this machine; `user create` makes a user.

`start` uses the same Lambda handler as AWS, over a local gateway, with SQLite and a folder under the data
dir. With SKYLABEL_USERNAME / SKYLABEL_PASSWORD / SKYLABEL_USER_TOKEN set it makes sure that user exists
with that legacy token, so scripts and CI can drive a fresh instance.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from skylabel.settings import ENV_FRONTEND_DIR, ENV_PASSWORD, ENV_USER_TOKEN, ENV_USERNAME, Settings


def _context(data_dir: Path, base_url: str):
    from skylabel.wiring import local_context

    return local_context(data_dir, base_url=base_url, settings=Settings.from_env())


def _data_dir(value: str | None) -> Path:
    from skylabel.wiring import default_data_dir

    return Path(value).expanduser() if value else Path(os.environ.get("SKYLABEL_DATA_DIR") or default_data_dir())


def start(args: argparse.Namespace) -> int:
    from skylabel.users.service import UserService
    from skylabel_api import deps
    from skylabel_api.handler import lambda_handler
    from skylabel_local.gateway import LocalGateway
    from skylabel_local.static import StaticSite, default_root

    data_dir = _data_dir(args.data_dir)
    base_url = f"http://{args.host}:{args.port}"
    ctx = _context(data_dir, base_url)
    deps.configure(ctx)
    username, password, token = (os.environ.get(n) for n in (ENV_USERNAME, ENV_PASSWORD, ENV_USER_TOKEN))
    if username and password and token:
        UserService(ctx).ensure_user(username, password, token)
    try:
        site = StaticSite(Path(args.frontend_dir) if args.frontend_dir else default_root())
        server = LocalGateway((args.host, args.port), ctx, lambda_handler, site)
    except OSError as exc:
        print(f"skylabel: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    from skylabel_local.drops import DropWatcher

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    # Ctrl-C and SIGTERM both stop cleanly, also when the shell started us with SIGINT ignored (`cmd &`).
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    watcher = DropWatcher(ctx, data_dir / "drop")
    watcher.start()
    _resume_jobs(ctx)
    print(f"Skylabel serving on {base_url} (data dir: {data_dir}; drop files into {data_dir / 'drop'}/<project-id>/)",
          flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
        server.server_close()
        close = getattr(ctx.items, "close", None)
        if close:
            close()
        print("Skylabel stopped.", flush=True)
    return 0


def _resume_jobs(ctx) -> None:
    """Jobs a stopped server left unfinished continue now (in the background; start is not delayed)."""

    def resume() -> None:
        for kind, ids in resume_unfinished_jobs(ctx).items():
            print(f"Resuming unfinished {kind}: {', '.join(map(str, ids))}", flush=True)

    threading.Thread(target=resume, name="resume-jobs", daemon=True).start()


def resume_unfinished_jobs(ctx) -> dict[str, list[int]]:
    """Start again the import jobs, prediction jobs and ML-backend events a stopped process left unfinished.

    The thread pool's jobs die with the process (Step Functions' do not, so AWS has no such step). Each kind
    keeps its unfinished records in a gsi2 index and resumes exactly once (see each `resume_unfinished`).
    Answers the ids started, by kind; a kind that fails is logged and does not stop the others.
    """
    from skylabel.imports.jobs import ImportJobs
    from skylabel.ml.events import EventJobs
    from skylabel.ml.jobs import PredictJobs

    kinds = {"import jobs": ImportJobs(ctx).resume_unfinished, "prediction jobs": PredictJobs(ctx).resume_unfinished,
             "ML backend events": EventJobs(ctx).resume_unfinished}
    resumed: dict[str, list[int]] = {}
    for kind, resume in kinds.items():
        try:
            ids = resume()
        except Exception:  # noqa: BLE001 - a bad record must not stop the server
            logging.getLogger("skylabel.local").exception("resuming unfinished %s failed", kind)
            continue
        if ids:
            resumed[kind] = ids
    return resumed


def user_create(args: argparse.Namespace) -> int:
    from skylabel.errors import DomainError
    from skylabel.users.service import UserService

    ctx = _context(_data_dir(args.data_dir), "http://127.0.0.1")
    try:
        user, token = UserService(ctx).signup(args.email, args.password, token=args.token)
    except DomainError as exc:
        print(f"skylabel: {exc.message}", file=sys.stderr)
        return 2
    print(f"Created user {user['id']} <{user['email']}>; API token: {token}")
    return 0


def convert(args: argparse.Namespace) -> int:
    from skylabel.errors import DomainError
    from skylabel.exports.convert import convert_file

    try:
        written = convert_file(Path(args.input), Path(args.config).read_text(), args.format, Path(args.output))
    except DomainError as exc:
        print(f"skylabel: {exc.message}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"skylabel: {exc.strerror}: {exc.filename}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=os.environ.get("SKYLABEL_LOG_LEVEL", "WARNING"))
    parser = argparse.ArgumentParser(prog="skylabel", description="Serverless Label Studio-compatible labeling.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("start", help="serve Skylabel on this machine")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8080)
    run.add_argument("--data-dir", help="where data lives (default: the user's data folder)")
    run.add_argument("--frontend-dir", default=os.environ.get(ENV_FRONTEND_DIR),
                     help="the built browser app to serve at / (default: the checkout's frontend/dist)")
    run.set_defaults(func=start)
    user = commands.add_parser("user", help="manage users").add_subparsers(dest="user_command", required=True)
    create = user.add_parser("create", help="create a user (in a new organization)")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--token", help="use this legacy API token instead of a random one")
    create.add_argument("--data-dir")
    create.set_defaults(func=user_create)
    conv = commands.add_parser("convert", help="convert a Label Studio JSON export into another format")
    conv.add_argument("-i", "--input", required=True, help="the JSON export file")
    conv.add_argument("-c", "--config", required=True, help="the labeling config (XML file)")
    conv.add_argument("-f", "--format", required=True, help="JSON, JSON_MIN, CSV, TSV, CONLL2003, COCO, VOC, YOLO, ...")
    conv.add_argument("-o", "--output", required=True, help="the folder to write into")
    conv.set_defaults(func=convert)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
