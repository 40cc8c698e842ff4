-- Points of interest for the investor suitability of plots, from ALKIS: town centres (town
-- halls), schools and day-care centres, and shops, as buildings (Gebäudefunktion) and as
-- land-use areas (funktion). A town whose cadastre records no town hall gets the public
-- building nearest to the middle of its largest district (most addresses): settlements are
-- built around their public buildings.
WITH hall AS (
    SELECT DISTINCT p.ags
      FROM building b JOIN parcel p ON p.id = b.parcel_id
     WHERE b.function_code = 3012
), middle AS (
    SELECT DISTINCT ON (p.ags) p.ags, ST_Centroid(ST_Collect(ST_Centroid(b.geom))) AS pt
      FROM address a
      JOIN building b ON b.id = a.building_id
      JOIN parcel p ON p.id = b.parcel_id
      -- The district of the Gemarkung, not the one stored with the parcel: the run stores
      -- that while it reads.
      JOIN district d ON d.ags = p.ags AND d.gemarkung = p.gemarkung
     WHERE p.ags NOT IN (SELECT ags FROM hall WHERE ags IS NOT NULL)
     GROUP BY p.ags, d.id
     ORDER BY p.ags, count(*) DESC, d.id
), poi AS (
    SELECT CASE
             WHEN function_code = 3012 THEN 'centre'
             -- 3020–3023 Bildung und Forschung, Schulen; 3065 Kindertagesstätte
             WHEN function_code BETWEEN 3020 AND 3023 OR function_code = 3065 THEN 'school'
             -- Handel und Dienstleistungen: 1120, 1123, 2010, 2050–2059, 2310
             ELSE 'shop'
           END AS kind,
           ST_PointOnSurface(geom) AS pt
      FROM building
     WHERE function_code IN (3012, 3020, 3021, 3022, 3023, 3065, 1120, 1123, 2010, 2310)
        OR function_code BETWEEN 2050 AND 2059
    UNION ALL
    -- Fläche besonderer funktionaler Prägung 1120 Bildung und Forschung; Industrie- und
    -- Gewerbefläche 1400 Handel und Dienstleistung, 1440 Handel.
    SELECT CASE WHEN class = 'AX_FlaecheBesondererFunktionalerPraegung' THEN 'school'
                ELSE 'shop' END,
           ST_PointOnSurface(geom)
      FROM land_use
     WHERE (class = 'AX_FlaecheBesondererFunktionalerPraegung' AND function_code = 1120)
        OR (class = 'AX_IndustrieUndGewerbeflaeche' AND function_code IN (1400, 1440))
    UNION ALL
    SELECT 'centre', coalesce(x.pt, m.pt)
      FROM middle m
      LEFT JOIN LATERAL (SELECT ST_Centroid(b.geom) AS pt
                           FROM building b
                          WHERE b.function_code BETWEEN 3000 AND 3099
                          ORDER BY b.geom <-> m.pt
                          LIMIT 1) x ON true
)
SELECT kind, ST_X(pt), ST_Y(pt) FROM poi WHERE pt IS NOT NULL ORDER BY kind, 2, 3
