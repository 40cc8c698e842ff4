//! The staging tables of the imports: one column list per table, from which the table's
//! definition, its `COPY` statement and the number of values in a row derive. The merge SQL
//! (see [`crate::merge`]) reads the staged rows by these column names.

use crate::copy::CopyTable;

/// A staging table. Rows are written with [`crate::CopyBuf::row`] for
/// [`Staging::copy_table`], in the order of its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Staging {
    Parcel,
    Building,
    Address,
    Street,
    /// `building_address` (zeigtAuf, or a layer's building id) and `parcel_address` (weistAuf)
    Link,
    LandUse,
    /// Objects an update delivery deletes.
    Delete,
    /// Catalogue entries: the names of Gemarkungen (`AX_Gemarkung`) and Gemeinden
    /// (`AX_Gemeinde`).
    Catalogue,
    Resident,
    Meter,
    Survey,
    Report,
}

const PARCEL: CopyTable = CopyTable {
    name: "stg_parcel",
    columns: &[
        ("src", "text"),
        ("alkis_id", "text"),
        ("kennzeichen", "text"),
        ("ags", "text"),
        ("area", "float8"),
        ("geom", "geometry"),
        ("valid_from", "timestamptz"),
    ],
};

const BUILDING: CopyTable = CopyTable {
    name: "stg_building",
    columns: &[
        ("src", "text"),
        ("alkis_id", "text"),
        ("function_code", "int2"),
        ("storeys", "int2"),
        ("geom", "geometry"),
        ("parcel_kennzeichen", "text"),
        ("valid_from", "timestamptz"),
    ],
};

const ADDRESS: CopyTable = CopyTable {
    name: "stg_address",
    columns: &[
        ("src", "text"),
        ("alkis_id", "text"),
        ("ags", "text"),
        ("lage", "text"),
        ("street", "text"),
        ("street_key", "text"),
        ("house_number", "int4"),
        ("house_suffix", "text"),
        ("postcode", "text"),
        ("geom", "geometry"),
    ],
};

const STREET: CopyTable = CopyTable {
    name: "stg_street",
    columns: &[
        ("src", "text"),
        ("alkis_id", "text"),
        ("ags", "text"),
        ("lage", "text"),
        ("name", "text"),
        ("street_key", "text"),
    ],
};

const LINK: CopyTable = CopyTable {
    name: "stg_link",
    columns: &[("kind", "text"), ("from_id", "text"), ("to_id", "text")],
};

const LAND_USE: CopyTable = CopyTable {
    name: "stg_land_use",
    columns: &[
        ("src", "text"),
        ("alkis_id", "text"),
        ("class", "text"),
        ("function_code", "int2"),
        ("geom", "geometry"),
        ("zustand", "int2"),
    ],
};

const DELETE: CopyTable = CopyTable {
    name: "stg_delete",
    columns: &[
        ("src", "text"),
        ("feature_type", "text"),
        ("alkis_id", "text"),
    ],
};

/// `kind` is `gemarkung` (key: Land (2) and Gemarkungsnummer (4)) or `gemeinde` (key: the
/// AGS).
const CATALOGUE: CopyTable = CopyTable {
    name: "stg_catalogue",
    columns: &[
        ("src", "text"),
        ("kind", "text"),
        ("key", "text"),
        ("name", "text"),
    ],
};

/// The address columns every register row starts with (written by one function in the
/// register importer).
macro_rules! register_columns {
    ($($column:expr),* $(,)?) => {
        &[
            ("src", "text"),
            ("line", "int4"),
            ("ags", "text"),
            ("street_key", "text"),
            ("house_number", "int4"),
            ("house_suffix", "text"),
            ("postcode", "text"),
            $($column),*
        ]
    };
}

const RESIDENT: CopyTable = CopyTable {
    name: "stg_resident",
    columns: register_columns![
        ("reference_date", "date"),
        ("age_0_17", "int2"),
        ("age_18_64", "int2"),
        ("age_65_74", "int2"),
        ("age_75_plus", "int2"),
        ("secondary", "int2"),
        ("last_change_on", "date"),
    ],
};

