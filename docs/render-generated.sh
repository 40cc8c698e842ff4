#!/usr/bin/env bash
# Draws docs/generated-kindelbrueck.png: the core of Kindelbrück as `leerstand generate`
# makes it (seed 1, scale 1): land use, parcel boundaries, buildings coloured by their true
# state (dark grey occupied, orange partly vacant, red vacant, light grey no dwellings).
# Needs gdal-bin; writes only to a temp dir and the PNG.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cargo build --release -q -p cli
RUST_LOG=warn target/release/leerstand generate --out "$WORK/data" --seed 1 --scale 1 >/dev/null

# Kindelbrück's centroid (lon 11.0897, lat 51.2597) in EPSG:25832; the core is built around
# it, and the picture frames the addresses of the core.
read -r CX CY < <(echo '{"type":"Point","coordinates":[11.0897,51.2597]}' > "$WORK/c.geojson" &&
  ogr2ogr -f CSV /vsistdout/ "$WORK/c.geojson" -t_srs EPSG:25832 -lco GEOMETRY=AS_XY |
  awk -F, 'NR == 2 { printf "%d %d\n", $1, $2 }')
ogr2ogr -f GPKG "$WORK/a.gpkg" "$WORK/data/alkis.gpkg" addresses -where "ags = '16068064'" \
  -spat $((CX - 800)) $((CY - 800)) $((CX + 800)) $((CY + 800))
TE=$(ogrinfo -ro -so "$WORK/a.gpkg" addresses | awk -F'[(), -]+' '/^Extent/ {
  cx = ($2 + $4) / 2; cy = ($3 + $5) / 2; h = ($4 - $2 > $5 - $3 ? $4 - $2 : $5 - $3) / 2 + 80;
  printf "%d %d %d %d", cx - h, cy - h, cx + h, cy + h }')

G="$WORK/w.gpkg"
ogr2ogr -f GPKG "$G" "$WORK/data/alkis.gpkg" -spat $TE
ogr2ogr -append -f GPKG "$G" "$WORK/data/truth.csv" -nln truth
ogr2ogr -update -f GPKG "$G" "$G" -nln parcel_lines -nlt MULTILINESTRING -sql "SELECT * FROM parcels"
ogr2ogr -update -f GPKG "$G" "$G" -nln classified -dialect SQLite -sql \
  "SELECT b.geom, COALESCE(t.class, 'none') AS class FROM buildings b LEFT JOIN truth t ON t.alkis_id = b.alkis_id"

R="$WORK/r.tif"
# A new three-band raster: one band per burn value.
gdal_rasterize -q -init 255 -burn 250 -burn 250 -burn 250 -te $TE -tr 0.65 0.65 -ot Byte -of GTiff \
  -l land_use "$G" "$R"
burn() { # layer where r g b
  gdal_rasterize -q -l "$1" -where "$2" -b 1 -b 2 -b 3 -burn "$3" -burn "$4" -burn "$5" "$G" "$R"
}
burn land_use "class = 'AX_Landwirtschaft'" 236 240 205
burn land_use "class IN ('AX_Wald', 'AX_Gehoelz')" 190 218 175
burn land_use "class IN ('AX_Wohnbauflaeche', 'AX_FlaecheGemischterNutzung')" 252 236 222
burn land_use "class = 'AX_IndustrieUndGewerbeflaeche'" 228 220 236
burn land_use "class IN ('AX_Friedhof', 'AX_SportFreizeitUndErholungsflaeche')" 205 232 200
burn land_use "class = 'AX_FlaecheBesondererFunktionalerPraegung'" 240 225 210
burn land_use "class IN ('AX_Strassenverkehr', 'AX_Weg', 'AX_Platz')" 255 255 255
burn land_use "class IN ('AX_StehendesGewaesser', 'AX_Fliessgewaesser')" 170 210 240
burn parcel_lines "1 = 1" 150 150 150
burn classified "class = 'none'" 190 190 190
burn classified "class IN ('occupied', 'risk')" 80 80 80
burn classified "class = 'partly_vacant'" 240 150 30
burn classified "class = 'vacant'" 220 30 30
gdal_translate -q -of PNG --config GDAL_PAM_ENABLED NO -outsize 1600 1600 "$R" docs/generated-kindelbrueck.png
echo "wrote docs/generated-kindelbrueck.png" >&2
