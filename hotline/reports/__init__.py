"""Supervisor reports (SPEC §7): exact metrics, league table, trends, hotspots, Excel export."""
from hotline.reports import indexes  # noqa: F401  (the report indexes join the model metadata)
