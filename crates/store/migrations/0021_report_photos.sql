-- Photos of citizen reports, and the nearest address to a point for the report form.
--
-- A photo is stored as the server re-encoded it (JPEG, longest side at most 1600 px, no
-- metadata), in the database beside its report: it is written in the report's transaction,
-- goes with the database's backups, is shared by every server on the database and leaves
-- with its report. Nothing of it lies under the web root.
CREATE TABLE citizen_report_photo (
    report_id   bigint NOT NULL REFERENCES citizen_report ON DELETE CASCADE,
    position    smallint NOT NULL CHECK (position BETWEEN 1 AND 3),
    media_type  text NOT NULL CHECK (media_type = 'image/jpeg'),
    width       integer NOT NULL CHECK (width BETWEEN 1 AND 1600),
    height      integer NOT NULL CHECK (height BETWEEN 1 AND 1600),
    image       bytea NOT NULL CHECK (octet_length(image) BETWEEN 1 AND 4194304),
    PRIMARY KEY (report_id, position)
);
-- JPEG does not compress further: keep it out of line without trying.
ALTER TABLE citizen_report_photo ALTER COLUMN image SET STORAGE EXTERNAL;

-- The public reads of both go through schema `published`, as functions, not views: they
-- answer one question each (one photo, one address) and are no layer of the map.

-- A photo of an approved report (`published.report`); nothing for a pending, rejected or
-- duplicate one.
CREATE FUNCTION published.report_photo(report bigint, n smallint)
RETURNS TABLE (media_type text, image bytea)
LANGUAGE sql STABLE AS $$
    SELECT p.media_type, p.image
      FROM citizen_report_photo p
      JOIN published.report r ON r.id = p.report_id
     WHERE p.report_id = report AND p.position = n
$$;

-- The positions of the photos of an approved report.
CREATE FUNCTION published.report_photo_positions(report bigint)
RETURNS SETOF smallint
LANGUAGE sql STABLE AS $$
    SELECT p.position
      FROM citizen_report_photo p
      JOIN published.report r ON r.id = p.report_id
     WHERE p.report_id = report
     ORDER BY p.position
$$;

-- The ALKIS address (open data) nearest to a WGS 84 point within `max_m` metres: street,
-- house number with suffix, town and distance. Nothing about who lives there.
CREATE FUNCTION published.nearest_address(lon float8, lat float8, max_m float8)
RETURNS TABLE (street text, house_number text, town text, distance_m float8)
LANGUAGE sql STABLE AS $$
    WITH pt AS (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 25832) AS g)
    SELECT a.street, a.house_number::text || a.house_suffix, m.name,
           ST_Distance(a.geom, pt.g)
      FROM address a
      JOIN municipality m ON m.ags = a.ags, pt
     WHERE a.geom IS NOT NULL AND ST_DWithin(a.geom, pt.g, max_m)
     ORDER BY a.geom <-> pt.g, a.id
     LIMIT 1
$$;
