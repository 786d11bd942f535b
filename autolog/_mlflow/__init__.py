"""The glue to MLflow's internals: what the installed MLflow has, where a new trace goes, which
experiment it belongs to, and MLflow's own flush and read APIs made to see the export queue.

compat        the MLflow internals the package uses, each looked up once, with fallbacks
destination   whether a trace goes through the package's export or MLflow's exporter
experiments   the experiment a new trace belongs to, in MLflow's order of precedence
hooks         mlflow.flush_trace_async_logging, get_trace and search_traces wait for the queue
"""
