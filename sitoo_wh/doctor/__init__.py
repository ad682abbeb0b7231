"""`sitoo-wh doctor`: what is wrong with this installation, and how to fix it.

One check per concern — configuration, reachability, credentials (v2 and Journals v3), clock
skew, disk space, the warehouse files, the last runs — each returning a `CheckResult`.
"""

from __future__ import annotations

from sitoo_wh.doctor.model import CheckResult, Redactor, Verdict
from sitoo_wh.doctor.runner import Report, add_arguments, render_json, render_text, run, run_checks

__all__ = [
    "CheckResult",
    "Redactor",
    "Report",
    "Verdict",
    "add_arguments",
    "render_json",
    "render_text",
    "run",
    "run_checks",
]
