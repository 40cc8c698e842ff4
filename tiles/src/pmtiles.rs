//! PMTiles v3 (<https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md>): one file
//! holding a whole tileset for static hosting. Written here directly: a 127-byte header, the
//! root directory, the metadata JSON, leaf directories when the root would not fit in the
//! first 16 KiB, then the tile data in tile-id order (clustered), identical tiles stored once
//! and consecutive repeats as runs. Directories and metadata are gzip-compressed, as are the
//! tiles. A reader is included for checks and tests.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use sha2::{Digest, Sha256};

/// Header length in bytes.
pub const HEADER_LEN: usize = 127;
/// Header and root directory must fit in this many bytes.
const ROOT_LIMIT: usize = 16_384;
const COMPRESSION_GZIP: u8 = 2;
const TILE_TYPE_MVT: u8 = 1;

/// An error reading or writing an archive.
#[derive(Debug, thiserror::Error)]
pub enum PmtilesError {
    #[error("PMTiles archive {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("tile ids must be added in increasing order ({previous} then {next})")]
    Order { previous: u64, next: u64 },
    #[error("not a PMTiles v3 archive: {0}")]
    Format(&'static str),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PmtilesError + '_ {
    move |source| PmtilesError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The tile id of z/x/y: the tiles of all lower zooms, then the position on the Hilbert
/// curve of zoom z.
pub fn tile_id(z: u8, x: u32, y: u32) -> u64 {
    let base = ((1u64 << (2 * u32::from(z))) - 1) / 3;
    let (mut x, mut y) = (u64::from(x), u64::from(y));
    let mut d = 0u64;
    let mut s = (1u64 << z) >> 1;
    while s > 0 {
        let rx = u64::from(x & s > 0);
        let ry = u64::from(y & s > 0);
        d += s * s * ((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = s - 1 - (x & (s - 1));
                y = s - 1 - (y & (s - 1));
            }
            std::mem::swap(&mut x, &mut y);
        }
        s >>= 1;
    }
    base + d
}

/// The z/x/y of a tile id (the inverse of [`tile_id`]).
pub fn tile_zxy(id: u64) -> (u8, u32, u32) {
    let mut z = 0u8;
    let mut base = 0u64;
    while z < 31 && base + (1u64 << (2 * u32::from(z))) <= id {
        base += 1u64 << (2 * u32::from(z));
        z += 1;
    }
    let mut t = id - base;
    let (mut x, mut y) = (0u64, 0u64);
    let n = 1u64 << z;
    let mut s = 1u64;
    while s < n {
        let rx = 1 & (t / 2);
        let ry = 1 & (t ^ rx);
        if ry == 0 {
            if rx == 1 {
                x = s - 1 - x;
                y = s - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        x += s * rx;
        y += s * ry;
        t /= 4;
        s *= 2;
    }
    // x, y < 2^z ≤ 2^31
    (z, x as u32, y as u32)
}

/// One directory entry: a run of `run_length` tiles from `tile_id` sharing one content, or
/// (run length 0) a leaf directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub tile_id: u64,
    pub offset: u64,
    pub length: u32,
    pub run_length: u32,
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(buf: &[u8], pos: &mut usize) -> Result<u64, PmtilesError> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf
            .get(*pos)
            .ok_or(PmtilesError::Format("directory ends inside a number"))?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Ok(v);
        }
    }
    Err(PmtilesError::Format("number longer than 64 bits"))
}

/// A directory as the spec lays it out: count, id deltas, run lengths, lengths, offsets
/// (0 = directly after the previous entry, else offset + 1).
fn encode_directory(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.len() * 6 + 8);
    put_varint(&mut out, entries.len() as u64);
    let mut last = 0;
    for e in entries {
        put_varint(&mut out, e.tile_id - last);
        last = e.tile_id;
    }
    for e in entries {
        put_varint(&mut out, u64::from(e.run_length));
    }
    for e in entries {
        put_varint(&mut out, u64::from(e.length));
    }
    for (i, e) in entries.iter().enumerate() {
        let follows = i > 0 && e.offset == entries[i - 1].offset + u64::from(entries[i - 1].length);
        put_varint(&mut out, if follows { 0 } else { e.offset + 1 });
    }
    out
}

fn decode_directory(buf: &[u8]) -> Result<Vec<Entry>, PmtilesError> {
    let mut pos = 0;
    let n = usize::try_from(get_varint(buf, &mut pos)?)
        .map_err(|_| PmtilesError::Format("directory too large"))?;
    if n > buf.len() {
        return Err(PmtilesError::Format("directory count exceeds its bytes"));
    }
    let mut entries = vec![
        Entry {
            tile_id: 0,
            offset: 0,
            length: 0,
            run_length: 0
        };
        n
    ];
    let mut last = 0u64;
    for e in &mut entries {
        last += get_varint(buf, &mut pos)?;
        e.tile_id = last;
    }
    for e in &mut entries {
        e.run_length = u32::try_from(get_varint(buf, &mut pos)?)
            .map_err(|_| PmtilesError::Format("run length too large"))?;
    }
    for e in &mut entries {
        e.length = u32::try_from(get_varint(buf, &mut pos)?)
            .map_err(|_| PmtilesError::Format("length too large"))?;
    }
    for i in 0..n {
        let v = get_varint(buf, &mut pos)?;
        entries[i].offset = if v == 0 && i > 0 {
            entries[i - 1].offset + u64::from(entries[i - 1].length)
        } else {
            v.checked_sub(1)
                .ok_or(PmtilesError::Format("first offset is 0"))?
        };
    }
    Ok(entries)
}

/// Gzip of a buffer in memory (cannot fail: writing to a `Vec`).
pub fn gzip(bytes: &[u8], level: u32) -> Vec<u8> {
    let mut encoder = GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3 + 64),
        Compression::new(level),
    );
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// Gunzip of a buffer in memory.
pub fn gunzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() * 3);
    GzDecoder::new(bytes).read_to_end(&mut out)?;
    Ok(out)
}

