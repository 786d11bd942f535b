"""Where a batch of recorded traces is written: one ``write(experiment_id, records)`` per batch,
to a SQL store (``sql_sink``) or a tracking server (``http_sink``)."""
from __future__ import annotations

from .._mlflow.destination import SQL_SCHEMES, scheme


def sink_for(uri: str, exporter):
    if scheme(uri) in SQL_SCHEMES:
        from .sql_sink import SqlSink

        return SqlSink(uri, exporter)
    from .http_sink import HttpSink

    return HttpSink(uri, exporter)
