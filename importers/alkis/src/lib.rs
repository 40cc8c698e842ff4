//! Imports ALKIS NAS deliveries (initial loads and update deliveries; plain `.xml`, directories
//! and `.zip` archives) into PostGIS: parcels, buildings, addresses with their street names,
//! and actual land use.
//!
//! A reader thread parses the NAS stream and encodes binary COPY rows while the database
//! ingests the previous chunk, so parsing and loading overlap on two cores.

mod error;
pub mod nas;

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use sqlx::PgPool;
use store::{BatchKind, Begin, CopyBuf, ImportReport, MergeOptions, Staging};
use tokio::sync::mpsc;

pub use error::AlkisError;
pub use nas::NasReader;

/// How to import.
#[derive(Debug, Clone)]
pub struct Options {
    pub merge: MergeOptions,
    /// Rows are sent to the database in chunks of about this many bytes.
    pub chunk_bytes: usize,
    /// Shows features read and features per second; hidden when not drawn.
    pub progress: indicatif::ProgressBar,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            merge: MergeOptions::default(),
            chunk_bytes: 8 << 20,
            progress: indicatif::ProgressBar::hidden(),
        }
    }
}

/// One NAS document to read: a file, or an entry of a zip archive.
#[derive(Debug, Clone)]
enum Source {
    File(PathBuf),
    ZipEntry(PathBuf, usize, String),
}

impl Source {
    fn name(&self) -> String {
        match self {
            Self::File(p) => p.display().to_string(),
            Self::ZipEntry(p, _, entry) => format!("{}!{entry}", p.display()),
        }
    }
}

fn is_ext(p: &Path, ext: &str) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> AlkisError + '_ {
    move |source| AlkisError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Expands the given paths into NAS documents (directories recursively, sorted; archives
/// by entry) and returns them with the files whose bytes make up the checksum.
fn collect(paths: &[PathBuf]) -> Result<(Vec<Source>, Vec<PathBuf>), AlkisError> {
    let mut sources = Vec::new();
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(io_err(path))?;
        let mut found = Vec::new();
        if meta.is_dir() {
            walk(path, &mut found)?;
            if found.is_empty() {
                return Err(AlkisError::NoInput { path: path.clone() });
            }
        } else {
            found.push(path.clone());
        }
        for f in found {
            if is_ext(&f, "zip") {
                let file = File::open(&f).map_err(io_err(&f))?;
                let zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|source| {
                    AlkisError::Zip {
                        path: f.clone(),
                        source,
                    }
                })?;
                let mut names: Vec<(usize, String)> = zip
                    .file_names()
                    .map(str::to_owned)
                    .filter(|n| is_ext(Path::new(n), "xml"))
                    .filter_map(|n| zip.index_for_name(&n).map(|i| (i, n)))
                    .collect();
                if names.is_empty() {
                    return Err(AlkisError::EmptyArchive { path: f });
                }
                names.sort_by(|a, b| a.1.cmp(&b.1));
                for (i, n) in names {
                    sources.push(Source::ZipEntry(f.clone(), i, n));
                }
            } else {
                sources.push(Source::File(f.clone()));
            }
            files.push(f);
        }
    }
    Ok((sources, files))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), AlkisError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io_err(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if is_ext(&p, "xml") || is_ext(&p, "zip") {
            out.push(p);
        }
    }
    Ok(())
}

/// sha256 over the bytes of every input file, in order.
pub fn checksum(files: &[PathBuf]) -> Result<String, AlkisError> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    for f in files {
        let mut file = File::open(f).map_err(io_err(f))?;
        loop {
            let n = file.read(&mut buf).map_err(io_err(f))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
    }
    Ok(format!("{:x}", h.finalize()))
}

const CADASTRE_STAGING: &[Staging] = &[
    Staging::Parcel,
    Staging::Building,
    Staging::Address,
    Staging::Street,
    Staging::Link,
    Staging::LandUse,
    Staging::Delete,
    Staging::Catalogue,
];

/// A chunk of staging rows for one table.
type Chunk = (Staging, CopyBuf);

struct ChannelSink {
    tx: mpsc::Sender<Chunk>,
    progress: indicatif::ProgressBar,
}

impl nas::Sink for ChannelSink {
    fn chunk(&mut self, table: Staging, buf: CopyBuf) -> Result<(), AlkisError> {
        self.tx
            .blocking_send((table, buf))
            .map_err(|_| AlkisError::ReaderGone)
    }
    fn progress(&mut self, features: u64) {
        // Straight to the bar: progress messages in the channel would take the places of
        // chunks, and the reader would wait for the database instead of reading ahead.
        self.progress.inc(features);
    }
}

/// Reads every source on a thread of its own; returns the EPSG codes the files used.
fn read_all(
    sources: Vec<Source>,
    chunk_bytes: usize,
    tx: mpsc::Sender<Chunk>,
    progress: indicatif::ProgressBar,
) -> Result<Vec<(i32, String)>, AlkisError> {
    let mut sink = ChannelSink { tx, progress };
    let mut srids: Vec<(i32, String)> = Vec::new();
    for src in sources {
        let mut reader = NasReader::new(src.name(), chunk_bytes);
        match &src {
            Source::File(p) => {
                let file = File::open(p).map_err(io_err(p))?;
                reader.read(BufReader::with_capacity(1 << 20, file), &mut sink)?;
            }
            Source::ZipEntry(p, i, _) => {
                let file = File::open(p).map_err(io_err(p))?;
                let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|source| {
                    AlkisError::Zip {
                        path: p.clone(),
                        source,
                    }
                })?;
                let entry = zip.by_index(*i).map_err(|source| AlkisError::Zip {
                    path: p.clone(),
                    source,
                })?;
                reader.read(BufReader::with_capacity(1 << 20, entry), &mut sink)?;
            }
        }
        for s in reader.srids {
            if !srids.iter().any(|(c, _)| *c == s.0) {
                srids.push(s);
            }
        }
    }
    Ok(srids)
}

/// Imports NAS files, directories and zip archives in one transaction.
pub async fn import(
    pool: &PgPool,
    paths: &[PathBuf],
    opts: &Options,
) -> Result<ImportReport, AlkisError> {
    let (sources, files) = collect(paths)?;
    let sum = checksum(&files)?;
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let mut import = match store::begin(pool, BatchKind::Alkis, &names.join(", "), &sum).await? {
        Begin::AlreadyImported(report) => return Ok(report),
        Begin::Started(i) => i,
    };
    import.create_staging(CADASTRE_STAGING).await?;

    let (tx, mut rx) = mpsc::channel::<Chunk>(4);
    let chunk_bytes = opts.chunk_bytes;
    let progress = opts.progress.clone();
    let reader = std::thread::spawn(move || read_all(sources, chunk_bytes, tx, progress));
    let mut copy_result = Ok(());
    while let Some((table, buf)) = rx.recv().await {
        if let Err(e) = import.copy(table, buf).await {
            copy_result = Err(e);
            break;
        }
    }
    // Dropping the receiver stops the reader at its next send.
    drop(rx);
    let read = reader.join();
    // A refused COPY stops the reader too; the database's error is the one to report.
    copy_result?;
    let srids = read.map_err(|_| AlkisError::ReaderGone)??;
    for (srid, at) in srids {
        if !store::srid_known(pool, srid).await? {
            return Err(AlkisError::UnknownCrs {
                at,
                srs: format!("EPSG:{srid}"),
            });
        }
    }
    opts.progress.set_message("merging");
    import.merge_cadastre(opts.merge).await?;
    Ok(import.commit().await?)
}