/// Root directory and leaf directories (gzip), with leaves as large as needed for the root
/// to fit in the first 16 KiB.
fn directories(entries: &[Entry]) -> (Vec<u8>, Vec<u8>) {
    let limit = ROOT_LIMIT - HEADER_LEN;
    let root = gzip(&encode_directory(entries), 9);
    if root.len() <= limit {
        return (root, Vec::new());
    }
    let mut leaf_size = (entries.len() / 3500).max(4096);
    loop {
        let mut leaves = Vec::new();
        let mut root_entries = Vec::new();
        for chunk in entries.chunks(leaf_size) {
            let leaf = gzip(&encode_directory(chunk), 9);
            root_entries.push(Entry {
                tile_id: chunk[0].tile_id,
                offset: leaves.len() as u64,
                length: leaf.len() as u32,
                run_length: 0,
            });
            leaves.extend_from_slice(&leaf);
        }
        let root = gzip(&encode_directory(&root_entries), 9);
        if root.len() <= limit {
            return (root, leaves);
        }
        leaf_size += leaf_size / 5;
    }
}

/// What the header says besides the sections: zooms, bounds and centre in WGS84.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extent {
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// min lon, min lat, max lon, max lat
    pub bounds: [f64; 4],
    pub center_zoom: u8,
}

/// The header fields (offsets and lengths of the sections, counts, kinds, extent).
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub root_offset: u64,
    pub root_length: u64,
    pub metadata_offset: u64,
    pub metadata_length: u64,
    pub leaves_offset: u64,
    pub leaves_length: u64,
    pub data_offset: u64,
    pub data_length: u64,
    pub addressed_tiles: u64,
    pub tile_entries: u64,
    pub tile_contents: u64,
    pub clustered: bool,
    pub internal_compression: u8,
    pub tile_compression: u8,
    pub tile_type: u8,
    pub extent: Extent,
    pub center: [f64; 2],
}

fn e7(v: f64) -> i32 {
    (v * 1e7).round() as i32
}

