//! Taishi's pattern engines: a compiled set of byte patterns that a buffer
//! is scanned against once, reporting which patterns occur in it. The rule
//! engine's prefilter is built on it (and later Sigma and intel matching).
//!
//! Matching ignores ASCII case: a prefilter only picks candidates, and the
//! full inspection that follows decides case. Every pattern that occurs is
//! reported, overlapping or not, including one inside another: a missed
//! pattern is a missed alert. Each pattern is reported once per scan.
//!
//! Two backends sit behind [`PatternSet`]:
//! - **aho-corasick** (pure Rust, always built): a DFA with overlapping
//!   search, falling back to a contiguous NFA when the DFA would pass the
//!   crate's size limit;
//! - **Hyperscan** (the `hyperscan` feature, linking Debian's
//!   libhyperscan-dev 5.4): SIMD literal matching (FDR/Teddy), much faster
//!   on large pattern sets, as Suricata uses it. It needs SSSE3; when
//!   Hyperscan refuses a database for any reason, that set is built with
//!   aho-corasick instead, so nothing is lost.
//!
//! Measured (release, `--threads 1`, the 1 GiB bench capture, ET Open's
//! 14996 rules, medians of 3 interleaved runs on a shared 2-core machine):
//! no rules 2.40 s; aho-corasick 11.59 s; Hyperscan 6.63 s (1.75x faster,
//! peak RSS 707 MB instead of 878 MB). `rules check` of ET Open takes 0.61 s
//! with Hyperscan against 0.43 s (its compiler is slower) in 135 MB instead
//! of 276 MB. Both backends raise the same alerts on the bench capture and
//! on every corpus capture, and pass the same suricata-verify cases. Hence
//! Hyperscan is the default where it is built in.
//!
//! The backend is [`Backend::preferred`] unless asked: Hyperscan when built
//! in and the CPU runs it, except when the environment variable
//! `TAISHI_MPM_ALGO` is `ac` (as Suricata's `mpm-algo`), which an operator
//! can use to rule Hyperscan out without a rebuild.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

#[cfg(feature = "hyperscan")]
pub mod cache;
#[cfg(feature = "hyperscan")]
#[allow(unsafe_code)] // FFI to libhs: the crate's one unsafe module, each block proved there.
mod hs;

/// Keeps compiled Hyperscan databases in `dir` and reuses them when the
/// same pattern set is built again (see [`cache`]); without the
/// `hyperscan` feature there is nothing to keep and this does nothing.
pub fn set_cache_dir(dir: std::path::PathBuf) {
    #[cfg(feature = "hyperscan")]
    cache::set_dir(dir);
    #[cfg(not(feature = "hyperscan"))]
    let _ = dir;
}

/// A multi-pattern engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// The `aho-corasick` crate.
    AhoCorasick,
    /// Intel's Hyperscan (`libhs`), when built with the `hyperscan` feature.
    Hyperscan,
}

impl Backend {
    /// Hyperscan when built in and this CPU runs it, unless
    /// `TAISHI_MPM_ALGO=ac`; else aho-corasick. Decided once per process.
    pub fn preferred() -> Backend {
        static PREFERRED: OnceLock<Backend> = OnceLock::new();
        *PREFERRED.get_or_init(|| {
            let asked_ac = std::env::var("TAISHI_MPM_ALGO")
                .is_ok_and(|v| v.eq_ignore_ascii_case("ac") || v == "aho-corasick");
            if !asked_ac && Backend::Hyperscan.available() {
                Backend::Hyperscan
            } else {
                Backend::AhoCorasick
            }
        })
    }

    /// Whether this backend is built in and runs on this CPU.
    pub fn available(self) -> bool {
        match self {
            Backend::AhoCorasick => true,
            #[cfg(feature = "hyperscan")]
            Backend::Hyperscan => hs::valid_platform(),
            #[cfg(not(feature = "hyperscan"))]
            Backend::Hyperscan => false,
        }
    }

    /// The name operators know it by.
    pub fn name(self) -> &'static str {
        match self {
            Backend::AhoCorasick => "aho-corasick",
            Backend::Hyperscan => "hyperscan",
        }
    }
}

