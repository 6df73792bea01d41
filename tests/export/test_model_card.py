from pathlib import Path

from export.model_card import CARD_LIMIT, short_card

CARD = Path(__file__).resolve().parents[2] / "docs" / "model_card.md"


def test_the_embedded_card_is_the_first_section_under_a_kilobyte() -> None:
    card = CARD.read_text(encoding="utf-8")
    short = short_card(card)
    assert len(short.encode()) <= CARD_LIMIT
    assert short.startswith(card.splitlines()[0])
    assert "## Details" in short and "## Intended use" not in short
    assert short.endswith("(Full card: docs/model_card.md in the project.)")


def test_a_long_section_is_cut_at_a_word() -> None:
    short = short_card("# Card\n\n## Details\n" + "word " * 400, limit=200)
    assert len(short.encode()) <= 200
    assert "word ...\n\n(Full card" in short
    assert short_card("   ") == ""
