"""The desktop app (PySide6): a thin layer over :mod:`assistant.engine`.

Only this package imports Qt. The GUI thread draws; a worker on a QThread owns the engine and
its audio source and reports through signals.
"""
