"""One typed settings object: environment variables with the TW_ prefix, then defaults.

Every path the pipeline uses derives from these settings; tests build their own
`Settings(...)` instead of patching globals.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TW_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    raw_dir: Path = Field(REPO_ROOT / "sample" / "landing", description="Landing folder scanned for raw record files.")
    warehouse: Path = Field(Path("warehouse/trials.duckdb"), description="DuckDB warehouse file.")
    report_dir: Path | None = Field(None, description="Where run reports go; default: 'reports' beside the warehouse.")
    quarantine_dir: Path | None = Field(
        None, description="Where copies of refused inputs go; default: 'quarantine' beside the warehouse."
    )
    batch_size: int = Field(2000, ge=1, description="Records normalized and staged per batch (bounds memory).")

    def resolved_report_dir(self) -> Path:
        return self.report_dir or self.warehouse.parent / "reports"

    def resolved_quarantine_dir(self) -> Path:
        return self.quarantine_dir or self.warehouse.parent / "quarantine"
