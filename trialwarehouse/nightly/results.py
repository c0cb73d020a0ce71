"""What a run reports: its counts per step and the summary the report, the email and the
command line show."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from trialwarehouse.checks.runner import QualityStats


@dataclass
class IngestStats:
    files_seen: int = 0
    files_loaded: int = 0
    files_unchanged: int = 0
    files_quarantined: int = 0
    records_seen: int = 0
    records_loaded: int = 0
    records_rejected: int = 0
    formats: dict[str, int] = field(default_factory=dict)
    files_skipped: int = 0  # symlinks, hidden files, *.part/*.tmp, files gone before they were read
    skipped: list[dict] = field(default_factory=list)  # {"path", "reason"} of each


@dataclass
class PublishStats:
    versions_added: int = 0
    trials_new: int = 0
    trials_changed: int = 0
    trials_unchanged: int = 0


@dataclass
class RunSummary:
    run_id: int
    status: str
    warehouse: str
    report: str | None
    raw_dir: str
    seconds: float
    ingest: IngestStats
    publish: PublishStats
    quarantined: list[dict] = field(default_factory=list)
    error: str | None = None
    quality: QualityStats | None = None  # None when the run skipped the checks
    email: str | None = None

    def as_dict(self) -> dict:
        data = asdict(self)
        if isinstance(data.get("quality"), dict):
            data["quality"].pop("validation_json", None)  # kept in its own file
        return data
