"""Run an SDK's own test suite twice, without and with tracing, and compare each test's outcome.

    python tests/sdk_suites/run.py openai        # the release installed here; --version to choose
    python tests/sdk_suites/run.py anthropic --workers 2 -- -k streaming

It fetches the SDK's source distribution from PyPI (its tests ship in it), makes a virtual
environment with that release, this package (editable) and the suite's own test dependencies,
then runs pytest twice: as is, and with ``-p autolog_on`` (``autolog.autolog()`` for the whole
session). Outcomes are compared per test id; nothing of the SDK's is copied into this repository.

``tests/api_resources`` needs Stainless's mock API server (a Deno tool and the OpenAPI spec, which
the source distribution does not include): it is left out unless ``--with-api-resources``, and
then a stub that refuses every request (HTTP 400) answers, so those tests fail the same way in
both runs. Tests whose recorded streams live in the repository's ``.inline-snapshot/external``
(also left out of the source distribution) run where ``--snapshots`` supplies those files."""
from __future__ import annotations

import argparse
import http.server
import importlib.metadata
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
EXTRAS = {"openai": "aiohttp,realtime", "anthropic": "aiohttp,bedrock,vertex,mcp,webhooks"}
# linters, type checkers and stubs: not needed to run the tests
NOT_FOR_RUNNING = re.compile(r"^(ruff|pyright|ty|mypy|nox|griffe)\b|-stubs\b|^types-")


def run(*command, **kwargs) -> None:
    print("+", " ".join(map(str, command)), flush=True)
    subprocess.run(command, check=True, **kwargs)


def source(sdk: str, version: str, workdir: Path) -> Path:
    tree = workdir / f"{sdk}-{version}"
    if not tree.exists():
        run(sys.executable, "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps", f"{sdk}=={version}",
            "-d", workdir)
        with tarfile.open(workdir / f"{sdk}-{version}.tar.gz") as archive:
            archive.extractall(workdir, filter="data")
    return tree


def dev_requirements(tree: Path) -> list[str]:
    groups = tomllib.loads((tree / "pyproject.toml").read_text()).get("dependency-groups", {})
    wanted = [r for r in groups.get("dev", []) if isinstance(r, str)]
    return [r for r in wanted if not NOT_FOR_RUNNING.search(r.strip().lower())]


def environment(sdk: str, version: str, tree: Path, workdir: Path) -> Path:
    venv = workdir / f"venv-{sdk}-{version}"
    python = venv / "bin" / "python"
    if not python.exists():
        run(sys.executable, "-m", "venv", venv)
        run(python, "-m", "pip", "install", "-q", f"{sdk}[{EXTRAS.get(sdk, '')}]=={version}", "-e", str(REPO),
            *dev_requirements(tree))
    return python


class _Refuse(http.server.BaseHTTPRequestHandler):
    def _refuse(self):
        body = json.dumps({"error": {"type": "invalid_request_error", "message": "no mock API server here"}}).encode()
        self.send_response(400)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _refuse

    def log_message(self, *args):
        pass


def stub_server() -> str:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refuse)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def outcomes(report: Path) -> dict[str, tuple[str, str]]:
    """test id -> (outcome, message) from a JUnit XML report."""
    found = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        test_id = f"{case.get('classname')}::{case.get('name')}"
        outcome, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = {"failure": "failed"}.get(child.tag, child.tag)
                message = (child.get("message") or "")[:300]
                break
        found[test_id] = (outcome, message)
    return found


def suite(python: Path, tree: Path, report: Path, workers: str, traced: bool, workdir: Path, base_url: str,
          extra: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "OPENAI_", "ANTHROPIC_"))}
    env.update(TEST_API_BASE_URL=base_url, AUTOLOG_SUITE_DIR=str(workdir),
               PYTHONPATH=str(HERE) + os.pathsep + env.get("PYTHONPATH", ""))
    # SQLAlchemy 2.1 deprecates a loader option MLflow's store still uses: where the suite makes every
    # warning an error (anthropic's), MLflow could not open its store and no trace would be stored
    command = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", workers, "--junitxml", report,
               "-o", "junit_family=xunit1", "-W", "ignore::sqlalchemy.exc.SADeprecationWarning"]
    if traced:
        command += ["-p", "autolog_on"]
    print("+", " ".join(map(str, command + extra)), flush=True)
    subprocess.run([*command, *extra], cwd=tree, env=env)  # failing tests are what is compared


def traces_stored(workdir: Path) -> int:
    total = 0
    for store in workdir.glob("traces-*.db"):
        with sqlite3.connect(store) as db:
            total += db.execute("SELECT count(*) FROM trace_info").fetchone()[0]
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sdk", choices=sorted(EXTRAS))
    parser.add_argument("--version", help="the release (default: the one installed with this package)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/autolog-sdk-suites"))
    parser.add_argument("--workers", default="2", help="pytest-xdist workers (default 2)")
    parser.add_argument("--with-api-resources", action="store_true", help="also run tests/api_resources")
    parser.add_argument("--snapshots", type=Path, help="a folder of the suite's external inline-snapshot files "
                        "(<sha256>.bin: recorded streams the source distribution leaves out)")
    argv = sys.argv[1:] if argv is None else argv
    ours, pytest_args = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    args = parser.parse_args(ours)
    args.pytest_args = pytest_args  # after --: more pytest arguments
    if not args.with_api_resources:
        args.pytest_args = ["--ignore=tests/api_resources", *args.pytest_args]
    version = args.version or importlib.metadata.version(args.sdk)
    workdir = args.workdir.resolve() / f"{args.sdk}-{version}-run"
    workdir.mkdir(parents=True, exist_ok=True)
    tree = source(args.sdk, version, args.workdir.resolve())
    python = environment(args.sdk, version, tree, args.workdir.resolve())
    if args.snapshots:
        storage = tree / ".inline-snapshot" / "external"
        storage.mkdir(parents=True, exist_ok=True)
        for snapshot in args.snapshots.glob("*.bin"):
            shutil.copyfile(snapshot, storage / snapshot.name)
    base_url = stub_server()
    for stale in [*workdir.glob("traces-*.db"), *workdir.glob("stats-*.json")]:
        stale.unlink()
    results = {}
    for traced in (False, True):
        report = workdir / f"{'traced' if traced else 'untraced'}.xml"
        suite(python, tree, report, args.workers, traced, workdir, base_url, args.pytest_args)
        results[traced] = outcomes(report)
    before, after = results[False], results[True]
    changed = sorted(t for t in before.keys() | after.keys() if before.get(t, ("absent",))[0] != after.get(t, ("absent",))[0])
    counts = {}
    for outcome, _ in before.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    stats = {}
    for file in workdir.glob("stats-*.json"):
        for key, value in json.loads(file.read_text()).items():
            stats[key] = stats.get(key, 0) + value
    print(f"\n{args.sdk} {version}: {len(before)} tests untraced {dict(sorted(counts.items()))}; "
          f"{len(after)} traced; {len(changed)} changed outcome")
    print(f"traces: {traces_stored(workdir)} stored; the package's counts: {stats}")
    for test_id in changed:
        was, now = before.get(test_id, ("absent", "")), after.get(test_id, ("absent", ""))
        print(f"  {test_id}: {was[0]} -> {now[0]}  {now[1][:200]}")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
