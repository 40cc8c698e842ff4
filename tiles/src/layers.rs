//! The public layers, each written once: which view of schema `published` a layer reads,
//! every column of that view with its type, which columns the OGC API collection shows and
//! which reach the vector tile, and the classes a layer holds. The collections of `api`
//! (features and OpenAPI), the tile layers' fields and the TileJSON `vector_layers` derive
//! from [`PUBLIC_LAYERS`]; a database test compares it with the views' catalogue.

use model::VacancyClass;

/// The type of a view column, as the public documents describe it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Integer,
    Number,
    Boolean,
    /// A date (shown as ISO text).
    Date,
    /// JSON (not shown).
    Json,
    /// The geometry (EPSG:25832), never a property.
    Geometry,
}

impl Kind {
    /// The JSON schema type of a feature property.
    pub fn json_schema(self) -> &'static str {
        match self {
            Kind::Text | Kind::Date => "string",
            Kind::Integer => "integer",
            Kind::Number => "number",
            Kind::Boolean => "boolean",
            Kind::Json => "object",
            Kind::Geometry => "geometry",
        }
    }

    /// The TileJSON type of a tile field.
    pub fn tilejson(self) -> &'static str {
        match self {
            Kind::Integer | Kind::Number => "Number",
            Kind::Boolean => "Boolean",
            _ => "String",
        }
    }

    /// The `information_schema.columns.data_type` values a view column of this kind has.
    pub fn data_types(self) -> &'static [&'static str] {
        match self {
            Kind::Text => &["text", "character varying"],
            Kind::Integer => &["integer", "smallint", "bigint"],
            Kind::Number => &["double precision", "real", "numeric"],
            Kind::Boolean => &["boolean"],
            Kind::Date => &["date"],
            Kind::Json => &["jsonb", "json"],
            Kind::Geometry => &["USER-DEFINED"],
        }
    }
}

/// One column of a published view.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    /// Shown as a property of the OGC API collection (the view's `id` is the feature id).
    pub feature: bool,
    /// The field name in the tile, when the column reaches the tile.
    pub tile: Option<&'static str>,
}

/// A column shown by both the collection and the tile, under its own name.
const fn col(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        feature: true,
        tile: Some(name),
    }
}

impl Column {
    /// Only in the collection (too long or too private for every tile).
    const fn feature_only(self) -> Self {
        Column { tile: None, ..self }
    }

    /// Only in the tile.
    const fn tile_only(self) -> Self {
        Column {
            feature: false,
            ..self
        }
    }

    /// In neither: the feature id, the geometry, or a column for other readers.
    const fn hidden(self) -> Self {
        Column {
            feature: false,
            tile: None,
            ..self
        }
    }

    /// In the tile under another name (the tile's feature id is a number, so a text id
    /// travels as a property).
    const fn tile_as(self, field: &'static str) -> Self {
        Column {
            tile: Some(field),
            ..self
        }
    }
}

/// One public layer: an OGC API collection and/or a tile layer over one published view.
#[derive(Debug)]
pub struct PublicLayer {
    /// The OGC API collection id, if the layer is a collection.
    pub collection: Option<&'static str>,
    /// The collection's title and description (the tile layer has its own, in the tileset).
    pub title: &'static str,
    pub description: &'static str,
    /// The layer id in the vector tiles, if the layer is drawn.
    pub tile_layer: Option<&'static str>,
    /// The view read, in schema `published`.
    pub view: &'static str,
    /// A fixed condition on the view's rows, or "true".
    pub condition: &'static str,
    /// Every column of the view, in the view's order.
    pub columns: &'static [Column],
    /// The classes of the layer's `class` column, in legend order (empty: none).
    pub classes: &'static [VacancyClass],
}

impl PublicLayer {
    /// The collection's properties: (column, JSON schema type).
    pub fn properties(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.columns
            .iter()
            .filter(|c| c.feature)
            .map(|c| (c.name, c.kind.json_schema()))
    }

    /// The tile's fields: (field, TileJSON type).
    pub fn fields(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.columns
            .iter()
            .filter_map(|c| c.tile.map(|field| (field, c.kind.tilejson())))
    }

    /// The class names, as the data carry them.
    pub fn class_names(&self) -> Vec<&'static str> {
        self.classes.iter().map(|c| c.as_str()).collect()
    }
}

/// The layer shown as OGC API collection `id`.
pub fn collection(id: &str) -> Option<&'static PublicLayer> {
    PUBLIC_LAYERS.iter().find(|l| l.collection == Some(id))
}

