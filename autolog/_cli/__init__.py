"""``python -m autolog``: the demo session and the ``traces`` listing."""
