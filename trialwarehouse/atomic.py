"""Files written whole or not at all: a crash leaves the old file or the new one, never half."""

from __future__ import annotations

import json
import os
from pathlib import Path


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, flush it to disk, then rename it over
    `path` (a rename within one folder is atomic)."""
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def write_json_atomically(path: Path, payload: dict) -> None:
    write_bytes_atomically(path, json.dumps(payload, indent=1).encode("utf-8"))