impl Header {
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[..7].copy_from_slice(b"PMTiles");
        b[7] = 3;
        let words = [
            self.root_offset,
            self.root_length,
            self.metadata_offset,
            self.metadata_length,
            self.leaves_offset,
            self.leaves_length,
            self.data_offset,
            self.data_length,
            self.addressed_tiles,
            self.tile_entries,
            self.tile_contents,
        ];
        for (i, w) in words.iter().enumerate() {
            b[8 + 8 * i..16 + 8 * i].copy_from_slice(&w.to_le_bytes());
        }
        b[96] = u8::from(self.clustered);
        b[97] = self.internal_compression;
        b[98] = self.tile_compression;
        b[99] = self.tile_type;
        b[100] = self.extent.min_zoom;
        b[101] = self.extent.max_zoom;
        for (i, v) in self.extent.bounds.iter().enumerate() {
            b[102 + 4 * i..106 + 4 * i].copy_from_slice(&e7(*v).to_le_bytes());
        }
        b[118] = self.extent.center_zoom;
        b[119..123].copy_from_slice(&e7(self.center[0]).to_le_bytes());
        b[123..127].copy_from_slice(&e7(self.center[1]).to_le_bytes());
        b
    }

    pub fn from_bytes(b: &[u8]) -> Result<Self, PmtilesError> {
        if b.len() < HEADER_LEN || &b[..7] != b"PMTiles" {
            return Err(PmtilesError::Format("no PMTiles magic"));
        }
        if b[7] != 3 {
            return Err(PmtilesError::Format("not version 3"));
        }
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[8 + 8 * i..16 + 8 * i]);
            u64::from_le_bytes(w)
        };
        let deg = |at: usize| {
            let mut w = [0u8; 4];
            w.copy_from_slice(&b[at..at + 4]);
            f64::from(i32::from_le_bytes(w)) / 1e7
        };
        Ok(Self {
            root_offset: word(0),
            root_length: word(1),
            metadata_offset: word(2),
            metadata_length: word(3),
            leaves_offset: word(4),
            leaves_length: word(5),
            data_offset: word(6),
            data_length: word(7),
            addressed_tiles: word(8),
            tile_entries: word(9),
            tile_contents: word(10),
            clustered: b[96] == 1,
            internal_compression: b[97],
            tile_compression: b[98],
            tile_type: b[99],
            extent: Extent {
                min_zoom: b[100],
                max_zoom: b[101],
                bounds: [deg(102), deg(106), deg(110), deg(114)],
                center_zoom: b[118],
            },
            center: [deg(119), deg(123)],
        })
    }
}

/// Writes an archive: tiles are added in increasing tile-id order and spooled to a file
/// beside the target; [`Writer::finish`] writes the archive and removes the spool.
#[derive(Debug)]
pub struct Writer {
    path: PathBuf,
    spool_path: PathBuf,
    spool: BufWriter<File>,
    entries: Vec<Entry>,
    length: u64,
    seen: HashMap<[u8; 32], (u64, u32)>,
}

impl Writer {
    /// Starts an archive at `path` (written by [`Writer::finish`]).
    pub fn create(path: &Path) -> Result<Self, PmtilesError> {
        let mut spool_path = path.as_os_str().to_owned();
        spool_path.push(".tiles.part");
        let spool_path = PathBuf::from(spool_path);
        let spool = File::create(&spool_path).map_err(io(&spool_path))?;
        Ok(Self {
            path: path.to_owned(),
            spool: BufWriter::new(spool),
            spool_path,
            entries: Vec::new(),
            length: 0,
            seen: HashMap::new(),
        })
    }

    /// Adds one tile (already gzip-compressed); ids must increase.
    pub fn add(&mut self, id: u64, tile: &[u8]) -> Result<(), PmtilesError> {
        if let Some(last) = self.entries.last() {
            let last_id = last.tile_id + u64::from(last.run_length) - 1;
            if id <= last_id {
                return Err(PmtilesError::Order {
                    previous: last_id,
                    next: id,
                });
            }
        }
        let digest: [u8; 32] = Sha256::digest(tile).into();
        let (offset, length) = match self.seen.get(&digest) {
            Some(&known) => known,
            None => {
                self.spool.write_all(tile).map_err(io(&self.spool_path))?;
                let at = (self.length, tile.len() as u32);
                self.length += tile.len() as u64;
                self.seen.insert(digest, at);
                at
            }
        };
        if let Some(last) = self.entries.last_mut() {
            if last.offset == offset && last.tile_id + u64::from(last.run_length) == id {
                last.run_length += 1;
                return Ok(());
            }
        }
        self.entries.push(Entry {
            tile_id: id,
            offset,
            length,
            run_length: 1,
        });
        Ok(())
    }

