SELECT ('x' || left(md5(g.id), 15))::bit(60)::bigint AS id,
       g.id AS alkis_id, g.function_code::int AS function_code,
       ST_AsMVTGeom(ST_Transform(g.geom, 3857), (SELECT tile FROM bounds), 4096, 64, true) AS geom
  FROM published.building g
 WHERE g.geom && (SELECT box FROM bounds)
