"""The shared API v2 text expressions: what a blank, a null and an empty list become."""

import polars as pl

from transforms.struct_paths import clean, clean_list, joined, ordinal_in_runs


def _texts(expr, values, dtype=pl.String):
    return pl.DataFrame({"v": values}, schema={"v": dtype}).select(expr(pl.col("v")).alias("out"))["out"].to_list()


def test_clean_trims_and_turns_blank_into_null():
    long_text = " " + "x" * 100_000 + "\n"
    assert _texts(clean, [" a b ", "", "  \t\n", None, "NA", long_text]) == [
        "a b",
        None,
        None,
        None,
        "NA",
        long_text.strip(),
    ]
    assert pl.DataFrame({"v": ["x"]}).select(clean(pl.col("v"))).schema["v"] == pl.String


def test_joined_lists_the_non_blank_texts_and_gives_null_for_none():
    lists = [[" a ", "", "b"], [], None, ["  ", None], ["only"]]
    assert _texts(joined, lists, pl.List(pl.String)) == ["a; b", None, None, None, "only"]
    assert _texts(clean_list, lists, pl.List(pl.String)) == [["a", "b"], [], [], [], ["only"]]


def test_ordinal_in_runs_numbers_each_records_rows_from_zero():
    frame = pl.DataFrame({"record_seq": [4, 4, 4, 7, 9, 9]}, schema={"record_seq": pl.Int64})
    ordinals = frame.select(ordinal_in_runs("record_seq").alias("ordinal"))["ordinal"]
    assert ordinals.to_list() == [0, 1, 2, 0, 0, 1]
    assert ordinals.dtype == pl.Int32
    assert frame.head(0).select(ordinal_in_runs("record_seq")).height == 0
    assert frame.head(1).select(ordinal_in_runs("record_seq").alias("o"))["o"].to_list() == [0]