    /// Writes the archive with its metadata (a JSON object) and extent; returns its header.
    pub fn finish(
        mut self,
        metadata: &serde_json::Value,
        extent: Extent,
    ) -> Result<Header, PmtilesError> {
        self.spool.flush().map_err(io(&self.spool_path))?;
        let (root, leaves) = directories(&self.entries);
        let metadata = gzip(metadata.to_string().as_bytes(), 9);
        let root_offset = HEADER_LEN as u64;
        let metadata_offset = root_offset + root.len() as u64;
        let leaves_offset = metadata_offset + metadata.len() as u64;
        let data_offset = leaves_offset + leaves.len() as u64;
        // As stored: degrees to 1e-7, so the header read back equals the one returned.
        let stored = |v: f64| f64::from(e7(v)) / 1e7;
        let b = extent.bounds.map(stored);
        let extent = Extent {
            bounds: b,
            ..extent
        };
        let header = Header {
            root_offset,
            root_length: root.len() as u64,
            metadata_offset,
            metadata_length: metadata.len() as u64,
            leaves_offset,
            leaves_length: leaves.len() as u64,
            data_offset,
            data_length: self.length,
            addressed_tiles: self.entries.iter().map(|e| u64::from(e.run_length)).sum(),
            tile_entries: self.entries.len() as u64,
            tile_contents: self.seen.len() as u64,
            clustered: true,
            internal_compression: COMPRESSION_GZIP,
            tile_compression: COMPRESSION_GZIP,
            tile_type: TILE_TYPE_MVT,
            extent,
            center: [stored((b[0] + b[2]) / 2.0), stored((b[1] + b[3]) / 2.0)],
        };
        let mut part = self.path.as_os_str().to_owned();
        part.push(".part");
        let part = PathBuf::from(part);
        let write = || -> std::io::Result<()> {
            let mut out = BufWriter::new(File::create(&part)?);
            out.write_all(&header.to_bytes())?;
            out.write_all(&root)?;
            out.write_all(&metadata)?;
            out.write_all(&leaves)?;
            std::io::copy(&mut File::open(&self.spool_path)?, &mut out)?;
            out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            std::fs::rename(&part, &self.path)
        };
        let result = write().map_err(io(&self.path));
        let _ = std::fs::remove_file(&self.spool_path);
        if result.is_err() {
            let _ = std::fs::remove_file(&part);
        }
        result.map(|()| header)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // After `finish` the spool is gone already; after an error it must not stay.
        let _ = std::fs::remove_file(&self.spool_path);
    }
}

