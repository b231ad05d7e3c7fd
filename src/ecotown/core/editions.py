"""Which reference data files (see `ecotown.calc.reference`) each kind of result is computed with.

A result records `core.services.reference_provenance(<these names>)`; pages show it with the
template `_reference_editions.html`."""
from __future__ import annotations

INVENTORY = ("activity_catalogue", "conversions", "blends", "gwp_extra")
ASSESSMENT = ("kpi_definitions", "activity_catalogue")
