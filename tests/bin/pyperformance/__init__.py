"""tests/bin/pyperformance - a stand-in for pyperformance (not in Debian)
for the tests, run as "python3 -m pyperformance" with this directory's
parent on PYTHONPATH.  See __main__.py."""

__version__ = "1.11.0+standin"
