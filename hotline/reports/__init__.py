"""Supervisor reports (SPEC §7): exact metrics, league table, trends, hotspots, Excel export."""
from hotline.reports import daily, indexes  # noqa: F401  (the daily table and indexes join the metadata)
