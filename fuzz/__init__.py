"""Fuzzing of paperradar's parsers and search query path (see fuzz/README.md).

``fuzz.targets`` names each target and what it runs; ``fuzz.checks`` holds the
properties every target asserts; ``fuzz/fuzz_<name>.py`` are the atheris
harnesses and ``fuzz/run.py`` runs them for a bounded time.
"""
