"""Overdue accountability (逾期追责): one record per missed deadline, explained and decided."""
