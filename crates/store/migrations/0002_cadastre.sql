-- Cadastre (ALKIS): municipalities, districts, parcels, buildings, addresses, land use.
-- Geometries are stored in ETRS89 / UTM 32N (EPSG:25832); areas are m² in that CRS.

CREATE TABLE municipality (
    ags       char(8) PRIMARY KEY CHECK (ags ~ '^[0-9]{8}$'),
    name      text NOT NULL CHECK (name <> ''),
    boundary  geometry(MultiPolygon, 25832)
              CHECK (boundary IS NULL OR (ST_IsValid(boundary) AND NOT ST_IsEmpty(boundary)))
);

-- Ortsteile: the core town and its villages.
CREATE TABLE district (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ags       char(8) NOT NULL REFERENCES municipality ON DELETE CASCADE,
    name      text NOT NULL CHECK (name <> ''),
    boundary  geometry(MultiPolygon, 25832)
              CHECK (boundary IS NULL OR (ST_IsValid(boundary) AND NOT ST_IsEmpty(boundary))),
    UNIQUE (ags, name)
);
CREATE INDEX district_boundary_gist ON district USING gist (boundary);

CREATE TABLE parcel (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alkis_id         char(16) NOT NULL UNIQUE CHECK (alkis_id ~ '^DE[A-Za-z0-9]{14}$'),
    -- Land(2) Gemarkung(4) Flur(3) Zähler(5) Nenner(4 or ____) Folge(2)
    kennzeichen      char(20) NOT NULL UNIQUE
                     CHECK (kennzeichen ~ '^(0[1-9]|1[0-6])[0-9]{4}[0-9]{3}[0-9]{5}([0-9]{4}|_{4})[0-9_]{2}$'
                            AND substr(kennzeichen, 3, 4) <> '0000'
                            AND substr(kennzeichen, 10, 5) <> '00000'
                            AND substr(kennzeichen, 15, 4) <> '0000'),
    -- The parts, derived from the key so they can never disagree with it. The guard leaves
    -- them NULL for a malformed key, so the CHECK above reports it instead of a cast error.
    gemarkung        smallint GENERATED ALWAYS AS
                     (CASE WHEN kennzeichen ~ '^[0-9]{14}' THEN substr(kennzeichen, 3, 4)::smallint END) STORED,
    flur             smallint GENERATED ALWAYS AS
                     (CASE WHEN kennzeichen ~ '^[0-9]{14}' THEN substr(kennzeichen, 7, 3)::smallint END) STORED,
    zaehler          integer GENERATED ALWAYS AS
                     (CASE WHEN kennzeichen ~ '^[0-9]{14}' THEN substr(kennzeichen, 10, 5)::integer END) STORED,
    nenner           smallint GENERATED ALWAYS AS
                     (CASE WHEN substr(kennzeichen, 15, 4) ~ '^[0-9]{4}$' THEN substr(kennzeichen, 15, 4)::smallint END) STORED,
    ags              char(8) REFERENCES municipality,
    district_id      bigint REFERENCES district ON DELETE SET NULL,
    official_area_m2 double precision NOT NULL CHECK (official_area_m2 > 0 AND official_area_m2 < 'Infinity'),
    geom             geometry(MultiPolygon, 25832) NOT NULL
                     CHECK (NOT ST_IsEmpty(geom) AND ST_IsValid(geom)),
    -- Dominant actual land use (NAS class name, e.g. AX_Wohnbauflaeche), set after import.
    land_use         text CHECK (land_use ~ '^AX_[A-Za-z]+$'),
    valid_from       timestamptz,
    import_batch_id  bigint REFERENCES import_batch
);
CREATE INDEX parcel_geom_gist ON parcel USING gist (geom);
CREATE INDEX parcel_ags_idx ON parcel (ags);

CREATE TABLE building (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alkis_id         char(16) NOT NULL UNIQUE CHECK (alkis_id ~ '^DE[A-Za-z0-9]{14}$'),
    -- ALKIS Gebäudefunktion, e.g. 1000 Wohngebäude, 2463 Garage
    function_code    smallint NOT NULL CHECK (function_code BETWEEN 1000 AND 9999),
    storeys          smallint CHECK (storeys BETWEEN 0 AND 99),
    dwellings        smallint CHECK (dwellings BETWEEN 0 AND 9999),
    geom             geometry(MultiPolygon, 25832) NOT NULL
                     CHECK (NOT ST_IsEmpty(geom) AND ST_IsValid(geom)),
    parcel_id        bigint REFERENCES parcel ON DELETE SET NULL,
    valid_from       timestamptz,
    import_batch_id  bigint REFERENCES import_batch
);
CREATE INDEX building_geom_gist ON building USING gist (geom);
CREATE INDEX building_parcel_idx ON building (parcel_id);

CREATE TABLE address (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alkis_id         char(16) UNIQUE CHECK (alkis_id ~ '^DE[A-Za-z0-9]{14}$'),
    ags              char(8) REFERENCES municipality,
    street           text NOT NULL CHECK (street <> ''),
    -- Normalised street for matching register rows ("Hauptstr." = "Hauptstraße").
    street_key       text NOT NULL CHECK (street_key <> ''),
    house_number     integer NOT NULL CHECK (house_number BETWEEN 1 AND 99999),
    house_suffix     text NOT NULL DEFAULT '' CHECK (house_suffix ~ '^[a-z0-9]{0,4}$'),
    postcode         char(5) CHECK (postcode ~ '^[0-9]{5}$'),
    geom             geometry(Point, 25832) CHECK (geom IS NULL OR NOT ST_IsEmpty(geom)),
    building_id      bigint REFERENCES building ON DELETE SET NULL,
    parcel_id        bigint REFERENCES parcel ON DELETE SET NULL,
    import_batch_id  bigint REFERENCES import_batch,
    UNIQUE NULLS NOT DISTINCT (ags, street_key, house_number, house_suffix)
);
CREATE INDEX address_geom_gist ON address USING gist (geom);
CREATE INDEX address_building_idx ON address (building_id);

-- Actual land use (tatsächliche Nutzung).
CREATE TABLE land_use (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alkis_id         char(16) NOT NULL UNIQUE CHECK (alkis_id ~ '^DE[A-Za-z0-9]{14}$'),
    class            text NOT NULL CHECK (class ~ '^AX_[A-Za-z]+$'),
    function_code    smallint CHECK (function_code BETWEEN 0 AND 9999),
    geom             geometry(MultiPolygon, 25832) NOT NULL
                     CHECK (NOT ST_IsEmpty(geom) AND ST_IsValid(geom)),
    import_batch_id  bigint REFERENCES import_batch
);
CREATE INDEX land_use_geom_gist ON land_use USING gist (geom);

-- Owners are private: this table never reaches a public endpoint.
CREATE TABLE parcel_owner (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parcel_id  bigint NOT NULL REFERENCES parcel ON DELETE CASCADE,
    name       text NOT NULL CHECK (name <> ''),
    contact    text,
    UNIQUE (parcel_id, name)
);