/// The layer drawn as tile layer `id`.
pub fn tile_layer(id: &str) -> Option<&'static PublicLayer> {
    PUBLIC_LAYERS.iter().find(|l| l.tile_layer == Some(id))
}

use Kind::*;

const OFFER_COLUMNS: &[Column] = &[
    col("id", Integer).hidden(),
    col("kind", Text),
    col("title", Text),
    col("description", Text).feature_only(),
    col("price_eur", Number),
    col("zoning_note", Text).feature_only(),
    col("parcel", Text).tile_as("alkis_id"),
    col("area_m2", Number),
    col("land_use", Text),
    col("ags", Text),
    col("town", Text),
    col("district", Text),
    col("updated_on", Date),
    col("geom", Geometry).hidden(),
];

/// The public layers, in the order of the collections list.
pub const PUBLIC_LAYERS: &[PublicLayer] = &[
    PublicLayer {
        collection: Some("vacancy"),
        title: "Leerstand",
        description: "Vacant and partly vacant buildings whose publication is allowed \
                      (owner consent or § 200 (3) BauGB notice without objection).",
        tile_layer: Some("vacancy"),
        view: "published.vacancy",
        condition: "true",
        columns: &[
            col("id", Text).hidden().tile_as("alkis_id"),
            col("class", Text),
            col("ags", Text),
            col("town", Text),
            col("district", Text),
            col("last_verified", Date),
            col("geom", Geometry).hidden(),
        ],
        classes: &[VacancyClass::Vacant, VacancyClass::PartlyVacant],
    },
    PublicLayer {
        collection: Some("plots"),
        title: "Baulücken und Brachen",
        description: "Building gaps, brownfields, underused plots and plots of vacant \
                      buildings whose publication is allowed.",
        tile_layer: Some("plots"),
        view: "published.plot",
        condition: "true",
        columns: &[
            col("id", Text).hidden().tile_as("alkis_id"),
            col("kennzeichen", Text),
            col("class", Text),
            col("area_m2", Number),
            col("land_use", Text),
            col("ags", Text),
            col("town", Text),
            col("district", Text),
            col("last_verified", Date),
            col("geom", Geometry).hidden(),
            // For the plot search of the API, not for the map.
            col("suitability", Number).hidden(),
            col("suitability_parts", Json).hidden(),
            // The land value of the plot's zone (Bodenrichtwert), for the plot's detail.
            col("land_value_eur_m2", Number).hidden(),
            col("land_value_date", Date).hidden(),
            col("land_value_use", Text).hidden(),
            col("land_value_zone", Text).hidden(),
        ],
        classes: &[
            VacancyClass::BuildingGap,
            VacancyClass::VacantBuildingPlot,
            VacancyClass::Brownfield,
            VacancyClass::Underused,
        ],
    },
    PublicLayer {
        collection: Some("offers"),
        title: "Angebote",
        description: "Plots and buildings on offer for sale or lease.",
        tile_layer: Some("offers"),
        view: "published.offer",
        condition: "kind <> 'interim_use'",
        columns: OFFER_COLUMNS,
        classes: &[],
    },
    PublicLayer {
        collection: Some("teilkultur"),
        title: "Teilkultur",
        description: "Interim-use offers: vacant spaces for clubs, artists and start-ups.",
        tile_layer: Some("teilkultur"),
        view: "published.offer",
        condition: "kind = 'interim_use'",
        columns: OFFER_COLUMNS,
        classes: &[],
    },
    PublicLayer {
        collection: Some("reports"),
        title: "Meldungen",
        description: "Moderated citizen reports, with the moderator's text only.",
        tile_layer: Some("reports"),
        view: "published.report",
        condition: "true",
        columns: &[
            col("id", Integer).hidden(),
            col("category", Text),
            col("text", Text),
            col("reported_on", Date),
            col("geom", Geometry).hidden(),
        ],
        classes: &[],
    },
    PublicLayer {
        collection: Some("districts"),
        title: "Ortsteile",
        description: "Figures per district from the latest analysis; withheld (suppressed) \
                      where a district has fewer than five addresses.",
        tile_layer: Some("districts"),
        view: "published.district_stats",
        condition: "true",
        columns: &[
            col("id", Integer).hidden(),
            col("district", Text),
            col("ags", Text),
            col("town", Text),
            col("suppressed", Boolean),
            col("addresses", Integer),
            col("buildings", Integer),
            col("dwellings", Integer),
            col("vacant", Integer),
            col("partly_vacant", Integer),
            col("risk", Integer),
            col("vacancy_rate", Number),
            col("gaps", Integer),
            col("gap_area_ha", Number),
            col("potential_dwellings", Number),
            col("brownfields", Integer),
            col("forecast_5y", Number),
            col("forecast_10y", Number),
            col("last_verified", Date),
            col("geom", Geometry).hidden(),
        ],
        classes: &[],
    },
    PublicLayer {
        collection: Some("parcels"),
        title: "Flurstücke",
        description: "The cadastral parcels (ALKIS open data): shape and key only.",
        tile_layer: Some("parcels"),
        view: "published.parcel",
        condition: "true",
        columns: &[
            col("id", Text).hidden().tile_as("alkis_id"),
            col("kennzeichen", Text),
            col("ags", Text).feature_only(),
            col("geom", Geometry).hidden(),
        ],
        classes: &[],
    },
    PublicLayer {
        collection: None,
        title: "Gebäude",
        description: "Buildings of the cadastre; a tile layer only.",
        tile_layer: Some("buildings"),
        view: "published.building",
        condition: "true",
        columns: &[
            col("id", Text).hidden().tile_as("alkis_id"),
            col("function_code", Integer).tile_only(),
            col("geom", Geometry).hidden(),
        ],
        classes: &[],
    },
    PublicLayer {
        collection: None,
        title: "Orte",
        description: "The names of the towns and their Ortsteile, at the centre of their \
                      addresses; a tile layer only.",
        tile_layer: Some("place_labels"),
        view: "published.place_label",
        condition: "true",
        columns: &[
            col("id", Integer).hidden(),
            col("name", Text).tile_only(),
            col("kind", Text).tile_only(),
            col("ags", Text).hidden(),
            col("addresses", Integer).tile_only(),
            col("geom", Geometry).hidden(),
        ],
        classes: &[],
    },
    PublicLayer {
        collection: None,
        title: "Straßennamen",
        description: "One line per street to carry its name; a tile layer only.",
        tile_layer: Some("street_labels"),
        view: "published.street_label",
        condition: "true",
        columns: &[
            col("id", Integer).hidden(),
            col("name", Text).tile_only(),
            col("ags", Text).hidden(),
            col("geom", Geometry).hidden(),
        ],
        classes: &[],
    },
    PublicLayer {
        collection: None,
        title: "Hausnummern",
        description: "House numbers at the address points; a tile layer only.",
        tile_layer: Some("house_numbers"),
        view: "published.house_number",
        condition: "true",
        columns: &[
            col("id", Integer).hidden(),
            col("number", Text).tile_only(),
            col("geom", Geometry).hidden(),
        ],
        classes: &[],
    },
];

