"""Export: the bounded queue of recorded traces, its one writer thread, and the stores it writes to.

exporter      the queue, the writer, flush(), stats(), exit and fork handling
fork_gate     a fork waits for the background work under way
sinks         a batch written to a SQL store or a tracking server
entities      a recorded span as MLflow's entities (Span, TraceInfo, tags, metadata)
store_errors  a store that could not be reached (retried) told from one that refused the data
"""
