-- Inputs of the analysis: Gemarkung names (districts are Gemarkungen), the state of
-- commercial land (ALKIS zustand, 2100 = out of operation), and districts keyed by Gemarkung.

CREATE TABLE gemarkung (
    land     smallint NOT NULL CHECK (land BETWEEN 1 AND 16),
    nummer   smallint NOT NULL CHECK (nummer BETWEEN 1 AND 9999),
    name     text NOT NULL CHECK (name <> ''),
    PRIMARY KEY (land, nummer)
);

ALTER TABLE land_use ADD COLUMN zustand smallint CHECK (zustand BETWEEN 0 AND 9999);

ALTER TABLE district ADD COLUMN gemarkung smallint CHECK (gemarkung BETWEEN 1 AND 9999);
ALTER TABLE district ADD CONSTRAINT district_ags_gemarkung_key UNIQUE (ags, gemarkung);
CREATE INDEX parcel_ags_gemarkung_idx ON parcel (ags, gemarkung);

-- The four towns of the alliance (Destatis Gemeindeverzeichnis 31.12.2019).
INSERT INTO municipality (ags, name) VALUES
    ('16068051', 'Sömmerda'),
    ('16068063', 'Buttstädt'),
    ('16068064', 'Kindelbrück'),
    ('16068053', 'Straußfurt')
ON CONFLICT (ags) DO NOTHING;
