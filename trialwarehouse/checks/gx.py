"""The Great Expectations adapter: a suite validated on DataFrames, chunk by chunk, and the
chunks' results merged into the one result GX would report for the whole input.

GX's SQL datasource returns empty metrics on DuckDB (see expectations/README.md), so each
input is exported by DuckDB to Parquet and validated as pandas. GX reports failing rows as
plain positions (COMPLETE format without index columns, which costs what SUMMARY costs); the
full result stays in memory, and the results filed beside the report (`run-NNNNNN.gx-
validation.json`) get a summary of it. The merge builds GX result objects from their public
constructors; GX is pinned (1.24.1) and tests/test_quality.py exercises this path end to end.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from trialwarehouse.checks.docs_safe import escaped_result
from trialwarehouse.checks.findings import RuleOutcome
from trialwarehouse.checks.suites import by_input
from trialwarehouse.settings import offline_environment

if TYPE_CHECKING:
    import pandas
    from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResult

# What the filed validation results keep of each expectation result: the counts and a sample.
SUMMARY_KEYS = (
    "element_count",
    "unexpected_count",
    "unexpected_percent",
    "missing_count",
    "missing_percent",
    "unexpected_percent_total",
    "unexpected_percent_nonmissing",
    "partial_unexpected_list",
    "partial_unexpected_counts",
    "partial_unexpected_index_list",
    "observed_value",
)


# Input rows validated at a time: memory stays bounded whatever the number of trials.
# Read when the checks start, in the night's process (GX's process is given the value).
CHUNK_ROWS = 100_000


def input_chunks(path: Path, chunk_rows: int) -> Iterator[tuple[int, pl.DataFrame]]:
    """(offset, rows) of an exported input, `chunk_rows` at a time; one empty chunk if none."""
    rows = pl.scan_parquet(path).select(pl.len()).collect().item()
    for offset in range(0, max(rows, 1), chunk_rows):
        yield offset, pl.scan_parquet(path).slice(offset, chunk_rows).collect()


def gx_context():
    offline_environment()
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    # GX reads the plain mapping as its ProgressBarsConfig; its stubs only name the class.
    context.variables.progress_bars = {"globally": False}  # type: ignore[assignment]
    return gx, context


def _summarized(result, offset: int):
    """A chunk's suite result as the filed validation results keep it: counts and a sample of
    failing values per expectation (with positions in the whole input), not the full lists
    (those can hold a million entries)."""
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult

    results = []
    for r in result.results:
        kept = escaped_result({k: v for k, v in (r.result or {}).items() if k in SUMMARY_KEYS})  # record text
        if kept.get("partial_unexpected_index_list"):
            kept["partial_unexpected_index_list"] = [int(i) + offset for i in kept["partial_unexpected_index_list"]]
        results.append(
            ExpectationValidationResult(
                success=r.success,
                expectation_config=r.expectation_config,
                meta=r.meta,
                exception_info=r.exception_info,
                result=kept,
            )
        )
    return results, result


def _percent(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def _merged(chunks: list) -> ExpectationSuiteValidationResult:  # noqa: F821
    """One suite result from the chunks' summaries, as GX would report the whole input:
    counts added up, percentages recomputed, the first examples kept."""
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )

    first_results, first_suite = chunks[0]
    merged = []
    for position, template in enumerate(first_results):
        parts = [results[position] for results, _ in chunks]
        total = sum(p.result.get("element_count") or 0 for p in parts)
        unexpected = sum(p.result.get("unexpected_count") or 0 for p in parts)
        missing = sum(p.result.get("missing_count") or 0 for p in parts)
        examples = [v for p in parts for v in p.result.get("partial_unexpected_list") or []][:20]
        indexes = [v for p in parts for v in p.result.get("partial_unexpected_index_list") or []][:20]
        counts: dict[str, list] = {}
        for value in examples:
            counts.setdefault(repr(value), [value, 0])[1] += 1
        result = dict(template.result)
        result.update(
            element_count=total,
            unexpected_count=unexpected,
            missing_count=missing,
            missing_percent=_percent(missing, total),
            unexpected_percent=_percent(unexpected, total - missing),
            unexpected_percent_total=_percent(unexpected, total),
            unexpected_percent_nonmissing=_percent(unexpected, total - missing),
            partial_unexpected_list=examples,
            partial_unexpected_index_list=indexes,
            partial_unexpected_counts=[{"value": v, "count": n} for v, n in counts.values()],
        )
        merged.append(
            ExpectationValidationResult(
                success=all(p.success for p in parts),
                expectation_config=template.expectation_config,
                meta=template.meta,
                exception_info=template.exception_info,
                result={k: v for k, v in result.items() if k in template.result},
            )
        )
    successful = sum(1 for r in merged if r.success)
    statistics = {
        "evaluated_expectations": len(merged),
        "successful_expectations": successful,
        "unsuccessful_expectations": len(merged) - successful,
        "success_percent": _percent(successful, len(merged)),
    }
    return ExpectationSuiteValidationResult(
        success=successful == len(merged),
        results=merged,
        suite_name=first_suite.suite_name,
        statistics=statistics,
        meta=first_suite.meta,
        batch_id=first_suite.batch_id,
    )


def _for_gx(frame: pl.DataFrame, gx_suite) -> pandas.DataFrame:  # noqa: F821
    """The columns the suite's expectations name (as a column or inside a row condition),
    as plain NumPy-backed pandas: GX filters and copies the whole frame once per row
    condition, so every column it does not need, or an Arrow-backed one, costs per rule."""
    mentioned = json.dumps([e.kwargs for e in gx_suite.expectation_configurations])
    columns = [c for c in frame.columns if re.search(rf"\b{re.escape(c)}\b", mentioned)]
    return frame.select(columns).to_pandas(use_pyarrow_extension_array=False)


def _run(batch, gx_suite, frame: pl.DataFrame):
    """Validate one chunk with GX, keeping the full result in memory.

    GX's `Validator` runs the suite directly: `ValidationDefinition.run` would store the
    full result (every failing row) and serialize it several times. GX is pinned (1.24.1)
    and tests/test_quality.py exercises this path end to end."""
    from great_expectations.validator.v1_validator import Validator

    # Row positions are the pandas index: COMPLETE without index columns lists failing rows
    # by position at SUMMARY's cost (with index columns GX builds a dict per failing row).
    validator = Validator(
        batch_definition=batch,
        batch_parameters={"dataframe": _for_gx(frame, gx_suite)},
        result_format={"result_format": "COMPLETE"},
    )
    with warnings.catch_warnings():
        # String row conditions are deprecated for GX 2.0; GX is pinned to 1.24 here.
        warnings.simplefilter("ignore", DeprecationWarning)
        return validator.validate_expectation_suite(gx_suite)


def validate_suite(
    suite: dict, inputs: dict[str, Path], session, on_outcome: Callable[[RuleOutcome], None], chunk_rows: int
) -> dict:
    """Run one suite over its exported inputs, `chunk_rows` rows at a time; every rule's
    outcome on every chunk goes to `on_outcome`. Returns the GX result of each input (as JSON)."""
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    gx, context = session
    source = context.data_sources.add_pandas(f"{suite['name']}_frames")
    reports: dict = {}
    for index, (input_sql, expectations) in enumerate(by_input(suite).items()):
        batch = source.add_dataframe_asset(f"input_{index}").add_batch_definition_whole_dataframe("all")
        gx_suite = gx.ExpectationSuite(name=f"{suite['name']}_{index}", meta={"input_sql": input_sql})
        for expectation in expectations:
            gx_suite.add_expectation_configuration(
                ExpectationConfiguration(
                    type=expectation["type"], kwargs=expectation["kwargs"], meta=expectation["meta"]
                )
            )
        gx_suite = context.suites.add(gx_suite)
        chunks = []
        for offset, frame in input_chunks(inputs[input_sql], chunk_rows):
            result = _run(batch, gx_suite, frame)
            chunks.append(_summarized(result, offset))
            for rule_number, outcome in enumerate(result.results):
                meta = outcome.expectation_config.meta
                if outcome.exception_info and outcome.exception_info.get("raised_exception"):
                    raise RuntimeError(
                        f"check {meta['check']}/{meta['rule']} could not run: "
                        f"{outcome.exception_info.get('exception_message')}"
                    )
                positions = outcome.result.get("unexpected_index_list") or []
                kwargs = outcome.expectation_config.kwargs
                read = tuple(kwargs[k] for k in ("column", "column_A", "column_B") if isinstance(kwargs.get(k), str))
                on_outcome(
                    RuleOutcome(
                        suite["name"],
                        meta["check"],
                        meta["rule"],
                        meta["severity"],
                        int(outcome.result.get("element_count") or 0),
                        frame[positions],
                        dict(meta),
                        read,
                        (index, rule_number),
                        tuple(offset + int(p) for p in positions),
                    )
                )
        reports[input_sql] = _merged(chunks).to_json_dict()
    return reports