/// Why a pattern set could not be built by any backend.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// More patterns than ids fit in a `u32`.
    TooManyPatterns(usize),
    /// aho-corasick refused the set (past its size limits).
    AhoCorasick(String),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::TooManyPatterns(n) => write!(f, "{n} patterns: more than u32 ids"),
            BuildError::AhoCorasick(e) => write!(f, "aho-corasick: {e}"),
        }
    }
}

impl std::error::Error for BuildError {}

/// The compiled automaton of one backend.
#[derive(Debug)]
enum Engine {
    /// Every pattern is empty (or there is none): nothing to scan for.
    None,
    Ac(AhoCorasick),
    #[cfg(feature = "hyperscan")]
    Hs(hs::Database),
}

/// A compiled set of caseless byte patterns, scanned with a [`Scratch`].
///
/// Pattern indexes are those of the slice it was built from. An empty
/// pattern occurs in every haystack (the empty one too); the backends never
/// see it.
#[derive(Debug)]
pub struct PatternSet {
    engine: Engine,
    /// Indexes (into the caller's slice) of the patterns the engine holds:
    /// the engine numbers them 0.. without the empty ones.
    ids: Vec<u32>,
    /// Indexes of empty patterns.
    empty: Vec<u32>,
    len: usize,
    /// Why Hyperscan was asked for and not used, if it was.
    fallback: Option<String>,
}

impl PatternSet {
    /// Builds `patterns` with [`Backend::preferred`].
    pub fn new(patterns: &[Vec<u8>]) -> Result<PatternSet, BuildError> {
        PatternSet::with_backend(patterns, Backend::preferred())
    }

    /// Builds `patterns` with [`Backend::preferred`], pattern `i` compared
    /// exactly when `exact[i]` is true (caseless otherwise, and when the
    /// flag is missing). Hyperscan then reports an exact pattern only as
    /// written, which spares the caller the candidates a caseless search
    /// would add (`PK` finding `pk`); aho-corasick still searches it
    /// caseless, reporting more, never less.
    pub fn with_case(patterns: &[Vec<u8>], exact: &[bool]) -> Result<PatternSet, BuildError> {
        PatternSet::build(patterns, exact, Backend::preferred())
    }

    /// Builds `patterns` with `backend`; when that is Hyperscan and it
    /// refuses the set (or is not built in), with aho-corasick instead
    /// ([`PatternSet::fallback`] says why).
    pub fn with_backend(patterns: &[Vec<u8>], backend: Backend) -> Result<PatternSet, BuildError> {
        PatternSet::build(patterns, &[], backend)
    }

    fn build(
        patterns: &[Vec<u8>],
        exact: &[bool],
        backend: Backend,
    ) -> Result<PatternSet, BuildError> {
        if u32::try_from(patterns.len()).is_err() {
            return Err(BuildError::TooManyPatterns(patterns.len()));
        }
        let mut ids = Vec::with_capacity(patterns.len());
        let mut empty = Vec::new();
        let mut held: Vec<&[u8]> = Vec::with_capacity(patterns.len());
        let mut held_exact: Vec<bool> = Vec::with_capacity(patterns.len());
        for (i, p) in (0u32..).zip(patterns) {
            if p.is_empty() {
                empty.push(i);
            } else {
                ids.push(i);
                held.push(p);
                held_exact.push(exact.get(i as usize).copied().unwrap_or(false));
            }
        }
        let mut fallback = None;
        let engine = if held.is_empty() {
            Engine::None
        } else {
            match backend {
                Backend::AhoCorasick => Engine::Ac(build_ac(&held)?),
                Backend::Hyperscan => match build_hs(&held, &held_exact) {
                    Ok(e) => e,
                    Err(why) => {
                        fallback = Some(why);
                        Engine::Ac(build_ac(&held)?)
                    }
                },
            }
        };
        Ok(PatternSet {
            engine,
            ids,
            empty,
            len: patterns.len(),
            fallback,
        })
    }

    /// The backend that scans this set.
    pub fn backend(&self) -> Backend {
        match &self.engine {
            Engine::None | Engine::Ac(_) => Backend::AhoCorasick,
            #[cfg(feature = "hyperscan")]
            Engine::Hs(_) => Backend::Hyperscan,
        }
    }