const METER: CopyTable = CopyTable {
    name: "stg_meter",
    columns: register_columns![
        ("medium", "text"),
        ("year", "int2"),
        ("consumption", "float8"),
    ],
};

const SURVEY: CopyTable = CopyTable {
    name: "stg_survey",
    columns: register_columns![
        ("building_alkis_id", "text"),
        ("surveyed_on", "date"),
        ("finding", "text"),
        ("dwellings", "int2"),
        ("vacant_dwellings", "int2"),
        ("condition", "text"),
        ("note", "text"),
    ],
};

const REPORT: CopyTable = CopyTable {
    name: "stg_report",
    columns: &[
        ("src", "text"),
        ("line", "int4"),
        ("reported_at", "timestamptz"),
        ("geom", "geometry"),
        ("category", "text"),
        ("body", "text"),
        ("contact", "text"),
    ],
};

/// Columns the address matching of register rows fills in (not written by COPY).
const MATCH_COLUMNS: &str = "address_id bigint, building_id bigint, match_count int4";

impl Staging {
    /// The table's name and columns, in the order a row's values are written.
    pub fn copy_table(self) -> &'static CopyTable {
        match self {
            Self::Parcel => &PARCEL,
            Self::Building => &BUILDING,
            Self::Address => &ADDRESS,
            Self::Street => &STREET,
            Self::Link => &LINK,
            Self::LandUse => &LAND_USE,
            Self::Delete => &DELETE,
            Self::Catalogue => &CATALOGUE,
            Self::Resident => &RESIDENT,
            Self::Meter => &METER,
            Self::Survey => &SURVEY,
            Self::Report => &REPORT,
        }
    }

    /// The table's name in SQL.
    pub fn name(self) -> &'static str {
        self.copy_table().name
    }

    fn is_register(self) -> bool {
        matches!(
            self,
            Self::Resident | Self::Meter | Self::Survey | Self::Report
        )
    }

    /// `CREATE TEMP TABLE …`: temporary, dropped at commit, never WAL-logged.
    pub(crate) fn create_statement(self) -> String {
        let table = self.copy_table();
        let mut columns = table.column_definitions();
        if self.is_register() {
            columns.push_str(", ");
            columns.push_str(MATCH_COLUMNS);
        }
        format!(
            "CREATE TEMP TABLE IF NOT EXISTS {} ({columns}) ON COMMIT DROP",
            table.name
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Staging; 12] = [
        Staging::Parcel,
        Staging::Building,
        Staging::Address,
        Staging::Street,
        Staging::Link,
        Staging::LandUse,
        Staging::Delete,
        Staging::Catalogue,
        Staging::Resident,
        Staging::Meter,
        Staging::Survey,
        Staging::Report,
    ];

    #[test]
    fn the_definitions_are_the_ones_the_merge_reads() {
        assert_eq!(
            Staging::Resident.create_statement(),
            "CREATE TEMP TABLE IF NOT EXISTS stg_resident (src text, line int4, ags text, \
             street_key text, house_number int4, house_suffix text, postcode text, \
             reference_date date, age_0_17 int2, age_18_64 int2, age_65_74 int2, \
             age_75_plus int2, secondary int2, last_change_on date, address_id bigint, \
             building_id bigint, match_count int4) ON COMMIT DROP"
        );
        assert_eq!(
            Staging::Link.copy_table().copy_statement(),
            "COPY stg_link (kind, from_id, to_id) FROM STDIN (FORMAT binary)"
        );
    }

    #[test]
    fn every_table_has_distinct_names_and_columns() {
        let mut names: Vec<&str> = ALL.iter().map(|t| t.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
        for t in ALL {
            assert!(t.name().starts_with("stg_"));
            let mut cols: Vec<&str> = t.copy_table().columns.iter().map(|c| c.0).collect();
            cols.sort_unstable();
            cols.dedup();
            assert_eq!(cols.len(), t.copy_table().columns.len(), "{}", t.name());
        }
    }
}
