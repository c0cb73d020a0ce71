"""One typed settings object: environment variables with the TW_ prefix, then defaults.

Every path the pipeline uses derives from these settings; tests build their own
`Settings(...)` instead of patching globals.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from trialwarehouse.resources import resource_dir

# No internet here: Prefect and GX must not phone home, and the temporary Prefect
# server needs more than its default start-up time on a 2-core machine.
OFFLINE_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


def offline_environment() -> None:
    """OFFLINE_DEFAULTS for every variable the environment does not set itself."""
    for name, value in OFFLINE_DEFAULTS.items():
        os.environ.setdefault(name, value)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TW_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    raw_dir: Path = Field(
        resource_dir("sample") / "landing", description="Landing folder scanned for raw record files."
    )
    warehouse: Path = Field(Path("warehouse/trials.duckdb"), description="DuckDB warehouse file.")
    report_dir: Path | None = Field(None, description="Where run reports go; default: 'reports' beside the warehouse.")
    quarantine_dir: Path | None = Field(
        None, description="Where copies of refused inputs go; default: 'quarantine' beside the warehouse."
    )
    batch_size: int = Field(2000, ge=1, description="Records normalized and staged per batch (bounds memory).")
    # A first load of 570k trials within 2 GB for the whole run, Prefect's server included:
    # 1,959 MB at 1408MB (the checks' exports), 2,093 MB at 1536MB. 1GB failed: the key
    # indexes of the dimensions and versions do not spill.
    duckdb_memory_limit: str = Field(
        "1408MB", description="Memory DuckDB may use while loading; beyond it, it spills to '<warehouse>.tmp'."
    )
    report_memory_limit: str = Field(
        "512MB",
        description="Memory DuckDB may use while sorting findings for the report's CSVs; beyond it, it spills to disk.",
    )
    pull: bool = Field(False, description="Nightly run pulls changed records from the API before loading.")
    task_runner: Literal["auto", "local", "process", "dask"] = Field(
        "auto",
        description="Where records are parsed: local (in the flow), process (a pool of TW_WORKERS processes), dask, "
        "or auto (process when the landing folder holds 256 MB or more, else local).",
    )
    workers: int = Field(
        2, ge=1, description="Parser processes for the process runner, or workers of a local Dask cluster."
    )
    dask_address: str | None = Field(
        None, description="Address of an existing Dask scheduler (tcp://host:8786); unset: a local cluster."
    )
    api_url: str = Field("https://clinicaltrials.gov/api/v2", description="ClinicalTrials.gov API v2 base URL.")
    pull_query: str | None = Field(None, description="Extra API query.term (Essie syntax) that every pull adds.")
    pull_window_days: int = Field(
        5, ge=1, description="First pull without state: fetch records updated in the last N days."
    )
    pull_page_size: int = Field(1000, ge=1, le=1000, description="Studies per API page (the API allows at most 1000).")
    pull_rate_per_minute: float = Field(50.0, gt=0, description="Most API requests per minute.")
    pull_max_attempts: int = Field(6, ge=1, description="Attempts per request before the pull fails.")
    pull_connect_timeout: float = Field(10.0, gt=0, description="Seconds to wait for a connection.")
    pull_read_timeout: float = Field(120.0, gt=0, description="Seconds to wait for response data.")
    pull_backoff_seconds: float = Field(2.0, ge=0, description="First retry delay; doubles each attempt, with jitter.")
    pull_request_seconds: float = Field(
        300.0, gt=0, description="Longest one API response body may take to arrive, wall clock."
    )
    pull_max_seconds: float = Field(
        4 * 3600.0, gt=0, description="Longest one pull may take, wall clock; past it the pull stops (and resumes)."
    )

    smtp_host: str | None = Field(
        None, description="SMTP server for the curators' email; unset: messages go to the outbox."
    )
    smtp_port: int = Field(25, ge=1, le=65535, description="SMTP port.")
    smtp_user: str | None = Field(None, description="SMTP login name, if the server needs one.")
    smtp_password: SecretStr | None = Field(
        None, description="SMTP password (environment or .env only, never a file in the repo)."
    )
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_allow_plaintext_auth: bool = Field(
        False, description="Send the SMTP login without STARTTLS (only for a server on a trusted network)."
    )
    smtp_conversation_seconds: float = Field(
        120.0, gt=0, description="Longest one SMTP conversation (one message) may take, wall clock."
    )
    mail_delivery_seconds: float = Field(
        300.0, gt=0, description="Longest the whole email step may take; what is left waits in the outbox."
    )
    mail_from: str = Field("trialwarehouse@localhost", description="Sender address of the nightly email.")
    mail_to: str | None = Field(
        None, description="Curators' addresses, comma-separated; unset: no email is sent or queued."
    )
    subscriptions: Path | None = Field(
        None,
        description="TOML file of recipients, each with the filter of the trials they follow "
        "(see subscriptions.example.toml); unset: only TW_MAIL_TO, who get every finding.",
    )
    report_url: str | None = Field(
        None, description="URL where the reports folder is published, for links in the email; unset: none."
    )
    outbox_dir: Path | None = Field(
        None, description="Where unsent emails wait (.eml); default: 'outbox' beside the warehouse."
    )
    mail_max_attachment_mb: float = Field(
        10.0,
        gt=0,
        description="Largest findings attachment; above it the CSV is gzipped, then only NEW findings are sent.",
    )

    schedule: str = Field("0 2 * * *", description="Cron schedule of the nightly deployment (`trialwarehouse serve`).")
    timezone: str = Field("UTC", description="Time zone of the schedule, e.g. Europe/Paris.")
    prefect_port: int = Field(
        4200, ge=1, le=65535, description="Port of the local Prefect server (bound to 127.0.0.1)."
    )
    log_level: str = Field(
        "INFO", description="Log level of the console and of the rotating log file beside the warehouse."
    )

    def recipients(self) -> list[str]:
        return [a.strip() for a in (self.mail_to or "").split(",") if a.strip()]

    def resolved_outbox_dir(self) -> Path:
        return self.outbox_dir or self.warehouse.parent / "outbox"

    def resolved_report_dir(self) -> Path:
        return self.report_dir or self.warehouse.parent / "reports"

    def resolved_quarantine_dir(self) -> Path:
        return self.quarantine_dir or self.warehouse.parent / "quarantine"
