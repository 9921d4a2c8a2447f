"""The funder report: every figure computed from the raw records of a period, never stored,
each with the ids of the records behind it (see docs/report.md)."""
