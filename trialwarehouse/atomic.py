"""Files written whole or not at all: a crash leaves the old file or the new one, never half."""

from __future__ import annotations

import json
import os
from pathlib import Path


def write_json_atomically(path: Path, payload: dict) -> None:
    """Write `payload` as JSON to a temporary file beside `path`, flush it to disk, then
    rename it over `path` (a rename within one folder is atomic)."""
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