/// Public views that other public routes read, neither a collection nor a tile layer; listed
/// with their columns like the layers, so that the same database test ties them to the
/// views' catalogue.
pub const OTHER_PUBLIC_VIEWS: &[PublicLayer] = &[PublicLayer {
    collection: None,
    title: "Adressen",
    description: "The ALKIS addresses the address search (`/search/addresses`) reads; \
                      neither a collection nor a tile layer.",
    tile_layer: None,
    view: "published.address",
    condition: "true",
    columns: &[
        col("id", Integer).hidden(),
        col("street", Text).hidden(),
        col("street_key", Text).hidden(),
        col("house_number", Integer).hidden(),
        col("house_suffix", Text).hidden(),
        col("postcode", Text).hidden(),
        col("ags", Text).hidden(),
        col("town", Text).hidden(),
        col("district_id", Integer).hidden(),
        col("district", Text).hidden(),
        col("geom", Geometry).hidden(),
    ],
    classes: &[],
}];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layer_reads_a_published_view_and_is_shown_somewhere() {
        for l in PUBLIC_LAYERS {
            assert!(l.view.starts_with("published."), "{}", l.view);
            assert!(
                l.collection.is_some() || l.tile_layer.is_some(),
                "{}",
                l.view
            );
            for c in l.columns {
                assert!(
                    c.kind != Kind::Geometry || (!c.feature && c.tile.is_none()),
                    "{}.{}",
                    l.view,
                    c.name
                );
            }
            if !l.classes.is_empty() {
                assert!(l.columns.iter().any(|c| c.name == "class"), "{}", l.view);
            }
        }
    }
}
