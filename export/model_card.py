"""The short model card that rides in the ONNX metadata: the full card's title and first
section, cut to :data:`CARD_LIMIT` bytes, and where the full card lies."""

from __future__ import annotations

CARD_LIMIT = 1000
"""Bytes of UTF-8 the embedded card may take."""
FULL_CARD = "docs/model_card.md"


def short_card(markdown: str, limit: int = CARD_LIMIT) -> str:
    """The title and first section of the Markdown card ``markdown``, cut at a word to fit
    ``limit`` bytes with a pointer to the full card; "" for an empty card."""
    lines = markdown.strip().splitlines()
    if not lines:
        return ""
    title, body = lines[0], []
    sections = 0
    for line in lines[1:]:
        if line.startswith("## "):
            sections += 1
            if sections > 1:
                break
        body.append(line)
    pointer = f"\n\n(Full card: {FULL_CARD} in the project.)"
    text = "\n".join([title, *body]).strip()
    room = limit - len(pointer.encode())
    if len(text.encode()) > room:
        cut = text.encode()[: room - 4].decode(errors="ignore")
        text = cut[: cut.rfind(" ")].rstrip() + " ..."
    return text + pointer
