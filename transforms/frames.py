"""Canonical records -> normalized polars frames, one per warehouse staging table.

Extractors hand over *raw frames*: `{"versions": ..., "<child kind>": ...}` with the raw
text of `canonical.SCALAR_FIELDS` / `CHILD_FIELDS`, keyed by a batch-unique `record_seq`.
The API v2 extractor builds them directly with polars; dict-based extractors (legacy XML,
trial pages) go through `records_to_raw`. `build_frames` is the single entry point used by
the loader: it normalizes a batch and adds the content hash that decides whether a record
is a new version of its trial.
"""

from __future__ import annotations

import hashlib

import numpy as np
import polars as pl
import pyarrow as pa

from transforms.canonical import CHILD_FIELDS, PROVENANCE_COLUMNS, SCALAR_FIELDS, child_schema
from transforms.normalize_children import normalize_children
from transforms.normalize_versions import normalize_versions
from transforms.text_facts import TEXT_FACT_COLUMNS, with_text_facts

# Child kinds left out of the content hash: the MeSH browse tree (ancestors, leaves,
# branches) is recomputed by the registry on every export and changes without any change to
# the record (seen: the same study re-exported three weeks later with a leaf's asFound text
# changed from "Aqueous" to "Visible"). It is stored with the version, as first seen.
UNHASHED_KINDS = frozenset({"mesh_browse"})


_VERSION_SCHEMA = {"record_seq": pl.Int64, **SCALAR_FIELDS}


def raw_version_frame(records: list[dict]) -> pl.DataFrame:
    columns = {name: [r.get(name) for r in records] for name in _VERSION_SCHEMA}
    return pl.DataFrame(columns, schema=_VERSION_SCHEMA)


def raw_child_frame(kind: str, records: list[dict]) -> pl.DataFrame:
    keys = CHILD_FIELDS[kind]
    key_schema = child_schema(kind)
    seqs: list[int] = []
    ordinals: list[int] = []
    values: dict[str, list] = {key: [] for key in keys}
    for record in records:
        for ordinal, item in enumerate(record.get(kind) or []):
            seqs.append(record["record_seq"])
            ordinals.append(ordinal)
            for key in keys:
                values[key].append(item.get(key))
    schema = {"record_seq": pl.Int64, "ordinal": pl.Int32, **key_schema}
    return pl.DataFrame({"record_seq": seqs, "ordinal": ordinals, **values}, schema=schema)


def sha256_hex(texts: pl.Series) -> pl.Series:
    """SHA-256 of each UTF-8 text, read straight from the Arrow buffers (no Python copies)."""
    if texts.is_empty():  # an empty night's staging shape: its cast below loads pyarrow's compute kernels, 0.15 s
        return pl.Series(texts.name, [], dtype=pl.String)
    array = texts.cast(pl.String).to_arrow()
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    array = array.cast(pa.large_string())
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset : array.offset + len(array) + 1]
    data = memoryview(array.buffers()[2] or b"")
    digests = [hashlib.sha256(data[offsets[i] : offsets[i + 1]]).hexdigest() for i in range(len(array))]
    return pl.Series(texts.name, digests, dtype=pl.String)


def with_content_hash(versions: pl.DataFrame, children: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Add `content_hash`: SHA-256 over every normalized content field and child row.

    Provenance (file, capture date) is left out on purpose: a trial whose content did
    not change between two downloads is one version seen twice, not two versions. So are
    the text facts, derived from the texts: better rules must not make new versions. The
    document hashed is the version's fields as JSON, then each child row as JSON tagged
    with its kind, in kind and ordinal order (JSON escapes the control separators).
    """
    content_cols = [c for c in versions.columns if c not in PROVENANCE_COLUMNS and c not in TEXT_FACT_COLUMNS]
    parts = [
        versions.select(
            "record_seq",
            pl.lit(0, pl.Int32).alias("_part"),
            pl.lit(0, pl.Int32).alias("ordinal"),
            pl.struct(content_cols).struct.json_encode().alias("text"),
        )
    ]
    for part, (kind, frame) in enumerate(children.items(), start=1):
        child_cols = [c for c in frame.columns if c not in ("record_seq", "ordinal")]
        parts.append(
            frame.select(
                "record_seq",
                pl.lit(part, pl.Int32).alias("_part"),
                pl.col("ordinal").cast(pl.Int32),
                pl.concat_str([pl.lit(f"\x1d{kind}:"), pl.struct(child_cols).struct.json_encode()]).alias("text"),
            )
        )
    documents = (
        pl.concat(parts)
        .sort("record_seq", "_part", "ordinal")
        .group_by("record_seq", maintain_order=True)
        .agg(pl.col("text").str.join("\x1e"))
    )
    hashed = documents.select("record_seq", sha256_hex(documents["text"]).alias("content_hash"))
    return versions.join(hashed, on="record_seq", how="left", maintain_order="left")


def records_to_raw(records: list[dict]) -> dict[str, pl.DataFrame]:
    """Canonical record dicts (each with its `record_seq`) -> raw frames."""
    return {"versions": raw_version_frame(records), **{kind: raw_child_frame(kind, records) for kind in CHILD_FIELDS}}


def raw_to_records(raw: dict[str, pl.DataFrame]) -> list[dict]:
    """Raw frames -> canonical record dicts, in record_seq order (for tests and comparisons)."""
    records = {
        row["record_seq"]: {**row, **{kind: [] for kind in CHILD_FIELDS}}
        for row in raw["versions"].iter_rows(named=True)
    }
    for kind in CHILD_FIELDS:
        for row in raw[kind].sort("record_seq", "ordinal").iter_rows(named=True):
            records[row["record_seq"]][kind].append({key: row[key] for key in CHILD_FIELDS[kind]})
    return [records[seq] for seq in sorted(records)]


def concat_raw(parts: list[dict[str, pl.DataFrame]]) -> dict[str, pl.DataFrame]:
    return {name: pl.concat([part[name] for part in parts], how="vertical") for name in parts[0]}


def build_frames(raw: dict[str, pl.DataFrame] | list[dict]) -> dict[str, pl.DataFrame]:
    """A batch of raw frames (or canonical record dicts) -> {"versions": ..., "<child kind>": ...}."""
    if isinstance(raw, list):
        raw = records_to_raw(raw)
    # Text facts are computed here, in the parse workers, once per record: they depend only
    # on the record's own texts, and the checks read them from the stored version.
    versions = with_text_facts(normalize_versions(raw["versions"]))
    children = {kind: normalize_children(kind, raw[kind]) for kind in CHILD_FIELDS}
    hashed = {kind: frame for kind, frame in children.items() if kind not in UNHASHED_KINDS}
    return {"versions": with_content_hash(versions, hashed), **children}
