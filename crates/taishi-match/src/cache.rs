//! An on-disk cache of compiled Hyperscan databases, as Suricata 8's
//! `detect.sgh-mpm-caching`.
//!
//! Compiling ET Open's fast patterns takes Hyperscan most of a rule load
//! (about 1.1 s of 1.35 s here), and a sensor restarted with the same rules
//! compiles the same sets again. Each compiled set is kept in a file of
//! the cache folder named after a hash of its patterns; the file holds the
//! patterns themselves, so a hit is proved by comparing them exactly, not
//! by trusting the hash. Anything amiss (another version of the format, a
//! different set, a truncated or corrupted file, a database Hyperscan
//! refuses for this version or CPU) is a miss: the set is compiled and the
//! file written anew. Files are written to a temporary name and renamed,
//! so a reader never sees half a file, and files unused for
//! [`MAX_AGE`] are removed.
//!
//! The cache is off until [`set_dir`] names a folder (the `taishi` binary
//! does, from its configuration), so libraries and tests compile as before.

use std::hash::BuildHasher;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use crate::hs::Database;

/// First bytes of a cache file; bumped when the layout changes (2: each
/// pattern is followed by its case flag).
const MAGIC: &[u8] = b"TAISHI-HSDB-2\n";
/// Files not used for this long are removed (Suricata's default
/// `sgh-mpm-caching-max-age`).
pub const MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);
/// Seeds the hash of file names and of the database checksum.
const SEED: u64 = 0x7461_6973_6869_6d70;

static DIR: OnceLock<PathBuf> = OnceLock::new();

/// Turns the cache on, in `dir` (created when missing). The first call
/// wins; later ones are ignored, so one process uses one folder. Also
/// removes files older than [`MAX_AGE`].
pub fn set_dir(dir: PathBuf) {
    if DIR.set(dir).is_ok()
        && let Some(d) = DIR.get()
    {
        prune(d, MAX_AGE);
    }
}

/// The folder in use, if the cache is on.
pub fn dir() -> Option<&'static Path> {
    DIR.get().map(PathBuf::as_path)
}

fn hasher() -> foldhash::fast::FixedState {
    foldhash::fast::FixedState::with_seed(SEED)
}

/// Whether pattern `i` is compared exactly (see `PatternSet::with_case`).
fn exact_at(exact: &[bool], i: usize) -> bool {
    exact.get(i).copied().unwrap_or(false)
}

fn file_for(dir: &Path, patterns: &[&[u8]], exact: &[bool]) -> PathBuf {
    let flags: Vec<bool> = (0..patterns.len()).map(|i| exact_at(exact, i)).collect();
    dir.join(format!(
        "{:016x}.hsdb",
        hasher().hash_one((patterns, flags))
    ))
}

/// The compiled set of `patterns` (with their case flags) from the cache,
/// if it holds it.
pub(crate) fn load(patterns: &[&[u8]], exact: &[bool]) -> Option<Database> {
    let path = file_for(dir()?, patterns, exact);
    let bytes = std::fs::read(&path).ok()?;
    let db = parse(&bytes, patterns, exact)?;
    let db = Database::deserialize(db, patterns.iter().map(|p| p.len()).max().unwrap_or(1))?;
    // Used now: keep it from being pruned as stale.
    if let Ok(f) = std::fs::File::options().append(true).open(&path) {
        let _ = f.set_modified(SystemTime::now());
    }
    Some(db)
}

/// Keeps `db`, compiled from `patterns`, for the next load. Failures (a
/// read-only or full disk) only cost the next load a compile.
pub(crate) fn store(patterns: &[&[u8]], exact: &[bool], db: &Database) {
    let Some(dir) = dir() else { return };
    let Some(serialized) = db.serialize() else {
        return;
    };
    let path = file_for(dir, patterns, exact);
    let _ = write(dir, &path, patterns, exact, &serialized);
}

fn write(
    dir: &Path,
    path: &Path,
    patterns: &[&[u8]],
    exact: &[bool],
    db: &[u8],
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut out =
        Vec::with_capacity(db.len() + patterns.iter().map(|p| p.len() + 5).sum::<usize>());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(patterns.len() as u64).to_le_bytes());
    for (i, p) in patterns.iter().enumerate() {
        out.extend_from_slice(&(p.len() as u32).to_le_bytes());
        out.extend_from_slice(p);
        out.push(u8::from(exact_at(exact, i)));
    }
    out.extend_from_slice(&hasher().hash_one(db).to_le_bytes());
    out.extend_from_slice(&(db.len() as u64).to_le_bytes());
    out.extend_from_slice(db);
    // A name of its own per process and write, so concurrent writers (other
    // processes, or threads of this one compiling the same set) never share
    // one.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp{}-{n}", std::process::id()));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(&out)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// The serialized database of a cache file, when the file is whole and was
