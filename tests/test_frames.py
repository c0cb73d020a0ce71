"""The content hash of `transforms.frames`: the same document, hashed the same way, whatever
the order or memory the batch is built in. Stored versions carry these hashes, so a change
of the document (or of how polars writes JSON) would make every re-read trial a new version."""

import hashlib
import zipfile

import polars as pl
import pytest
from conftest import shared_path

from transforms.canonical import PROVENANCE_COLUMNS
from transforms.extract import extract
from transforms.frames import UNHASHED_KINDS, build_frames, with_content_hash
from transforms.text_facts import TEXT_FACT_COLUMNS

AACT_STUDY = "data/ctti-clinicaltrials__aact/spec/support/json_data/NCT02552212.json"


def documented_hash(versions: pl.DataFrame, children: dict[str, pl.DataFrame]) -> list[str]:
    """The hash as the docstring of `with_content_hash` defines it, built the plain way: each
    record's document whole (version JSON, then its child rows tagged with their kind, in kind
    and ordinal order, joined by \\x1e), then SHA-256."""
    content = [c for c in versions.columns if c not in PROVENANCE_COLUMNS and c not in TEXT_FACT_COLUMNS]
    texts = {
        seq: [text] for seq, text in versions.select("record_seq", pl.struct(content).struct.json_encode()).iter_rows()
    }
    for kind, frame in children.items():
        columns = [c for c in frame.columns if c not in ("record_seq", "ordinal")]
        rows = frame.sort("record_seq", "ordinal").select("record_seq", pl.struct(columns).struct.json_encode())
        for seq, text in rows.iter_rows():
            if seq in texts:
                texts[seq].append(f"\x1d{kind}:{text}")
    return [hashlib.sha256("\x1e".join(texts[seq]).encode()).hexdigest() for seq in versions["record_seq"].to_list()]


def _urology_batch() -> dict[str, pl.DataFrame]:
    archive = shared_path("data/Marc-Morcos__ClinicalTrials-Urology-Database-Word-Counter/ctg-studies.json.zip")
    with zipfile.ZipFile(archive) as z:
        ndjson = b"\n".join(z.read(name).replace(b"\n", b" ") for name in sorted(z.namelist()))
    return build_frames(extract(ndjson).raw_frames())


def test_content_hash_is_the_documented_document_hashed():
    frames = _urology_batch()
    versions = frames.pop("versions")
    hashed = {kind: frame for kind, frame in frames.items() if kind not in UNHASHED_KINDS}
    assert versions.height > 50 and sum(frame.height for frame in hashed.values()) > 10_000
    assert versions["content_hash"].to_list() == documented_hash(versions.drop("content_hash"), hashed)


def test_content_hash_of_known_records_is_unchanged():
    # Computed by the code that wrote the warehouses of earlier releases (commit 4d2d3ae): a
    # real study with results sections (105 sites, 225 adverse-event rows) and a minimal record.
    study = shared_path(AACT_STUDY).read_bytes()
    assert build_frames(extract(study).raw_frames())["versions"]["content_hash"].to_list() == [
        "4a4a90670c5d19006389176864a20a69a31fef38f9f361306d679a9061ac60f5"
    ]
    minimal = [{"nct_id": "NCT00000001", "record_seq": 0, "brief_summary": "We plan to recruit 40 patients."}]
    assert build_frames(minimal)["versions"]["content_hash"].to_list() == [
        "2deebc39623175e667996d41e075209687ef9a0ac5eab07b48f21c1b4d04e7cd"
    ]


def test_content_hash_does_not_depend_on_the_order_rows_arrive_in():
    frames = _urology_batch()
    versions = frames.pop("versions")
    hashed = {kind: frame for kind, frame in frames.items() if kind not in UNHASHED_KINDS}
    shuffled_versions = versions.drop("content_hash").sample(fraction=1.0, shuffle=True, seed=3)
    shuffled = {kind: frame.sample(fraction=1.0, shuffle=True, seed=4) for kind, frame in hashed.items()}
    rehashed = with_content_hash(shuffled_versions, shuffled)
    assert (
        rehashed.select("record_seq", "content_hash")
        .sort("record_seq")
        .equals(versions.select("record_seq", "content_hash").sort("record_seq"))
    )


def test_rows_of_a_record_without_a_version_are_left_out_and_seqs_must_be_unique():
    frames = build_frames(extract(shared_path(AACT_STUDY).read_bytes()).raw_frames())
    versions = frames.pop("versions")
    original = versions["content_hash"][0]
    sites = frames["sites"]
    stray = sites.with_columns(pl.col("record_seq") + 1)  # a record the batch holds no version of
    hashed = {kind: frame for kind, frame in frames.items() if kind not in UNHASHED_KINDS}
    hashed["sites"] = pl.concat([sites, stray])
    rehashed = with_content_hash(versions.drop("content_hash"), hashed)
    assert rehashed["content_hash"].to_list() == [original]
    with pytest.raises(ValueError, match="record_seq is not unique"):
        with_content_hash(pl.concat([versions, versions]).drop("content_hash"), {})


def test_an_empty_batch_has_an_empty_hash_column():
    versions = build_frames([])["versions"]
    assert versions.height == 0
    assert versions.schema["content_hash"] == pl.String


def test_unsigned_keys_and_child_rows_out_of_order_give_the_same_hash():
    # Differences of unsigned keys wrap around: rows out of order must not look in order.
    frames = build_frames(extract(shared_path(AACT_STUDY).read_bytes()).raw_frames())
    versions = frames.pop("versions")
    hashed = {kind: frame for kind, frame in frames.items() if kind not in UNHASHED_KINDS}
    unsigned = {
        kind: frame.reverse().with_columns(pl.col("record_seq").cast(pl.UInt64), pl.col("ordinal").cast(pl.UInt32))
        for kind, frame in hashed.items()
    }
    rehashed = with_content_hash(
        versions.drop("content_hash").with_columns(pl.col("record_seq").cast(pl.UInt64)), unsigned
    )
    assert rehashed["content_hash"].to_list() == versions["content_hash"].to_list()


def test_two_child_rows_at_the_same_place_of_a_record_are_refused():
    frames = build_frames(extract(shared_path(AACT_STUDY).read_bytes()).raw_frames())
    versions = frames.pop("versions")
    sites = frames["sites"]
    with pytest.raises(ValueError, match="share a record_seq and an ordinal"):
        with_content_hash(versions.drop("content_hash"), {"sites": pl.concat([sites, sites.head(1)])})
