"""The quarantine folder: copies of refused inputs, one fresh folder per run.

A quarantine copy's name is the source path flattened (`a/b.zip!c/d.xml` ->
`a__b.zip!c__d.xml`), so a curator sees at once where it came from. File systems refuse
names over 255 bytes, and an archive member's path can be far longer (314 characters were
seen): such a name is cut, and a digest of the full name keeps it unique. The full path is
always in the `.reason.txt` beside the copy and in `etl_quarantine`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

# Room for the ".reason.txt" suffix within the usual 255-byte limit of one name.
MAX_NAME_BYTES = 200


def quarantine_name(relative: str, member: str) -> str:
    flat = relative.replace("/", "__") + (("!" + member.replace("/", "__")) if member else "")
    encoded = flat.encode("utf-8", "surrogateescape")
    if len(encoded) <= MAX_NAME_BYTES:
        return flat
    digest = hashlib.sha256(encoded).hexdigest()[:16]
    suffix = "".join(Path(member or relative).suffixes[-2:])[:20]
    keep = encoded[: MAX_NAME_BYTES - len(digest) - len(suffix.encode()) - 1].decode("utf-8", "ignore")
    return f"{keep}~{digest}{suffix}"


def fresh_run_folder(root: Path, run_id: int) -> Path:
    """`root/run-NNNNNN`, empty: copies left there by an earlier attempt with the same run id
    (a run killed before it was logged) are moved aside, never mixed with tonight's."""
    folder = root / f"run-{run_id:06d}"
    if folder.exists():
        set_aside(folder, "earlier")
    return folder


def set_aside_failed(folder: Path) -> None:
    """A failed run published nothing: its copies are kept for diagnosis, marked as such."""
    if folder.exists():
        set_aside(folder, "failed")


def set_aside(folder: Path, label: str) -> Path:
    for attempt in range(1, 10_000):
        target = folder.with_name(f"{folder.name}.{label}-{attempt}")
        if not target.exists():
            os.replace(folder, target)
            return target
    raise FileExistsError(f"too many set-aside copies of {folder}")
