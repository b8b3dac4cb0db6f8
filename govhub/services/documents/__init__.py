"""Documents: drafts routed through review and signature (``workflow``), route templates as data
(``route_templates``), numbering registers (``registers``), the signer interface (``signing``)."""
