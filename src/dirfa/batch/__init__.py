"""Many clips from one manifest: rows validated up front, rendered as Ray tasks, recorded in results.jsonl.

Sits around the pipeline: manifest.py (CSV / JSON Lines -> checked rows), run.py (Ray, resume, results).
"""

from __future__ import annotations

from dirfa.batch.manifest import COLUMNS, ManifestError, Row, load_rows
from dirfa.batch.run import RowResult, batch, plan_summary

__all__ = ["COLUMNS", "ManifestError", "Row", "RowResult", "batch", "load_rows", "plan_summary"]
