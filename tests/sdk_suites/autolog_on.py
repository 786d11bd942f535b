"""A pytest plugin (``-p autolog_on``) that switches tracing on for a whole test session, as a
user's ``autolog.autolog()`` at start-up would, and writes the package's counts when it ends.

Each xdist worker traces into a store of its own under ``AUTOLOG_SUITE_DIR``."""
import json
import os


def _worker(config) -> str:
    return getattr(config, "workerinput", {}).get("workerid", "main")


def pytest_configure(config):
    folder = os.environ["AUTOLOG_SUITE_DIR"]
    worker = _worker(config)
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{folder}/traces-{worker}.db"
    os.environ.setdefault("MLFLOW_MODEL_CATALOG_URI", "")  # no network here
    import autolog

    autolog.autolog()


def pytest_unconfigure(config):
    import autolog

    autolog.flush(timeout=120)
    worker = _worker(config)
    with open(os.path.join(os.environ["AUTOLOG_SUITE_DIR"], f"stats-{worker}.json"), "w") as file:
        json.dump(autolog.stats(), file)
