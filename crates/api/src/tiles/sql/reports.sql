SELECT r.id, r.category, r.text, r.reported_on::text AS reported_on,
       ST_AsMVTGeom(ST_Transform(r.geom, 3857), (SELECT tile FROM bounds), 4096, 64, true) AS geom
  FROM published.report r
 WHERE r.geom && (SELECT box FROM bounds)
