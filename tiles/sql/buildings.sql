SELECT ('x' || left(md5(g.id), 15))::bit(60)::bigint AS id,
       g.id AS alkis_id, g.function_code::int AS function_code,
       ST_Transform(g.geom, 3857) AS g
  FROM published.building g
 WHERE g.geom && (SELECT box FROM bounds)
