"""The files the product ships beside its code, found as package resources.

`sql/`, `expectations/`, `docs/` and `sample/` live at the top of the checkout (one file per
table, suite, document and sample record); `trialwarehouse/<folder>` is a link to each, so
the checkout and an installed wheel (which holds real copies there) find them the same way,
with no path into a repository.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

RESOURCE_DIRS = ("sql", "expectations", "docs", "sample")


def resource_dir(name: str) -> Path:
    """The shipped folder `name` (one of RESOURCE_DIRS)."""
    if name not in RESOURCE_DIRS:
        raise ValueError(f"no shipped folder {name!r}; one of {RESOURCE_DIRS}")
    # A wheel installs unpacked, so the package's resources are plain files on disk.
    return Path(str(files("trialwarehouse") / name))
