"""`ecotown import activities FILE --org ID|CODE [--replace] --format json` (filled in by the reporting capability)."""
import sys


def main(argv: list[str]) -> int:
    print("ecotown import: not available yet", file=sys.stderr)
    return 2
