SELECT l.id, l.name, ST_Transform(l.geom, 3857) AS g
  FROM published.street_label l
 WHERE l.geom && (SELECT box FROM bounds)
