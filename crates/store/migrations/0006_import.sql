-- Importers: the ALKIS street catalogue (AX_LagebezeichnungKatalogeintrag), so update
-- deliveries that name a street only by its key can still be resolved to the street name.
CREATE TABLE street_catalogue (
    ags              char(8) NOT NULL CHECK (ags ~ '^[0-9]{8}$'),
    -- Straßenschlüssel (lage), 5 characters in ALKIS
    lage             text NOT NULL CHECK (lage ~ '^[0-9A-Za-z]{1,8}$'),
    name             text NOT NULL CHECK (name <> ''),
    street_key       text NOT NULL CHECK (street_key <> ''),
    alkis_id         char(16) UNIQUE CHECK (alkis_id ~ '^DE[A-Za-z0-9]{14}$'),
    import_batch_id  bigint REFERENCES import_batch,
    PRIMARY KEY (ags, lage)
);

-- Finished batches are looked up by checksum to make a repeated import a no-op.
CREATE INDEX import_batch_finished_idx ON import_batch (kind, checksum) WHERE finished_at IS NOT NULL;
