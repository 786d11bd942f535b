"""Text that arrives in pieces, kept in memory in proportion to its length, not to its pieces."""
from __future__ import annotations

import io


class TextBuffer:
    """``append(piece)`` is the bound ``write`` of a ``StringIO``: a call into C, with no Python
    frame of its own (this runs for every piece of a stream), into a buffer that grows with the
    text, not with the number of pieces."""

    __slots__ = ("_text", "append")

    def __init__(self) -> None:
        self._text = io.StringIO(newline="")  # no newline translation: the text as it came
        self.append = self._text.write

    def __bool__(self) -> bool:
        return self._text.tell() > 0

    def text(self) -> str:
        return self._text.getvalue()
