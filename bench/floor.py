"""The floor: a single pass that only reads and parses every record (orjson for API v2
NDJSON, lxml for legacy XML), measured on the same files as the scenarios."""

from __future__ import annotations

import sys
import tarfile
from pathlib import Path

import orjson
from lxml import etree


def parse_all(folder: Path) -> int:
    count = 0
    for path in sorted(folder.iterdir()):
        if path.suffix == ".ndjson":
            with path.open("rb") as handle:
                for line in handle:
                    if line.strip():
                        orjson.loads(line)
                        count += 1
        elif path.name.endswith(".tar.gz"):
            with tarfile.open(path) as bundle:
                for member in bundle:
                    member_file = bundle.extractfile(member) if member.isfile() else None
                    if member_file is not None:
                        etree.fromstring(member_file.read())
                        count += 1
    return count


if __name__ == "__main__":
    print(f"records={parse_all(Path(sys.argv[1]))}")
