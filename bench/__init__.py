"""Benchmarks: speed, memory and accuracy targets, measured outside the unit tests.

Every module here named without a leading underscore exports `run() -> dict`; `python -m bench`
runs them all (or those named on the command line) and writes `bench/results/<name>.json`.
"""
