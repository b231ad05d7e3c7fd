"""Fixtures of the assessment tests: the shipped frameworks loaded, helpers to build versions."""
from __future__ import annotations

import pytest


@pytest.fixture
def frameworks(world):
    """Every shipped framework installed as a published version: {code: FrameworkVersion}."""
    from ecotown.assessment import services

    services.install_shipped(None)
    from ecotown.assessment.models import FrameworkVersion

    return {v.framework.code: v for v in FrameworkVersion.objects.select_related("framework")}
