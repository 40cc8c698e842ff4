SELECT l.id, l.name, l.kind, l.addresses, ST_Transform(l.geom, 3857) AS g
  FROM published.place_label l
 WHERE l.geom && (SELECT box FROM bounds)
