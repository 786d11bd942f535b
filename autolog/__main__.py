"""Command line: ``python -m autolog demo`` and ``python -m autolog traces``."""
from __future__ import annotations

import argparse
import logging
import sys


def _parser() -> argparse.ArgumentParser:
    from . import PROVIDERS

    parser = argparse.ArgumentParser(prog="autolog", description=(
        f"Trace every call made through a supported LLM provider SDK ({', '.join(PROVIDERS)}) into MLflow."))
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="run a short recorded session with tracing on (no key, no network)")
    demo.add_argument("--tracking-uri", help="MLflow tracking URI (default: MLflow's, sqlite:///mlflow.db)")
    traces = commands.add_parser("traces", help="list recent traces")
    traces.add_argument("--last", type=int, default=20, help="how many (default 20)")
    traces.add_argument("--tracking-uri", help="MLflow tracking URI (default: MLflow's, sqlite:///mlflow.db)")
    traces.add_argument("--experiment", help="experiment name (default: every experiment)")
    traces.add_argument("--session", help="only the traces of this session (autolog.context(session_id=...))")
    traces.add_argument("--user", help="only the traces of this user (autolog.context(user_id=...))")
    traces.add_argument("--filter", help="an MLflow search filter, e.g. \"metadata.app_version = '1.0'\"")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.ERROR)
    if args.command == "demo":
        from ._cli.demo import main as demo

        return demo(args.tracking_uri)
    if args.last < 1:
        print("autolog traces: --last must be at least 1", file=sys.stderr)
        return 2
    return _traces(args)


def _traces(args: argparse.Namespace) -> int:
    import os

    # a listing should say at once that a server does not answer, not retry for minutes
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
    from ._cli.records import StoreError
    from ._cli.stores import read_traces, tracking_uri
    from ._cli.traces_table import format_table, trace_row

    try:
        uri = tracking_uri(args.tracking_uri)
        found = read_traces(uri, args.experiment, args.last, args.session, args.user, args.filter)
        rows = [trace_row(t) for t in found]
    except StoreError as error:
        print(f"autolog traces: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # whatever else: one line, never a traceback
        print(f"autolog traces: {type(error).__name__}: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
