"""The Help menu's windows: what you can say, the keyboard shortcuts, About."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from assistant import __version__
from assistant.commands.grammar import Grammar
from assistant.gui.theme import app_icon
from assistant.skills.help import PREFERRED_EXAMPLES, example_sentence

_WORD_START = re.compile(r"(?<=[a-z])(?=[A-Z])")


def intent_title(intent: str) -> str:
    """``"SetTimer"`` -> ``"Set timer"``."""
    words = _WORD_START.sub(" ", intent).split()
    return " ".join([words[0], *(w.lower() for w in words[1:])]) if words else intent


def examples(grammar: Grammar) -> list[tuple[str, str]]:
    """(title, example sentence) of every intent of ``grammar`` that has an example; the
    built-in ones first, in the order the spoken help gives them."""
    order = list(PREFERRED_EXAMPLES)
    intents = sorted(grammar.intents, key=lambda i: order.index(i) if i in order else len(order))
    found = []
    for intent in intents:
        sentence = example_sentence(intent, grammar)
        if sentence:
            found.append((intent_title(intent), sentence))
    return found


def shortcuts(talk_key: str) -> list[tuple[str, str]]:
    """(keys, what they do) of the main window; ``talk_key`` is the configured push-to-talk."""
    talk = "Space" + (f" or {talk_key}" if talk_key else "")
    return [
        (f"Hold {talk}", "Listen while held; let go to send"),
        ("Esc", "Cancel listening, stop speaking"),
        ("Ctrl+D", "Show or hide the details of each turn"),
        ("Ctrl+R", "Reload the command files"),
        ("Ctrl+,", "Settings"),
        ("F1", "What can I say"),
        ("Ctrl+Q", "Quit"),
    ]


class WhatCanISayDialog(QDialog):
    """One example sentence per command the assistant knows now, and the keyboard keys."""

    def __init__(
        self, grammar: Grammar | None, talk_key: str, parent: QWidget | None = None
    ) -> None:
        """Examples of ``grammar`` (None while the commands are not loaded yet)."""
        super().__init__(parent)
        self.setWindowTitle("What can I say?")
        self.resize(520, 560)
        self.examples = examples(grammar) if grammar is not None else []
        """(title, sentence) pairs shown."""
        rows = "".join(
            f"<tr><td style='padding:3px 14px 3px 0'><b>{html.escape(title)}</b></td>"
            f"<td style='padding:3px 0'>“{html.escape(sentence)}”</td></tr>"
            for title, sentence in self.examples
        )
        keys = "".join(
            f"<tr><td style='padding:3px 14px 3px 0'><b>{html.escape(k)}</b></td>"
            f"<td>{html.escape(what)}</td></tr>"
            for k, what in shortcuts(talk_key)
        )
        body = (
            "<p>Hold the button or the space bar, say one of these, and let go. Most have "
            "other wordings too (“set a ten minute timer”, “what's the time”).</p>"
            f"<table>{rows or '<tr><td>The commands are still loading.</td></tr>'}</table>"
            "<p>Your own commands: YAML files in the commands folder of the app's settings "
            "folder, or added in Settings (see the README).</p>"
            f"<h3>Keyboard</h3><table>{keys}</table>"
        )
        self.text = QTextBrowser()
        self.text.setHtml(body)
        self.text.setOpenLinks(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)


class AboutDialog(QDialog):
    """Name, version, what it is and how it keeps your data."""

    def __init__(self, model_note: str, parent: QWidget | None = None) -> None:
        """About the app; ``model_note`` says which speech model is in use."""
        super().__init__(parent)
        self.setWindowTitle("About Voice assistant")
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(72, 72))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.text = QLabel(
            f"<h2>Voice assistant {html.escape(__version__)}</h2>"
            "<p>A push-to-talk voice assistant that runs entirely on this computer: no cloud, "
            "no account, no network. What you say never leaves the machine.</p>"
            f"<p>{html.escape(model_note)}</p>"
            "<p>MIT licence; the list of common English words is CC BY-SA 4.0 (wordfreq).</p>"
        )
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout()
        column.addWidget(self.text)
        column.addWidget(buttons)
        layout = QHBoxLayout(self)
        layout.addWidget(icon)
        layout.addLayout(column, 1)
        self.setMinimumWidth(460)