    /// Why Hyperscan was asked for and aho-corasick built instead.
    pub fn fallback(&self) -> Option<&str> {
        self.fallback.as_deref()
    }

    /// Number of patterns (as built from, empty ones included).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set was built from no pattern.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Heap bytes of the compiled automaton.
    pub fn memory_usage(&self) -> usize {
        match &self.engine {
            Engine::None => 0,
            Engine::Ac(ac) => ac.memory_usage(),
            #[cfg(feature = "hyperscan")]
            Engine::Hs(db) => db.size(),
        }
    }

    /// Calls `f` with the index of each pattern that occurs in `haystack`
    /// (ignoring ASCII case), once per pattern per scan.
    ///
    /// `scratch` is the caller's, one per worker thread: it is grown for
    /// each set it scans, so one scratch serves every set.
    pub fn scan(&self, haystack: &[u8], scratch: &mut Scratch, mut f: impl FnMut(usize)) {
        for &i in &self.empty {
            f(i as usize);
        }
        match &self.engine {
            Engine::None => {}
            Engine::Ac(ac) => {
                scratch.start(self.ids.len());
                let generation = scratch.generation;
                for m in ac.find_overlapping_iter(haystack) {
                    let p = m.pattern().as_usize();
                    if let Some(seen) = scratch.seen.get_mut(p) {
                        if *seen == generation {
                            continue;
                        }
                        *seen = generation;
                    }
                    if let Some(&i) = self.ids.get(p) {
                        f(i as usize);
                    }
                }
            }
            #[cfg(feature = "hyperscan")]
            Engine::Hs(db) => {
                let ids = &self.ids;
                let mut report = |p: u32| {
                    if let Some(&i) = ids.get(p as usize) {
                        f(i as usize);
                    }
                };
                if db.scan(haystack, &mut scratch.hs, &mut report).is_err() {
                    // No scratch memory: every pattern is a candidate, so that
                    // the full inspection still sees every rule.
                    scratch.failed_scans = scratch.failed_scans.saturating_add(1);
                    ids.iter().for_each(|&i| f(i as usize));
                }
            }
        }
    }
}

fn build_ac(patterns: &[&[u8]]) -> Result<AhoCorasick, BuildError> {
    // A DFA scans fastest; past its size limit the contiguous NFA is next.
    let build = |kind| {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(kind)
            .build(patterns)
    };
    build(Some(AhoCorasickKind::DFA))
        .or_else(|_| build(None))
        .map_err(|e| BuildError::AhoCorasick(e.to_string()))
}

#[cfg(feature = "hyperscan")]
fn build_hs(patterns: &[&[u8]], exact: &[bool]) -> Result<Engine, String> {
    if let Some(db) = cache::load(patterns, exact) {
        return Ok(Engine::Hs(db));
    }
    let db = hs::Database::compile(patterns, exact).map_err(|e| e.0)?;
    cache::store(patterns, exact, &db);
    Ok(Engine::Hs(db))
}

#[cfg(not(feature = "hyperscan"))]
fn build_hs(_patterns: &[&[u8]], _exact: &[bool]) -> Result<Engine, String> {
    Err("built without the hyperscan feature".into())
}

/// Per-worker scan state, reused by every scan of every [`PatternSet`]:
/// aho-corasick's "already reported" stamps and Hyperscan's scratch.
/// Never share one between threads (it is `Send`, not `Sync`).
#[derive(Debug, Default, Clone)]
pub struct Scratch {
    seen: Vec<u32>,
    generation: u32,
    #[cfg(feature = "hyperscan")]
    hs: hs::Scratch,
    failed_scans: u64,
}

impl Scratch {
    /// Scans Hyperscan could not run (no memory for its scratch), each of
    /// which reported every pattern of its set instead.
    pub fn failed_scans(&self) -> u64 {
        self.failed_scans
    }

    fn start(&mut self, patterns: usize) {
        if self.seen.len() < patterns {
            self.seen.resize(patterns, 0);
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.seen.iter_mut().for_each(|x| *x = 0);
            self.generation = 1;
        }
    }
}
