//! The tile cache: gzip-compressed tiles in memory, bounded in bytes, keyed by the
//! generation of the published data so that a new analysis run, an import or a change to
//! the tables behind the public views makes every cached tile unreachable at once.
//!
//! The generation is checked against the database at most once per [`CHECK_INTERVAL`], by
//! whichever request comes first; the others go on with the generation they know. Eviction
//! is CLOCK (second chance): a hit only sets a flag under the read lock, so warm tiles are
//! served without ever taking the write lock.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use sqlx::PgPool;
use tokio::sync::OnceCell;

/// How often the cache asks the database whether the published data changed.
pub(crate) const CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// Bytes counted for an entry on top of its tile (key, map slot, queue slot, headers).
const ENTRY_OVERHEAD: usize = 128;

/// What the generation is derived from: the latest finished analysis run, the latest import,
/// the day (releases by notice period start at midnight), and the change counters of the
/// tables the public views read besides runs and imports (overrides, consent, offers,
/// reports, cadastre). The counters are PostgreSQL's statistics: they move within seconds of
/// a commit, from any process.
const GENERATION_SQL: &str = "\
SELECT (SELECT max(id) FROM analysis_run WHERE status = 'done'),
       (SELECT max(id) FROM import_batch),
       current_date::text,
       (SELECT sum(pg_stat_get_tuples_inserted(t) + pg_stat_get_tuples_updated(t)
                   + pg_stat_get_tuples_deleted(t))::bigint
          FROM unnest('{verdict_override, publication_consent, offer, citizen_report, parcel,
                        building, district, municipality, field_survey}'::regclass[]) t)";

type Observed = (Option<i64>, Option<i64>, String, Option<i64>);
/// The tiles of one rendered block.
type Rendered = Arc<Vec<(TileKey, Arc<Tile>)>>;

/// One tile of one generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct TileKey {
    pub generation: u64,
    pub tileset: u8,
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

/// A rendered tile: gzip bytes (empty for an empty tile) and its entity tag.
#[derive(Debug)]
pub(crate) struct Tile {
    pub gzip: Bytes,
    pub etag: String,
}

impl Tile {
    pub(crate) fn empty() -> Self {
        Self {
            gzip: Bytes::new(),
            etag: String::new(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.gzip.is_empty()
    }

    fn size(&self) -> usize {
        self.gzip.len() + self.etag.len() + ENTRY_OVERHEAD
    }
}

#[derive(Debug)]
struct Slot {
    tile: Arc<Tile>,
    used: AtomicBool,
}

#[derive(Debug, Default)]
struct Shelf {
    map: HashMap<TileKey, Slot>,
    /// Insertion order, for the CLOCK hand.
    order: VecDeque<TileKey>,
    bytes: usize,
}

/// The cache shared by all requests (see the module documentation).
#[derive(Debug)]
pub struct TileCache {
    capacity: usize,
    shelf: RwLock<Shelf>,
    generation: AtomicU64,
    observed: Mutex<Option<Observed>>,
    /// Milliseconds since `started` of the last check; `u64::MAX` before the first.
    checked_at: AtomicU64,
    checking: AtomicBool,
    started: Instant,
    /// Blocks being rendered, so that concurrent requests for tiles of one block query once.
    inflight: Mutex<HashMap<TileKey, Arc<OnceCell<Rendered>>>>,
    /// The data's bounds (for TileJSON and the style), per generation.
    bounds: Mutex<Option<(u64, [f64; 4])>>,
}

/// Clears the `checking` flag however the check ends (a dropped request included).
struct CheckGuard<'a>(&'a AtomicBool);

impl Drop for CheckGuard<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl TileCache {
    /// A cache holding at most `capacity` bytes of tiles.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            shelf: RwLock::new(Shelf::default()),
            generation: AtomicU64::new(0),
            observed: Mutex::new(None),
            checked_at: AtomicU64::new(u64::MAX),
            checking: AtomicBool::new(false),
            started: Instant::now(),
            inflight: Mutex::new(HashMap::new()),
            bounds: Mutex::new(None),
        }
    }

    /// The current generation, checked against the database when the last check is older
    /// than [`CHECK_INTERVAL`]. A failed check keeps the known generation: cached tiles
    /// stay servable while the database is away.
    pub(crate) async fn generation(&self, pool: &PgPool) -> u64 {
        let now = self.millis();
        let last = self.checked_at.load(Ordering::Acquire);
        let due = last == u64::MAX || now.saturating_sub(last) >= CHECK_INTERVAL.as_millis() as u64;
        if !due || self.checking.swap(true, Ordering::AcqRel) {
            return self.generation.load(Ordering::Acquire);
        }
        let _guard = CheckGuard(&self.checking);
        match sqlx::query_as::<_, Observed>(GENERATION_SQL)
            .fetch_one(pool)
            .await
        {
            Ok(observed) => {
                let changed = {
                    let mut known = self.observed.lock().unwrap_or_else(|e| e.into_inner());
                    let changed = known.as_ref().is_some_and(|k| *k != observed);
                    *known = Some(observed);
                    changed
                };
                if changed {
                    tracing::info!("published data changed; tile cache cleared");
                    self.invalidate();
                }
            }
            Err(error) => tracing::warn!(%error, "tile cache: generation check failed"),
        }
        self.checked_at.store(self.millis(), Ordering::Release);
        self.generation.load(Ordering::Acquire)
    }

    /// Starts a new generation now: every cached tile is dropped. For writers in this
    /// process that change what the public views show and cannot wait for the next check.
    pub fn invalidate(&self) {
        let mut shelf = self.shelf.write().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        *shelf = Shelf::default();
    }

    /// The cached tile, if any; marks it as used for the eviction hand.
    pub(crate) fn get(&self, key: &TileKey) -> Option<Arc<Tile>> {
        let shelf = self.shelf.read().unwrap_or_else(|e| e.into_inner());
        shelf.map.get(key).map(|slot| {
            if !slot.used.load(Ordering::Relaxed) {
                slot.used.store(true, Ordering::Relaxed);
            }
            slot.tile.clone()
        })
    }

    /// The cached tile, or the one from the block of tiles `render` makes around it (all
    /// of them cached). `block` names the block; concurrent callers for any tile of one
    /// block share one render. The flag says whether this caller rendered (a miss).
    pub(crate) async fn get_or_render<F, Fut, E>(
        &self,
        key: TileKey,
        block: TileKey,
        render: F,
    ) -> Result<(Arc<Tile>, bool), E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<(TileKey, Tile)>, E>>,
    {
        if let Some(tile) = self.get(&key) {
            return Ok((tile, false));
        }
        let cell = {
            // Looked up again under the lock: a render caches its tiles before it leaves
            // `inflight`, so a tile missed above is either cached now or its block's render
            // is still listed here.
            let mut inflight = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(tile) = self.get(&key) {
                return Ok((tile, false));
            }
            inflight.entry(block).or_default().clone()
        };
        let mut rendered = false;
        let result = cell
            .get_or_try_init(|| async {
                rendered = true;
                let tiles: Vec<(TileKey, Arc<Tile>)> = render()
                    .await?
                    .into_iter()
                    .map(|(k, tile)| (k, Arc::new(tile)))
                    .collect();
                for (k, tile) in &tiles {
                    self.insert(*k, tile.clone());
                }
                Ok(Arc::new(tiles))
            })
            .await
            .cloned();
        {
            let mut inflight = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
            if inflight.get(&block).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
                inflight.remove(&block);
            }
        }
        let tiles = result?;
        let tile = tiles
            .iter()
            .find(|(k, _)| *k == key)
            .map_or_else(|| Arc::new(Tile::empty()), |(_, tile)| tile.clone());
        Ok((tile, rendered))
    }

    /// Caches a tile unless its generation has passed or it is larger than the whole cache.
    pub(crate) fn insert(&self, key: TileKey, tile: Arc<Tile>) {
        let size = tile.size();
        if size > self.capacity {
            return;
        }
        let mut shelf = self.shelf.write().unwrap_or_else(|e| e.into_inner());
        if key.generation != self.generation.load(Ordering::Acquire) || shelf.map.contains_key(&key)
        {
            return;
        }
        while shelf.bytes + size > self.capacity {
            let Some(old) = shelf.order.pop_front() else {
                break;
            };
            let second_chance = shelf
                .map
                .get(&old)
                .is_some_and(|slot| slot.used.swap(false, Ordering::Relaxed));
            if second_chance {
                shelf.order.push_back(old);
            } else if let Some(slot) = shelf.map.remove(&old) {
                shelf.bytes -= slot.tile.size();
            }
        }
        shelf.map.insert(
            key,
            Slot {
                tile,
                used: AtomicBool::new(false),
            },
        );
        shelf.order.push_back(key);
        shelf.bytes += size;
    }

    /// The bounds of the data, computed by `compute` once per generation.
    pub(crate) async fn bounds<F, Fut>(
        &self,
        pool: &PgPool,
        compute: F,
    ) -> Result<[f64; 4], sqlx::Error>
    where
        F: FnOnce(PgPool) -> Fut,
        Fut: Future<Output = Result<[f64; 4], sqlx::Error>>,
    {
        let generation = self.generation(pool).await;
        let known = *self.bounds.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((g, b)) = known {
            if g == generation {
                return Ok(b);
            }
        }
        let b = compute(pool.clone()).await?;
        *self.bounds.lock().unwrap_or_else(|e| e.into_inner()) = Some((generation, b));
        Ok(b)
    }

    /// Tiles and bytes held.
    pub fn usage(&self) -> (usize, usize) {
        let shelf = self.shelf.read().unwrap_or_else(|e| e.into_inner());
        (shelf.map.len(), shelf.bytes)
    }

    fn millis(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX - 1)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn key(generation: u64, x: u32) -> TileKey {
        TileKey {
            generation,
            tileset: 0,
            z: 14,
            x,
            y: 0,
        }
    }

    fn tile(len: usize) -> Arc<Tile> {
        Arc::new(Tile {
            gzip: Bytes::from(vec![1; len]),
            etag: "t".to_owned(),
        })
    }

    #[test]
    fn bounded_in_bytes_and_used_tiles_get_a_second_chance() {
        let one = tile(1000).size();
        let cache = TileCache::new(3 * one);
        for x in 0..3 {
            cache.insert(key(0, x), tile(1000));
        }
        assert_eq!(cache.usage(), (3, 3 * one));
        // Tile 0 is used, so the hand passes it and evicts tile 1.
        assert!(cache.get(&key(0, 0)).is_some());
        cache.insert(key(0, 3), tile(1000));
        assert_eq!(cache.usage(), (3, 3 * one));
        assert!(cache.get(&key(0, 0)).is_some());
        assert!(cache.get(&key(0, 1)).is_none());
        assert!(cache.get(&key(0, 3)).is_some());
        // Larger than the whole cache: not kept.
        cache.insert(key(0, 9), tile(10 * one));
        assert!(cache.get(&key(0, 9)).is_none());
    }

    #[test]
    fn invalidation_drops_everything_and_refuses_stale_inserts() {
        let cache = TileCache::new(1 << 20);
        cache.insert(key(0, 1), tile(10));
        cache.invalidate();
        assert_eq!(cache.usage(), (0, 0));
        // A render that started before the invalidation must not come back.
        cache.insert(key(0, 2), tile(10));
        assert_eq!(cache.usage(), (0, 0));
        cache.insert(key(1, 2), tile(10));
        assert_eq!(cache.usage().0, 1);
    }

    #[tokio::test]
    async fn concurrent_requests_for_one_block_render_it_once() {
        let cache = Arc::new(TileCache::new(1 << 20));
        let renders = Arc::new(AtomicU64::new(0));
        let block = key(0, 4);
        let mut tasks = Vec::new();
        for i in 0..8u32 {
            let (cache, renders) = (cache.clone(), renders.clone());
            let wanted = key(0, 4 + i % 2);
            tasks.push(tokio::spawn(async move {
                let got = cache
                    .get_or_render(wanted, block, || async {
                        renders.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        let tile = |x: u32| Tile {
                            gzip: Bytes::from(format!("tile {x}")),
                            etag: format!("e{x}"),
                        };
                        Ok::<_, ()>(vec![(key(0, 4), tile(4)), (key(0, 5), tile(5))])
                    })
                    .await
                    .unwrap();
                (wanted.x, got)
            }));
        }
        let mut misses = 0;
        for task in tasks {
            let (x, (tile, rendered)) = task.await.unwrap();
            assert_eq!(tile.gzip, Bytes::from(format!("tile {x}")));
            misses += usize::from(rendered);
        }
        assert_eq!(renders.load(Ordering::SeqCst), 1);
        assert_eq!(misses, 1);
        assert!(cache.inflight.lock().unwrap().is_empty());
        // Both tiles of the block are cached: asking again renders nothing.
        let (tile, rendered) = cache
            .get_or_render(key(0, 5), block, || async { Err::<Vec<_>, _>(()) })
            .await
            .unwrap();
        assert!(!rendered && tile.etag == "e5");
        // A tile the render did not return is empty.
        let (tile, rendered) = cache
            .get_or_render(key(0, 9), key(0, 8), || async { Ok::<_, ()>(Vec::new()) })
            .await
            .unwrap();
        assert!(rendered && tile.is_empty());
    }
}
