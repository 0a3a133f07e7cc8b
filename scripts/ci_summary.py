"""Sum the JUnit XML reports of every suite CI ran into one plain closing line.

    python scripts/ci_summary.py var/ci/*.xml [--failed NAME ...]

prints ``N passed, M failed`` (``, K skipped`` when any were skipped) and nothing else. A suite
that left no report (it crashed before writing one) or a check without a report of its own
(migrations, lint, layers, types) that failed is named with ``--failed`` and counts as one
failure, so a broken run can never read as a green one.

Reads pytest's reports and schemathesis' (``--report junit``); both follow the JUnit schema:
``<testsuite tests= failures= errors= skipped=>``, possibly wrapped in ``<testsuites>``.
"""

import argparse
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Counts:
    passed: int = 0
    failed: int = 0
    skipped: int = 0

    def __iadd__(self, other: "Counts") -> "Counts":
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped
        return self

    def line(self) -> str:
        text = f"{self.passed} passed, {self.failed} failed"
        return f"{text}, {self.skipped} skipped" if self.skipped else text


def counts(path: Path) -> Counts:
    root = ET.parse(path).getroot()  # noqa: S314 - our own test runners' reports, not untrusted input
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = Counts()
    for suite in suites:
        tests = int(suite.get("tests", 0))
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped = int(suite.get("skipped", 0))
        total += Counts(passed=tests - failed - skipped, failed=failed, skipped=skipped)
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="*", type=Path)
    parser.add_argument("--failed", action="append", default=[], help="a suite or check that failed")
    args = parser.parse_args(argv)
    total = Counts()
    for path in args.reports:
        total += counts(path)
    total.failed += len(args.failed)
    print(total.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
