"""Shared fixtures: the sample edition built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sources" / "2025-01-07-fengtai-lianghui"


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory):
    """(display list, job, output folder) of the sample edition, PDFs written."""
    from pipeline.build import build_pdf, prepare

    out = tmp_path_factory.mktemp("sample-out")
    display = build_pdf(str(SAMPLE), str(out))
    return display, prepare(str(SAMPLE), str(out)), out
