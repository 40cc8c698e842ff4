SELECT r.id, r.category, r.text, r.reported_on::text AS reported_on,
       ST_Transform(r.geom, 3857) AS g
  FROM published.report r
 WHERE r.geom && (SELECT box FROM bounds)
