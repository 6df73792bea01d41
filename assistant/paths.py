"""The user's folders for this app, from the platform's conventions (``platformdirs``)."""

from __future__ import annotations

from pathlib import Path

APP_NAME = "assistant"
"""The app's name in the platform's folders."""


def config_dir() -> Path:
    """The user's configuration folder: settings and own commands (``user_config_dir``)."""
    from platformdirs import user_config_dir  # imported when needed: it reads the environment

    return Path(user_config_dir(APP_NAME))


def data_dir() -> Path:
    """The user's data folder: notes (``user_data_dir``)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME))
