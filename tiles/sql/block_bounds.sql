-- A block of tiles in one query (what the server renders on a cache miss): `sub`, the tiles
-- of the block, and `bounds`, the index filter of the whole block; then per layer drawn at the
-- zoom its rows over the block (`f0`, `f1`, …, read once), their clipped share of each tile
-- (`l0`, `l1`, … grouped by tile), and per tile the concatenation of its layers.
-- $1 = z, $2 = x, $3 = y of the block's first tile (multiples of the block size {block});
-- the block is the tile ($1 − {levels}, $2 / {block}, $3 / {block}).
--
-- `clip` is each tile's envelope widened by the clip buffer (64 of 4096 units): a feature
-- goes to every tile whose buffered envelope it touches, as a single-tile query would find
-- it. The block's filter is built as in bounds.sql, its margin the same 64 units of a tile,
-- and densified as finely per tile.
sub AS (
    SELECT dx, dy, ST_TileEnvelope($1, $2 + dx, $3 + dy) AS tile,
           ST_TileEnvelope($1, $2 + dx, $3 + dy, margin => 0.015625) AS clip
      FROM generate_series(0, {last}) dx, generate_series(0, {last}) dy
),
bounds AS (
    SELECT ST_Transform(ST_Segmentize(clip, (ST_XMax(clip) - ST_XMin(clip)) / (4 * {block})), 25832) AS box
      FROM (SELECT ST_ClipByBox2D(ST_TileEnvelope($1 - {levels}, $2 / {block}, $3 / {block},
                                                  margin => 0.015625 / {block}),
                                  ST_MakeEnvelope(0, 5465442.18, 2226389.82, 7967317.54, 3857)) AS clip) e
     WHERE NOT ST_IsEmpty(clip)
)
