"""Canonical records -> normalized polars frames, one per warehouse staging table.

`build_frames` is the single entry point used by the loader: it takes a batch of
canonical record dicts (already stamped with provenance and a batch-unique
`record_seq`) and returns the normalized version frame plus one frame per child list,
with the content hash that decides whether a record is a new version of its trial.
"""

from __future__ import annotations

import hashlib

import polars as pl

from transforms.canonical import CHILD_FIELDS, SCALAR_FIELDS
from transforms.normalize import normalize_children, normalize_versions

# Columns that describe where a record was seen, not what it says.
PROVENANCE_COLUMNS = ("record_seq", "source_path", "source_member", "record_index", "source_sha256", "source_format", "capture_date")

_VERSION_SCHEMA = {"record_seq": pl.Int64, **SCALAR_FIELDS}


def raw_version_frame(records: list[dict]) -> pl.DataFrame:
    columns = {name: [r.get(name) for r in records] for name in _VERSION_SCHEMA}
    return pl.DataFrame(columns, schema=_VERSION_SCHEMA)


def raw_child_frame(kind: str, records: list[dict]) -> pl.DataFrame:
    keys = CHILD_FIELDS[kind]
    seqs: list[int] = []
    ordinals: list[int] = []
    values: dict[str, list] = {key: [] for key in keys}
    for record in records:
        for ordinal, item in enumerate(record.get(kind) or []):
            seqs.append(record["record_seq"])
            ordinals.append(ordinal)
            for key in keys:
                values[key].append(item.get(key))
    schema = {"record_seq": pl.Int64, "ordinal": pl.Int32, **{key: pl.String for key in keys}}
    return pl.DataFrame({"record_seq": seqs, "ordinal": ordinals, **values}, schema=schema)


def _sha256_hex(texts: pl.Series) -> pl.Series:
    return pl.Series([hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts], dtype=pl.String)


def with_content_hash(versions: pl.DataFrame, children: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Add `content_hash`: SHA-256 over every normalized content field and child row.

    Provenance (file, capture date) is left out on purpose: a trial whose content did
    not change between two downloads is one version seen twice, not two versions.
    """
    content_cols = [c for c in versions.columns if c not in PROVENANCE_COLUMNS]
    doc = versions.select("record_seq", pl.struct(content_cols).struct.json_encode().alias("doc"))
    for kind, frame in children.items():
        child_cols = [c for c in frame.columns if c not in ("record_seq", "ordinal")]
        encoded = (
            frame.sort("record_seq", "ordinal")
            .group_by("record_seq", maintain_order=True)
            .agg(pl.struct(child_cols).struct.json_encode().str.join("\x1e").alias(kind))
        )
        doc = doc.join(encoded, on="record_seq", how="left").with_columns(
            pl.concat_str([pl.col("doc"), pl.lit(f"\x1d{kind}:"), pl.col(kind).fill_null("")]).alias("doc")
        ).drop(kind)
    hashed = doc.with_columns(pl.col("doc").map_batches(_sha256_hex, return_dtype=pl.String).alias("content_hash"))
    return versions.join(hashed.select("record_seq", "content_hash"), on="record_seq", how="left")


def build_frames(records: list[dict]) -> dict[str, pl.DataFrame]:
    """A batch of canonical records -> {"versions": ..., "<child kind>": ...}."""
    versions = normalize_versions(raw_version_frame(records))
    children = {kind: normalize_children(kind, raw_child_frame(kind, records)) for kind in CHILD_FIELDS}
    return {"versions": with_content_hash(versions, children), **children}
