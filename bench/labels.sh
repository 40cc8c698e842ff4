#!/usr/bin/env bash
# Size of the label layers' tiles (place_labels, street_labels, house_numbers) at z14–z16:
# every tile that holds an address, rendered from the published views the way the tile
# layers read them (tiles/sql/*_labels.sql, house_numbers.sql), without the other layers.
# Prints per zoom the tiles, the mean and the largest label tile (raw MVT bytes, before
# gzip) and which tile that is. The label tiles should stay well below 500 KB raw.
#
#   bench/labels.sh                      # the database of bench/tiles.sh at scale 20
#   DATABASE_URL=postgres://… bench/labels.sh   # any imported and analysed database
#
# The place and street labels are refreshed before each analysis run; the database must
# have had one (bench/tiles.sh leaves one; so does scripts/demo-data.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=${SCALE:-20}
URL=${DATABASE_URL:-postgres://leerstand:leerstand@127.0.0.1:5432/leerstand_bench_tiles_$SCALE}

psql "$URL" -qAtX -v ON_ERROR_STOP=1 -F ' ' <<'SQL' |
WITH pts AS (
    SELECT ST_Transform(geom, 3857) AS p FROM address WHERE geom IS NOT NULL
),
tiles AS (
    SELECT DISTINCT z,
           floor((ST_X(p) + 20037508.342789244) / (40075016.68557849 / 2 ^ z))::int AS x,
           floor((20037508.342789244 - ST_Y(p)) / (40075016.68557849 / 2 ^ z))::int AS y
      FROM pts, generate_series(14, 16) z
),
env AS (
    SELECT z, x, y, ST_TileEnvelope(z, x, y) AS tile,
           ST_Transform(ST_Segmentize(ST_TileEnvelope(z, x, y, margin => 0.015625), 100), 25832) AS box
      FROM tiles
),
sized AS (
    SELECT e.z, e.x, e.y,
           length(coalesce((SELECT ST_AsMVT(s, 'place_labels', 4096, 'geom', 'id')
                              FROM (SELECT l.id, l.name, l.kind, l.addresses,
                                           ST_AsMVTGeom(ST_Transform(l.geom, 3857), e.tile, 4096, 64, true) AS geom
                                      FROM published.place_label l WHERE l.geom && e.box) s), ''))
         + length(coalesce((SELECT ST_AsMVT(s, 'street_labels', 4096, 'geom', 'id')
                              FROM (SELECT l.id, l.name,
                                           ST_AsMVTGeom(ST_Transform(l.geom, 3857), e.tile, 4096, 64, true) AS geom
                                      FROM published.street_label l WHERE l.geom && e.box) s), ''))
         + CASE WHEN e.z >= 16 THEN
             length(coalesce((SELECT ST_AsMVT(s, 'house_numbers', 4096, 'geom', 'id')
                                FROM (SELECT h.id, h.number,
                                             ST_AsMVTGeom(ST_Transform(h.geom, 3857), e.tile, 4096, 64, true) AS geom
                                        FROM published.house_number h WHERE h.geom && e.box) s), ''))
           ELSE 0 END AS bytes
      FROM env e
)
SELECT z, count(*), round(avg(bytes)), max(bytes),
       (array_agg(z || '/' || x || '/' || y ORDER BY bytes DESC))[1]
  FROM sized GROUP BY z ORDER BY z;
SQL
  while read -r z n mean max at; do
    printf 'z%-3s %7s tiles   mean %7s B   largest %8s B (%s)\n' "$z" "$n" "$mean" "$max" "$at"
  done
