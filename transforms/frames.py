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


def _utf8_buffers(texts: pl.Series) -> tuple[np.ndarray, memoryview]:
    """The offsets and bytes of UTF-8 texts, read straight from the Arrow buffers (no Python
    copies of the texts)."""
    array = texts.to_arrow()
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    array = array.cast(pa.large_string())
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset : array.offset + len(array) + 1]
    return offsets, memoryview(array.buffers()[2] or b"")


def _keys(part: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    # Signed: a difference of unsigned keys wraps around, and a wrong order would look right.
    return part["record_seq"].cast(pl.Int64).to_numpy(), part["ordinal"].cast(pl.Int64).to_numpy()


def _in_record_order(part: pl.DataFrame) -> pl.DataFrame:
    """A child part in (record_seq, ordinal) order. The builders hand them over in that order
    already; checked, because the document's order is the hash. Two rows of one kind at the
    same place of a record have no order (the builders number them apart): refused."""
    seqs, ordinals = _keys(part)
    step = np.diff(seqs)
    if not ((step >= 0).all() and (np.diff(ordinals)[step == 0] > 0).all()):
        part = part.sort("record_seq", "ordinal", maintain_order=True)
        seqs, ordinals = _keys(part)
        if ((np.diff(seqs) == 0) & (np.diff(ordinals) == 0)).any():
            raise ValueError("two child rows of one kind share a record_seq and an ordinal")
    return part


def with_content_hash(versions: pl.DataFrame, children: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Add `content_hash`: SHA-256 over every normalized content field and child row.

    Provenance (file, capture date) is left out on purpose: a trial whose content did
    not change between two downloads is one version seen twice, not two versions. So are
    the text facts, derived from the texts: better rules must not make new versions. The
    document hashed is the version's fields as JSON, then each child row as JSON tagged
    with its kind, in kind and ordinal order, joined by \\x1e (JSON escapes the control
    separators).

    The document is never built whole: each record's hasher is fed its rows part by part, one
    kind at a time, so only one kind's JSON is in memory at once. Joining the whole batch's
    documents first held four copies of them (76 MB each for 2,000 real studies), the
    largest part of a parse worker's peak.
    """
    content_cols = [c for c in versions.columns if c not in PROVENANCE_COLUMNS and c not in TEXT_FACT_COLUMNS]
    seqs = versions["record_seq"].cast(pl.Int64).to_numpy()
    if len(np.unique(seqs)) != len(seqs):
        raise ValueError("record_seq is not unique among the versions of a batch")
    hashers = []
    if versions.height:
        offsets, data = _utf8_buffers(versions.select(pl.struct(content_cols).struct.json_encode()).to_series())
        hashers = [hashlib.sha256(data[offsets[i] : offsets[i + 1]]) for i in range(versions.height)]
    by_seq = np.argsort(seqs, kind="stable")
    for kind, frame in children.items():
        if frame.is_empty() or not hashers:
            continue
        child_cols = [c for c in frame.columns if c not in ("record_seq", "ordinal")]
        part = _in_record_order(frame.select("record_seq", "ordinal", pl.struct(child_cols).alias("_row")))
        # A leading separator on every child row: a record's rows of one kind are then one
        # contiguous run of bytes, fed to its hasher in one call.
        offsets, data = _utf8_buffers(
            part.select(pl.concat_str([pl.lit(f"\x1e\x1d{kind}:"), pl.col("_row").struct.json_encode()])).to_series()
        )
        part_seqs = _keys(part)[0]
        starts = np.flatnonzero(np.diff(part_seqs, prepend=part_seqs[0] - 1))
        ends = np.append(starts[1:], len(part_seqs))
        run_seqs = part_seqs[starts]
        found = np.searchsorted(seqs, run_seqs, sorter=by_seq)
        found = np.minimum(found, len(seqs) - 1)
        owner = by_seq[found]
        known = seqs[owner] == run_seqs  # rows of a record the batch has no version of are left out
        for record, low, high in zip(
            owner[known].tolist(), offsets[starts[known]].tolist(), offsets[ends[known]].tolist(), strict=True
        ):
            hashers[record].update(data[low:high])
    digests = pl.Series("content_hash", [h.hexdigest() for h in hashers], dtype=pl.String)
    return versions.with_columns(digests)


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
