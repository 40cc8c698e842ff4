#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The table of public layers against the database: every column of every `published` view
//! read by a layer is listed there with its type, and every listed column exists.

use std::collections::BTreeMap;

use sqlx::PgPool;
use tiles::layers::{OTHER_PUBLIC_VIEWS, PUBLIC_LAYERS};

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn the_layer_table_lists_the_columns_of_the_published_views(pool: PgPool) {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text
           FROM information_schema.columns
          WHERE table_schema = 'published'
          ORDER BY table_name, ordinal_position",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut catalogue: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (view, column, data_type) in rows {
        catalogue
            .entry(format!("published.{view}"))
            .or_default()
            .insert(column, data_type);
    }
    let mut problems = Vec::new();
    for layer in PUBLIC_LAYERS.iter().chain(OTHER_PUBLIC_VIEWS) {
        let name = layer.collection.or(layer.tile_layer).unwrap_or("?");
        let Some(columns) = catalogue.get(layer.view) else {
            problems.push(format!(
                "layer {name}: view {} does not exist in the database",
                layer.view
            ));
            continue;
        };
        for (column, data_type) in columns {
            match layer.columns.iter().find(|c| c.name == column) {
                None => problems.push(format!(
                    "layer {name}: view {} has column {column} ({data_type}), which the \
                     table of public layers (tiles/src/layers.rs) does not list",
                    layer.view
                )),
                Some(c) if !c.kind.data_types().contains(&data_type.as_str()) => {
                    problems.push(format!(
                        "layer {name}: column {}.{column} is {data_type} in the database, \
                         {:?} in the table of public layers",
                        layer.view, c.kind
                    ))
                }
                Some(_) => {}
            }
        }
        for c in layer.columns {
            if !columns.contains_key(c.name) {
                problems.push(format!(
                    "layer {name}: the table of public layers lists column {}.{}, which the \
                     view does not have",
                    layer.view, c.name
                ));
            }
        }
    }
    for view in catalogue.keys() {
        if !PUBLIC_LAYERS
            .iter()
            .chain(OTHER_PUBLIC_VIEWS)
            .any(|l| l.view == view)
        {
            problems.push(format!(
                "view {view} is read by no layer of the table of public layers"
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
