"""The runtime's layers: each package of ``assistant`` imports only from its own layer or below
(docs/architecture.md), no module uses another module's private names, and no module of the
runtime imports torch, onnx or the training packages."""

from __future__ import annotations

import ast
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import assistant

ROOT = Path(assistant.__file__).parent

LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "assistant",
        "assistant.errors",
        "assistant.vocabulary",
        "assistant.atomic",
        "assistant.paths",
    ),
    ("assistant.features",),
    ("assistant.audio",),
    ("assistant.model_format", "assistant.recognizer"),
    ("assistant.decoding",),
    ("assistant.commands",),
    ("assistant.skills", "assistant.speech_out"),
    ("assistant.pipeline",),
    ("assistant.engine",),
    ("assistant.gui", "assistant.cli", "assistant.__main__"),
)
"""Lowest first: a module may import from its own layer and the layers before it."""
FORBIDDEN = ("torch", "torchaudio", "onnx", "models", "export")
"""Top-level packages the runtime never imports (the training side)."""


def layer_of(module: str) -> int:
    """Index in :data:`LAYERS` of the longest prefix that names ``module`` or its package."""
    best, found = -1, -1
    for index, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, found = len(name), index
    assert found >= 0, f"{module} is in no layer of LAYERS"
    return found


def runtime_modules() -> list[str]:
    """Every module of the ``assistant`` package, the package itself first."""
    found = pkgutil.walk_packages([str(ROOT)], prefix="assistant.")
    return ["assistant", *sorted(info.name for info in found)]


def source_of(module: str) -> Path:
    """The file of ``module`` under :data:`ROOT`."""
    parts = module.split(".")[1:]
    package = ROOT.joinpath(*parts) / "__init__.py"
    return package if package.is_file() else ROOT.joinpath(*parts).with_suffix(".py")


def imports_of(module: str) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) of every import in ``module``, also those
    inside functions."""
    tree = ast.parse(source_of(module).read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, [alias.name for alias in node.names], node.lineno))
    return found


def test_every_module_belongs_to_a_layer() -> None:
    modules = runtime_modules()
    assert "assistant.pipeline" in modules and "assistant.gui.worker" in modules
    assert all(0 <= layer_of(module) < len(LAYERS) for module in modules)


def test_imports_go_only_down_the_layers() -> None:
    upward = []
    for module in runtime_modules():
        own = layer_of(module)
        for target, _, line in imports_of(module):
            if target.split(".")[0] == "assistant" and layer_of(target) > own:
                upward.append(f"{module}:{line} imports {target}")
    assert upward == []


def test_no_module_takes_another_modules_private_names() -> None:
    private = []
    for module in runtime_modules():
        for target, names, line in imports_of(module):
            if target.split(".")[0] != "assistant":
                continue
            taken = [n for n in names if n.startswith("_") and not n.startswith("__")]
            private += [f"{module}:{line} takes {target}.{name}" for name in taken]
    assert private == []


def test_no_runtime_module_imports_the_training_side_statically() -> None:
    training = [
        f"{module}:{line} imports {target}"
        for module in runtime_modules()
        for target, _, line in imports_of(module)
        if target.split(".")[0] in FORBIDDEN
    ]
    assert training == []


def test_the_runtime_imports_without_torch() -> None:
    """Every module of ``assistant`` imported in one fresh process (``__main__`` would run)."""
    modules = [m for m in runtime_modules() if not m.endswith("__main__")]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr
