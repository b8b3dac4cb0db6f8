"""Oversight: the leaders' dashboard by department and ward, its drill-downs and exports (``dashboard``), the ward
map's boundaries (``geo``)."""
