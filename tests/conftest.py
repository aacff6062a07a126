import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PAPERRADAR_SHARED", ROOT.parent / "shared"))
SEEDS = SHARED / "seeds"
FIXTURES = SHARED / "fixtures"
DATA = SHARED / "data"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared test data missing: {path}")
    return path


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "radar.db"


@pytest.fixture
def store(db_path):
    from paperradar.store import open_store

    s = open_store(str(db_path))
    yield s
    s.close()
