"""Shared helpers of the planner notebooks: settings, the API client, PostGIS queries, figures.

Every notebook starts with a papermill parameters cell (``api_url``, ``database_url``,
``out_dir``); an empty value falls back to the environment (``LEERSTAND_API_URL``,
``DATABASE_URL``, ``LEERSTAND_NOTEBOOK_OUT``) and then to the defaults of a local set-up.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import httpx
import matplotlib.pyplot as plt
import pandas as pd
import sqlalchemy

REPO = Path(__file__).resolve().parent.parent
CRS = "EPSG:25832"

DEFAULT_API_URL = "http://127.0.0.1:8080"
DEFAULT_DATABASE_URL = "postgres://leerstand:leerstand@127.0.0.1:5432/leerstand"
# The planner account `scripts/demo-data.sh` creates in the demo database.
DEFAULT_PLANNER = ("planer", "demo-planer-2025")

# One colour and legend text per verdict class: the palette of the public map
# (tiles/palette.json), the same in the served style, the web map and every notebook.
PALETTE = json.loads((REPO / "tiles" / "palette.json").read_text(encoding="utf-8"))
CLASS_COLOURS = {c: entry["colour"] for c, entry in PALETTE["classes"].items()}
CLASS_LABELS = {c: entry["en"] for c, entry in PALETTE["classes"].items()}
BUILDING_CLASSES = ["occupied", "risk", "unknown", "partly_vacant", "vacant"]
PLOT_CLASSES = ["building_gap", "vacant_building_plot", "brownfield", "underused"]


@dataclass
class Settings:
    """Where the notebook reads from and writes to."""

    name: str
    api_url: str
    database_url: str
    out_dir: Path

    @property
    def figure_dir(self) -> Path:
        return self.out_dir / self.name


def settings(name: str, api_url: str = "", database_url: str = "", out_dir: str = "") -> Settings:
    """Resolves the parameters: given value, else environment, else the local default."""
    api = api_url or os.environ.get("LEERSTAND_API_URL") or DEFAULT_API_URL
    db = database_url or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    out = Path(out_dir or os.environ.get("LEERSTAND_NOTEBOOK_OUT") or REPO / "out" / "notebooks")
    s = Settings(name=name, api_url=api.rstrip("/"), database_url=db, out_dir=out)
    s.figure_dir.mkdir(parents=True, exist_ok=True)
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 120, "axes.titleweight": "bold"})
    return s


# --- PostGIS --------------------------------------------------------------------------------

def engine(s: Settings) -> sqlalchemy.Engine:
    """A SQLAlchemy engine over psycopg 3 for the database URL (postgres:// or postgresql://)."""
    url = s.database_url
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
            break
    return sqlalchemy.create_engine(url, pool_pre_ping=True)


def query(db: sqlalchemy.Engine, sql: str, **params) -> pd.DataFrame:
    """A query with bound parameters (``:name``) as a DataFrame."""
    with db.connect() as conn:
        return pd.read_sql_query(sqlalchemy.text(sql), conn, params=params)


def query_geo(db: sqlalchemy.Engine, sql: str, geom: str = "geom", **params) -> gpd.GeoDataFrame:
    """A query with a geometry column (EPSG:25832) as a GeoDataFrame."""
    with db.connect() as conn:
        return gpd.read_postgis(sqlalchemy.text(sql), conn, geom_col=geom, params=params, crs=CRS)


# --- The API --------------------------------------------------------------------------------

def api(s: Settings) -> httpx.Client:
    """A client for the API; fails early with a clear message when the server is not ready."""
    client = httpx.Client(base_url=s.api_url, timeout=60.0)
    try:
        client.get("/ready").raise_for_status()
    except httpx.HTTPError as e:
        raise RuntimeError(f"the leerstand API at {s.api_url} is not ready ({e}); "
                           "start it with `leerstand serve` or scripts/demo-server.sh start") from e
    return client


def login(client: httpx.Client) -> None:
    """Authenticates the client for the planner routes: ``LEERSTAND_TOKEN``, else a login with
    ``LEERSTAND_PLANNER_LOGIN``/``LEERSTAND_PLANNER_PASSWORD`` (default: the demo account)."""
    token = os.environ.get("LEERSTAND_TOKEN")
    if not token:
        user = os.environ.get("LEERSTAND_PLANNER_LOGIN", DEFAULT_PLANNER[0])
        password = os.environ.get("LEERSTAND_PLANNER_PASSWORD", DEFAULT_PLANNER[1])
        r = client.post("/planner/login", json={"login": user, "password": password})
        r.raise_for_status()
        token = r.json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"


def _frame(features: list[dict]) -> gpd.GeoDataFrame:
    if not features:
        return gpd.GeoDataFrame({"id": []}, geometry=gpd.GeoSeries([], crs="EPSG:4326")).to_crs(CRS)
    gdf = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    gdf.insert(0, "id", [f.get("id") for f in features])
    return gdf.to_crs(CRS)


def collection(client: httpx.Client, collection_id: str, **filters) -> gpd.GeoDataFrame:
    """Every feature of an OGC API Features collection (following the `next` links), in
    EPSG:25832."""
    features: list[dict] = []
    url: str | None = f"/collections/{collection_id}/items"
    params: dict | None = {"limit": 1000, **filters}
    while url:
        r = client.get(url, params=params)
        r.raise_for_status()
        page = r.json()
        features += page["features"]
        url = next((l["href"] for l in page.get("links", []) if l.get("rel") == "next"), None)
        params = None  # the next link carries them
    return _frame(features)


def paged_features(client: httpx.Client, path: str, page_size: int = 1000, **params) -> gpd.GeoDataFrame:
    """Every feature of a GeoJSON listing paged by ``limit``/``offset`` (``numberMatched``)."""
    features: list[dict] = []
    offset = 0
    while True:
        r = client.get(path, params={**params, "limit": page_size, "offset": offset})
        r.raise_for_status()
        page = r.json()
        features += page["features"]
        offset += len(page["features"])
        matched = page.get("numberMatched")
        if not page["features"] or (matched is not None and offset >= matched):
            break
    return _frame(features)


# --- Figures --------------------------------------------------------------------------------

def save(s: Settings, fig: plt.Figure, name: str) -> Path:
    """Saves a figure as PNG into the notebook's output folder and returns the path."""
    path = s.figure_dir / f"{name}.png"
    fig.savefig(path, bbox_inches="tight", facecolor="white")
    print(f"figure: {path}")
    return path


def legend_handles(classes: list[str]) -> list:
    from matplotlib.patches import Patch

    return [Patch(facecolor=CLASS_COLOURS[c], edgecolor="none", label=CLASS_LABELS[c]) for c in classes]
