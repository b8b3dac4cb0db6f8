"""Oversight: the leaders' dashboard by department and ward, its drill-downs and exports (``dashboard``), the ward
map's boundaries (``geo``)."""

from govhub.services.oversight.dashboard import Board, Filters, Scope, TrendPoint, UnitStat, UnitTasks, access_dashboard

__all__ = [
    "Board", "Filters", "Scope", "TrendPoint", "UnitStat", "UnitTasks", "access_dashboard",
]
