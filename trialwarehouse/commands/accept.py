"""`trialwarehouse accept`: the curators mark findings as accepted."""

from __future__ import annotations

from trialwarehouse import warehouse
from trialwarehouse.nightly.files import acquire_writer_lock, copy_for_writing, remove_building, swap_in
from trialwarehouse.settings import Settings


def accept_findings(settings: Settings, finding_ids: list[int], note: str) -> list[int]:
    """Curators' acceptance: a small write, made like a run (lock, copy, swap) so readers
    and the nightly load are never disturbed. The copy starts from the spare and rewrites
    only the blocks that differ (`files.copy_for_writing`): one row's change costs a few
    blocks, not the warehouse."""
    live = settings.warehouse
    if not live.exists():
        raise FileNotFoundError(f"warehouse not found: {live}")
    lock = acquire_writer_lock(live)
    try:
        building, _ = copy_for_writing(live)
        con = warehouse.connect(building, memory_limit=settings.duckdb_memory_limit)
        try:
            rows = con.execute(
                "UPDATE dq_finding SET accepted_at = now(), accepted_note = ? "
                "WHERE finding_key IN (SELECT unnest(?::BIGINT[])) AND resolved_run_id IS NULL RETURNING finding_key",
                [note, finding_ids],
            ).fetchall()
        except BaseException:
            con.close()
            remove_building(building)
            raise
        swap_in(con, building, live)
        return [r[0] for r in rows]
    finally:
        lock.close()