/// written for exactly `patterns`.
fn parse<'a>(bytes: &'a [u8], patterns: &[&[u8]], exact: &[bool]) -> Option<&'a [u8]> {
    let mut r = Reader(bytes.strip_prefix(MAGIC)?);
    if r.u64()? != patterns.len() as u64 {
        return None;
    }
    for (i, p) in patterns.iter().enumerate() {
        let n = r.u32()? as usize;
        if r.take(n)? != *p || r.take(1)? != [u8::from(exact_at(exact, i))] {
            return None;
        }
    }
    let sum = r.u64()?;
    let n = usize::try_from(r.u64()?).ok()?;
    let db = r.take(n)?;
    (r.0.is_empty() && hasher().hash_one(db) == sum).then_some(db)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4)?.try_into().ok().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.take(8)?.try_into().ok().map(u64::from_le_bytes)
    }
}

/// Removes cache files last used more than `max_age` ago.
fn prune(dir: &Path, max_age: Duration) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for e in entries.flatten() {
        let path = e.path();
        let ours = path
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| x == "hsdb" || x.starts_with("tmp"));
        let stale = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > max_age);
        if ours && stale {
            let _ = std::fs::remove_file(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pats() -> Vec<&'static [u8]> {
        vec![b"GET ".as_slice(), b"evil.example", b"|00 01|"]
    }

    #[test]
    fn a_written_file_reads_back_only_for_its_own_patterns() {
        let dir = tempfile_dir("roundtrip");
        let p = pats();
        // The first pattern is compared exactly, the others without case.
        let exact = [true, false, false];
        let db = Database::compile(&p, &exact).unwrap();
        let bytes = db.serialize().unwrap();
        let path = file_for(&dir, &p, &exact);
        assert_ne!(path, file_for(&dir, &p, &[]));
        write(&dir, &path, &p, &exact, &bytes).unwrap();
        let file = std::fs::read(&path).unwrap();
        assert_eq!(parse(&file, &p, &exact), Some(bytes.as_slice()));
        // Another set (one pattern, or one case flag, changed) is a miss,
        // not a wrong database.
        let other = vec![b"GET ".as_slice(), b"evil.exampla", b"|00 01|"];
        assert_eq!(parse(&file, &other, &exact), None);
        assert_eq!(parse(&file, &p, &[]), None);
        // A truncated or corrupted file is a miss.
        assert_eq!(parse(&file[..file.len() - 1], &p, &exact), None);
        let mut bad = file.clone();
        let last = bad.len() - 1;
        bad[last] ^= 0xff;
        assert_eq!(parse(&bad, &p, &exact), None);
        // The database it holds scans like the one compiled: `GET ` only as
        // written, the rest in any case.
        let back = Database::deserialize(parse(&file, &p, &exact).unwrap(), 12).unwrap();
        let mut scratch = crate::hs::Scratch::default();
        let mut seen = Vec::new();
        back.scan(b"xx EVIL.EXAMPLE get ", &mut scratch, &mut |i| seen.push(i))
            .unwrap();
        assert_eq!(seen, vec![1]);
        seen.clear();
        back.scan(b"GET evil", &mut scratch, &mut |i| seen.push(i))
            .unwrap();
        assert_eq!(seen, vec![0]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn garbage_is_refused_by_hyperscan_not_trusted() {
        assert!(Database::deserialize(b"not a database at all", 4).is_none());
        assert!(Database::deserialize(&[], 4).is_none());
    }

    #[test]
    fn prune_removes_only_stale_cache_files() {
        let dir = tempfile_dir("prune");
        let old = dir.join("aaaa.hsdb");
        let fresh = dir.join("bbbb.hsdb");
        let other = dir.join("notes.txt");
        for f in [&old, &fresh, &other] {
            std::fs::write(f, b"x").unwrap();
        }
        let long_ago = SystemTime::now() - Duration::from_secs(30 * 24 * 3600);
        for f in [&old, &other] {
            std::fs::File::options()
                .append(true)
                .open(f)
                .unwrap()
                .set_modified(long_ago)
                .unwrap();
        }
        prune(&dir, MAX_AGE);
        assert!(!old.exists());
        assert!(fresh.exists());
        assert!(other.exists(), "not ours: left alone");
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn tempfile_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("taishi-hsdb-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
