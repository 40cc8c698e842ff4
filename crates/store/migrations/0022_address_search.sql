-- Address search for the public map: trigram similarity (pg_trgm) over the normalised street
-- names, so "Marktpl 15" and "Lange Str" find "Marktplatz 15" and "Lange Straße".
-- pg_trgm is a trusted extension: the owner of the database may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX address_street_key_trgm ON address USING gin (street_key gin_trgm_ops);

-- What the public may see of an address: the address itself, its town and Ortsteil, its
-- position. Nothing about who lives there.
CREATE VIEW published.address AS
SELECT a.id,
       a.street,
       a.street_key,
       a.house_number,
       a.house_suffix,
       a.postcode::text AS postcode,
       a.ags::text AS ags,
       m.name AS town,
       p.district_id,
       d.name AS district,
       a.geom
  FROM address a
  JOIN municipality m ON m.ags = a.ags
  LEFT JOIN parcel p ON p.id = a.parcel_id
  LEFT JOIN district d ON d.id = p.district_id
 WHERE a.geom IS NOT NULL;