/// Reads tiles and metadata from an archive in memory.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pub header: Header,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Result<Self, PmtilesError> {
        let header = Header::from_bytes(bytes)?;
        if header.internal_compression != COMPRESSION_GZIP {
            return Err(PmtilesError::Format("only gzip directories are read"));
        }
        Ok(Self { bytes, header })
    }

    fn section(&self, offset: u64, length: u64) -> Result<&'a [u8], PmtilesError> {
        let start = usize::try_from(offset).map_err(|_| PmtilesError::Format("offset"))?;
        let end = start
            .checked_add(usize::try_from(length).map_err(|_| PmtilesError::Format("length"))?)
            .ok_or(PmtilesError::Format("length"))?;
        self.bytes
            .get(start..end)
            .ok_or(PmtilesError::Format("section beyond the end of the file"))
    }

    fn directory(&self, offset: u64, length: u64) -> Result<Vec<Entry>, PmtilesError> {
        let raw = gunzip(self.section(offset, length)?)
            .map_err(|_| PmtilesError::Format("directory is not gzip"))?;
        decode_directory(&raw)
    }

    /// The metadata JSON.
    pub fn metadata(&self) -> Result<serde_json::Value, PmtilesError> {
        let raw = gunzip(self.section(self.header.metadata_offset, self.header.metadata_length)?)
            .map_err(|_| PmtilesError::Format("metadata is not gzip"))?;
        serde_json::from_slice(&raw).map_err(|_| PmtilesError::Format("metadata is not JSON"))
    }

    /// Every entry pointing at tile data, leaves resolved, in tile-id order.
    pub fn entries(&self) -> Result<Vec<Entry>, PmtilesError> {
        let mut out = Vec::new();
        for e in self.directory(self.header.root_offset, self.header.root_length)? {
            if e.run_length > 0 {
                out.push(e);
            } else {
                out.extend(
                    self.directory(self.header.leaves_offset + e.offset, u64::from(e.length))?,
                );
            }
        }
        Ok(out)
    }

    /// The stored (gzip) bytes of tile z/x/y, if the archive has it.
    pub fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<&'a [u8]>, PmtilesError> {
        let id = tile_id(z, x, y);
        let (mut offset, mut length) = (self.header.root_offset, self.header.root_length);
        for _depth in 0..4 {
            let entries = self.directory(offset, length)?;
            let i = entries.partition_point(|e| e.tile_id <= id);
            let Some(e) = i.checked_sub(1).map(|i| entries[i]) else {
                return Ok(None);
            };
            if e.run_length == 0 {
                offset = self.header.leaves_offset + e.offset;
                length = u64::from(e.length);
                continue;
            }
            if id >= e.tile_id + u64::from(e.run_length) {
                return Ok(None);
            }
            return self
                .section(self.header.data_offset + e.offset, u64::from(e.length))
                .map(Some);
        }
        Err(PmtilesError::Format("directories nested too deep"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tile_ids_match_the_spec() {
        for ((z, x, y), id) in [
            ((0, 0, 0), 0),
            ((1, 0, 0), 1),
            ((1, 0, 1), 2),
            ((1, 1, 1), 3),
            ((1, 1, 0), 4),
            ((2, 0, 0), 5),
            ((12, 3423, 1763), 19_078_479),
            ((15, 27360, 15138), 1_222_593_891),
        ] {
            assert_eq!(tile_id(z, x, y), id, "{z}/{x}/{y}");
            assert_eq!(tile_zxy(id), (z, x, y), "{id}");
        }
        for z in 0..6u8 {
            let n = 1u32 << z;
            let mut ids: Vec<u64> = (0..n)
                .flat_map(|x| (0..n).map(move |y| tile_id(z, x, y)))
                .collect();
            ids.sort_unstable();
            let first = ((1u64 << (2 * u32::from(z))) - 1) / 3;
            assert_eq!(ids, (first..first + u64::from(n * n)).collect::<Vec<_>>());
        }
    }

    #[test]
    fn directories_round_trip() {
        let entries: Vec<Entry> = (0..1000u64)
            .map(|i| Entry {
                tile_id: i * 3 + 7,
                offset: if i % 10 == 9 { 5 } else { i * 100 },
                length: 100,
                run_length: 1 + (i % 3) as u32,
            })
            .collect();
        assert_eq!(
            decode_directory(&encode_directory(&entries)).unwrap(),
            entries
        );
    }

    #[test]
    fn archives_with_leaves_read_back() {
        let dir = std::env::temp_dir().join(format!("leerstand-pmtiles-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.pmtiles");
        let mut writer = Writer::create(&path).unwrap();
        let mut tiles = Vec::new();
        // Enough distinct tiles to need leaf directories, plus repeats that become runs.
        for x in 0..300u32 {
            for y in 0..300u32 {
                let content = if y % 7 == 0 {
                    vec![0xAB]
                } else {
                    format!("{x}/{y}").into_bytes()
                };
                tiles.push((tile_id(12, x, y), (x, y), content));
            }
        }
        tiles.sort_by_key(|t| t.0);
        for (id, _, content) in &tiles {
            writer.add(*id, content).unwrap();
        }
        assert!(writer.add(1, b"late").is_err());
        let extent = Extent {
            min_zoom: 12,
            max_zoom: 12,
            bounds: [11.0, 51.0, 11.5, 51.5],
            center_zoom: 12,
        };
        let header = writer
            .finish(&serde_json::json!({"name": "t"}), extent)
            .unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let reader = Reader::new(&bytes).unwrap();
        assert_eq!(reader.header, header);
        assert!(header.leaves_length > 0);
        assert!(header.root_offset + header.root_length <= ROOT_LIMIT as u64);
        assert_eq!(header.addressed_tiles, 90_000);
        assert!(header.tile_contents < 90_000);
        assert_eq!(reader.metadata().unwrap()["name"], "t");
        for (_, (x, y), content) in tiles.iter().step_by(97) {
            assert_eq!(reader.tile(12, *x, *y).unwrap(), Some(&content[..]));
        }
        assert_eq!(reader.tile(12, 301, 0).unwrap(), None);
        assert_eq!(reader.tile(11, 0, 0).unwrap(), None);
        assert_eq!(
            reader
                .entries()
                .unwrap()
                .iter()
                .map(|e| u64::from(e.run_length))
                .sum::<u64>(),
            90_000
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
