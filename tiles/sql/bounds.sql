-- A tile of a tileset is one query: this CTE, one CTE per layer drawn at the tile's zoom
-- (`l0`, `l1`, … from the other files of this folder: their rows clipped to the tile by
-- ST_AsMVTGeom and wrapped in ST_AsMVT), and their concatenation. The server renders a block
-- of tiles at once instead (block_bounds.sql); this single-tile form serves exports. Only layers of the zoom are in the query, so a prepared statement per zoom
-- band plans once and every layer's plan can start from the spatial index.
-- $1 = z, $2 = x, $3 = y (XYZ scheme).
--
-- Geometries are stored in EPSG:25832 and drawn in EPSG:3857. The index filter is the tile's
-- envelope widened by the clip buffer (64 of 4096 units), cut to the window the data can lie
-- in (lon 0–20°, lat 44–58°: reprojecting a world-sized box into UTM means nothing),
-- densified so its edges stay covering once curved, and transformed to EPSG:25832. Layers use
-- `(SELECT box FROM bounds)`, a parameter to the planner rather than one more relation to
-- join, so the views of schema `published` are flattened and driven by their GiST indexes.
-- Feature ids: the integer key where a view has one, else the first 60 bits of the MD5 of
-- the ALKIS id (stable across runs; the ALKIS id itself is a property).
bounds AS (
    SELECT tile, ST_Transform(ST_Segmentize(clip, (ST_XMax(clip) - ST_XMin(clip)) / 4), 25832) AS box
      FROM (SELECT ST_TileEnvelope($1, $2, $3) AS tile,
                   ST_ClipByBox2D(ST_TileEnvelope($1, $2, $3, margin => 0.015625),
                                  ST_MakeEnvelope(0, 5465442.18, 2226389.82, 7967317.54, 3857)) AS clip) e
     WHERE NOT ST_IsEmpty(clip)
)
