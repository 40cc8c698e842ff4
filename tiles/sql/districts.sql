SELECT d.id, d.district, d.town, d.ags, d.suppressed, d.addresses, d.buildings,
       d.dwellings, d.vacant, d.partly_vacant, d.risk, d.vacancy_rate, d.gaps,
       d.gap_area_ha, d.potential_dwellings, d.brownfields, d.forecast_5y,
       d.forecast_10y, d.last_verified::text AS last_verified,
       ST_Transform(d.geom, 3857) AS g
  FROM published.district_stats d
 WHERE d.geom && (SELECT box FROM bounds)
