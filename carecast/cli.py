"""The `carecast` command. Sub-commands: `scan` (textscan over JSON lines)."""

from __future__ import annotations

import sys

USAGE = "usage: carecast scan [FILE] [--only phi|LABEL,...] [--org-kind provider|manufacturer]"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if args else 2
    if args[0] == "scan":
        from carecast.textscan.cli import main as scan_main

        return scan_main(args[1:])
    print(f"carecast: unknown command {args[0]!r}\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
