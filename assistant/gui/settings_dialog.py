"""The settings dialog: input device, model and provider, command files, replies, shortcut."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QKeySequenceEdit,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assistant.audio.sources import InputDevice
from assistant.commands.grammar import user_commands_dir
from assistant.gui.settings import Settings

_PROVIDERS = (("CPU", "cpu"), ("GPU (CUDA)", "cuda"), ("Automatic", "auto"))
_SENSITIVITIES = (
    ("Only when sure (stricter)", "strict"),
    ("Normal", "normal"),
    ("Readily (looser)", "loose"),
)


def _section(title: str) -> tuple[QGroupBox, QFormLayout]:
    """A titled group of settings and the form to add its rows to."""
    box = QGroupBox(title)
    form = QFormLayout(box)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return box, form


class SettingsDialog(QDialog):
    """Edits a copy of the settings; :meth:`result_settings` returns the edited values."""

    reload_requested = Signal()
    """The user pressed "Reload commands now"."""

    def __init__(
        self, settings: Settings, devices: Sequence[InputDevice], parent: QWidget | None = None
    ) -> None:
        """A dialog showing ``settings`` and offering ``devices`` as inputs."""
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._settings = settings

        self.device = QComboBox()
        self.device.addItem("System default", None)
        for device in devices:
            label = f"{device.name} ({device.host_api})"
            if device.is_default:
                label += " [default]"
            self.device.addItem(label, device.name)
        index = self.device.findData(settings.input_device)
        if index < 0 and settings.input_device is not None:  # remembered but not plugged in
            self.device.addItem(f"{settings.input_device} (not connected)", settings.input_device)
            index = self.device.count() - 1
        self.device.setCurrentIndex(max(index, 0))

        self.provider = QComboBox()
        for label, value in _PROVIDERS:
            self.provider.addItem(label, value)
        self.provider.setCurrentIndex(max(self.provider.findData(settings.provider), 0))

        self.model = QLineEdit(settings.model_path or "")
        self.model.setPlaceholderText("bundled model")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_model)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model, 1)
        model_row.addWidget(browse)

        self.builtin = QCheckBox("Built-in commands and my commands folder")
        self.builtin.setToolTip(str(user_commands_dir()))
        self.builtin.setChecked(settings.builtin_commands)
        self.files = QListWidget()
        self.files.addItems(list(settings.command_files))
        self.files.setMaximumHeight(90)
        add = QPushButton("Add file…")
        add.clicked.connect(self._add_file)
        remove = QPushButton("Remove")
        remove.clicked.connect(self._remove_file)
        reload = QPushButton("Reload commands now")
        reload.clicked.connect(self.reload_requested)
        file_buttons = QHBoxLayout()
        for button in (add, remove, reload):
            file_buttons.addWidget(button)
        file_buttons.addStretch(1)

        self.spoken = QCheckBox("Speak replies aloud")
        self.spoken.setChecked(settings.spoken_replies)
        self.sensitivity = QComboBox()
        for label, value in _SENSITIVITIES:
            self.sensitivity.addItem(label, value)
        self.sensitivity.setCurrentIndex(max(self.sensitivity.findData(settings.sensitivity), 0))
        self.sensitivity.setToolTip(
            "Stricter: fewer commands carried out by mistake, more 'didn't catch that'. "
            "Looser: more of what you say is carried out, and more mistakes."
        )
        self.hands_free = QCheckBox("Hands-free: listen continuously, end on silence")
        self.hands_free.setChecked(settings.hands_free)
        self.shortcut = QKeySequenceEdit(QKeySequence(settings.shortcut))
        self.shortcut.setMaximumSequenceLength(1)

        listening_box, listening = _section("Listening")
        listening.addRow("Microphone", self.device)
        listening.addRow("Push-to-talk key", self.shortcut)
        listening.addRow("", self.hands_free)
        listening.addRow("Accept commands", self.sensitivity)
        model_box, model = _section("Speech recognition")
        model.addRow("Run the model on", self.provider)
        model.addRow("Model file", model_row)
        commands_box, commands = _section("Commands")
        commands.addRow("", self.builtin)
        commands.addRow("Extra command files", self.files)
        commands.addRow("", file_buttons)
        replies_box, replies = _section("Replies")
        replies.addRow("", self.spoken)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        for box in (listening_box, model_box, commands_box, replies_box):
            layout.addWidget(box)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def _browse_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Model file", "", "ONNX models (*.onnx)")
        if path:
            self.model.setText(path)

    def _add_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Commands file", "", "YAML (*.yaml *.yml)")
        if path:
            self.files.addItem(path)

    def _remove_file(self) -> None:
        for item in self.files.selectedItems():
            self.files.takeItem(self.files.row(item))

    def result_settings(self) -> Settings:
        """The settings as edited."""
        files = tuple(self.files.item(i).text() for i in range(self.files.count()))
        return Settings(
            input_device=self.device.currentData(),
            provider=self.provider.currentData(),
            model_path=self.model.text().strip() or None,
            builtin_commands=self.builtin.isChecked(),
            command_files=files,
            spoken_replies=self.spoken.isChecked(),
            shortcut=self.shortcut.keySequence().toString() or self._settings.shortcut,
            hands_free=self.hands_free.isChecked(),
            sensitivity=self.sensitivity.currentData(),
        )
