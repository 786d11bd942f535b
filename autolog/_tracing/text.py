"""Text that arrives in pieces, kept in memory in proportion to its length, not to its pieces."""
from __future__ import annotations


class TextBuffer:
    """Appends are O(1); every 128 pieces are joined into one block, so a stream of tiny deltas
    costs about its text's size, not a string object per delta."""

    __slots__ = ("blocks", "pieces")

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.pieces: list[str] = []

    def append(self, piece: str) -> None:
        pieces = self.pieces
        pieces.append(piece)
        if len(pieces) >= 128:
            self.blocks.append("".join(pieces))
            pieces.clear()

    def __bool__(self) -> bool:
        return bool(self.pieces or self.blocks)

    def text(self) -> str:
        return "".join(self.blocks) + "".join(self.pieces)
