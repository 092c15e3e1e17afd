//! Hand-written FFI to Hyperscan 5.4 (`libhs`, Debian's libhyperscan-dev):
//! literal databases compiled with `hs_compile_lit_multi`, block-mode scans
//! with `hs_scan`, and one scratch per worker grown for each database it
//! meets. bindgen (libclang) is not available here, and the handful of
//! declarations below are copied from `hs_common.h`, `hs_compile.h` and
//! `hs_runtime.h` of that version.
//!
//! This is the crate's only `unsafe` code. The invariants every block leans
//! on:
//! - a [`Database`] owns its `hs_database_t` (freed once, in `Drop`) and is
//!   never mutated after compilation, which Hyperscan documents as safe to
//!   scan from many threads at once;
//! - a [`Scratch`] owns its `hs_scratch_t` and is `Send` but not `Sync`, and
//!   every use takes `&mut Scratch`, so a scratch is never used by two scans
//!   at once (Hyperscan's one rule for scratch);
//! - the match callback receives a pointer to a [`Ctx`] that lives on the
//!   stack of [`Database::scan`] for the whole `hs_scan` call, and panics are
//!   caught before they would cross the C frames.

use std::any::Any;
use std::ffi::{CStr, c_char, c_int, c_uint, c_ulonglong, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};

use hashbrown::HashSet;

/// Opaque `hs_database_t`.
#[repr(C)]
struct HsDatabase {
    _private: [u8; 0],
}

/// Opaque `hs_scratch_t`.
#[repr(C)]
struct HsScratch {
    _private: [u8; 0],
}

/// `hs_compile_error_t`.
#[repr(C)]
struct HsCompileError {
    message: *mut c_char,
    expression: c_int,
}

/// `match_event_handler`.
type MatchHandler = unsafe extern "C" fn(
    id: c_uint,
    from: c_ulonglong,
    to: c_ulonglong,
    flags: c_uint,
    context: *mut c_void,
) -> c_int;

const HS_SUCCESS: c_int = 0;
const HS_SCAN_TERMINATED: c_int = -3;
const HS_FLAG_CASELESS: c_uint = 1;
const HS_FLAG_SINGLEMATCH: c_uint = 8;
const HS_MODE_BLOCK: c_uint = 1;

unsafe extern "C" {
    fn hs_valid_platform() -> c_int;
    fn hs_compile_lit_multi(
        expressions: *const *const c_char,
        flags: *const c_uint,
        ids: *const c_uint,
        lens: *const usize,
        elements: c_uint,
        mode: c_uint,
        platform: *const c_void,
        db: *mut *mut HsDatabase,
        error: *mut *mut HsCompileError,
    ) -> c_int;
    fn hs_free_compile_error(error: *mut HsCompileError) -> c_int;
    fn hs_free_database(db: *mut HsDatabase) -> c_int;
    fn hs_database_size(db: *const HsDatabase, size: *mut usize) -> c_int;
    fn hs_serialize_database(
        db: *const HsDatabase,
        bytes: *mut *mut c_char,
        length: *mut usize,
    ) -> c_int;
    fn hs_deserialize_database(
        bytes: *const c_char,
        length: usize,
        db: *mut *mut HsDatabase,
    ) -> c_int;
    /// The C library's `free`: Hyperscan allocates a serialized database
    /// with its misc allocator, `malloc` unless `hs_set_misc_allocator` was
    /// called, which Taishi never does.
    fn free(ptr: *mut c_void);
    fn hs_alloc_scratch(db: *const HsDatabase, scratch: *mut *mut HsScratch) -> c_int;
    fn hs_clone_scratch(src: *const HsScratch, dest: *mut *mut HsScratch) -> c_int;
    fn hs_free_scratch(scratch: *mut HsScratch) -> c_int;
    fn hs_scan(
        db: *const HsDatabase,
        data: *const c_char,
        length: c_uint,
        flags: c_uint,
        scratch: *mut HsScratch,
        on_event: Option<MatchHandler>,
        context: *mut c_void,
    ) -> c_int;
}

/// Gives each database an identity for the scratches that were sized for it.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Whether this CPU runs Hyperscan (it needs SSSE3).
pub(crate) fn valid_platform() -> bool {
    // SAFETY: takes no argument and only reads CPU features.
    unsafe { hs_valid_platform() == HS_SUCCESS }
}

/// A compiled block-mode database of caseless literals, reporting each
/// literal once per scan (`HS_FLAG_SINGLEMATCH`) with its index as id.
#[derive(Debug)]
pub(crate) struct Database {
    ptr: NonNull<HsDatabase>,
    id: u64,
    /// Longest literal: scans of haystacks past `u32::MAX` bytes overlap
    /// their chunks by this much less one.
    max_len: usize,
}

// SAFETY: the database is immutable once compiled and owned by this value
// alone; Hyperscan allows one database to be scanned by many threads at once
// (each with its own scratch), and freeing happens once, in Drop.
unsafe impl Send for Database {}
// SAFETY: as for Send: `&Database` only reaches `hs_scan` and
// `hs_alloc_scratch`, which read the database.
unsafe impl Sync for Database {}

impl Drop for Database {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from hs_compile_lit_multi, is owned by this value
        // alone and is freed only here.
        unsafe {
            hs_free_database(self.ptr.as_ptr());
        }
    }
}

/// A Hyperscan scratch, valid for every database it was grown for.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    ptr: Option<NonNull<HsScratch>>,
    sized_for: HashSet<u64, foldhash::fast::FixedState>,
}

// SAFETY: a scratch may move between threads; what Hyperscan forbids is two
// concurrent scans on it, which `&mut self` on every use prevents (and the
// raw pointer keeps the type !Sync).
unsafe impl Send for Scratch {}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(p) = self.ptr.take() {
            // SAFETY: `p` came from hs_alloc_scratch or hs_clone_scratch, is
            // owned by this value alone and is not in use (we hold &mut).
            unsafe {
                hs_free_scratch(p.as_ptr());
            }
        }
    }
}

impl Clone for Scratch {
    /// A scratch for another worker, valid for the same databases.
    fn clone(&self) -> Self {
        let Some(src) = self.ptr else {
            return Scratch::default();
        };
        let mut dest: *mut HsScratch = std::ptr::null_mut();
        // SAFETY: `src` is a live scratch owned by `self`; hs_clone_scratch
        // only reads it, and writes a new scratch (or nothing) into `dest`,
        // a valid out-pointer on our stack.
        let rc = unsafe { hs_clone_scratch(src.as_ptr(), &mut dest) };
        match NonNull::new(dest) {
            Some(p) if rc == HS_SUCCESS => Scratch {
                ptr: Some(p),
                sized_for: self.sized_for.clone(),
            },
            // Out of memory: the clone starts empty and grows on first use.
            _ => Scratch::default(),
        }
    }
}

impl Scratch {
    /// Grows the scratch for `db` if it was not yet. False when Hyperscan
    /// could not allocate it.
    fn ready_for(&mut self, db: &Database) -> bool {
        if self.ptr.is_some() && self.sized_for.contains(&db.id) {
            return true;
        }
        let mut p: *mut HsScratch = self.ptr.map_or(std::ptr::null_mut(), NonNull::as_ptr);
        // SAFETY: `db.ptr` is a live database; `p` is null or our own live
        // scratch, not in use (we hold &mut self). hs_alloc_scratch either
        // keeps it, or frees it and writes a new one (or null on failure)
        // into `p`: we take whatever `p` holds afterwards as ours.
        let rc = unsafe { hs_alloc_scratch(db.ptr.as_ptr(), &mut p) };
        let now = NonNull::new(p);
        if now.is_none() {
            self.sized_for.clear();
        }
        self.ptr = now;
        if rc == HS_SUCCESS && self.ptr.is_some() {
            self.sized_for.insert(db.id);
            true
        } else {
            false
        }
    }
}

/// Why Hyperscan refused a database.
#[derive(Debug)]
pub(crate) struct CompileError(pub(crate) String);

impl Database {
    /// Compiles `patterns` (none empty, at most `u32::MAX` of them), pattern
    /// `i` reported with id `i`, caseless unless `exact[i]`.
    pub(crate) fn compile(patterns: &[&[u8]], exact: &[bool]) -> Result<Database, CompileError> {
        if !valid_platform() {
            return Err(CompileError("this CPU lacks SSSE3".into()));
        }
        let n = c_uint::try_from(patterns.len())
            .map_err(|_| CompileError("too many patterns".into()))?;
        if n == 0 || patterns.iter().any(|p| p.is_empty()) {
            return Err(CompileError("no pattern, or an empty one".into()));
        }
        let exprs: Vec<*const c_char> = patterns.iter().map(|p| p.as_ptr().cast()).collect();
        let lens: Vec<usize> = patterns.iter().map(|p| p.len()).collect();
        let flags: Vec<c_uint> = (0..patterns.len())
            .map(|i| match exact.get(i) {
                Some(true) => HS_FLAG_SINGLEMATCH,
                _ => HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH,
            })
            .collect();
        let ids: Vec<c_uint> = (0..n).collect();
        let mut db: *mut HsDatabase = std::ptr::null_mut();
        let mut err: *mut HsCompileError = std::ptr::null_mut();
        // SAFETY: the four arrays hold `n` elements each and outlive the call;
        // each expression pointer addresses `lens[i]` readable bytes of a
        // slice borrowed for the call (literals need no NUL terminator);
        // platform null means "this host"; `db` and `err` are valid
        // out-pointers on our stack.
        let rc = unsafe {
            hs_compile_lit_multi(
                exprs.as_ptr(),
                flags.as_ptr(),
                ids.as_ptr(),
                lens.as_ptr(),
                n,
                HS_MODE_BLOCK,
                std::ptr::null(),
                &mut db,
                &mut err,
            )
        };
        let message = NonNull::new(err).map(|e| {
            // SAFETY: Hyperscan wrote a live hs_compile_error_t whose
            // `message` is null or a NUL-terminated string it owns; we copy
            // the message out, then free the error exactly once.
            unsafe {
                let e = e.as_ptr();
                let m = (*e).message;
                let text = if m.is_null() {
                    String::from("unknown error")
                } else {
                    CStr::from_ptr(m).to_string_lossy().into_owned()
                };
                let at = (*e).expression;
                hs_free_compile_error(e);
                format!("{text} (pattern {at})")
            }
        });
        match NonNull::new(db) {
            Some(ptr) if rc == HS_SUCCESS => Ok(Database {
                ptr,
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                max_len: lens.iter().copied().max().unwrap_or(1),
            }),
            Some(ptr) => {
                // A database alongside a failure code should not happen; free
                // it rather than leak it.
                // SAFETY: `ptr` was just written by hs_compile_lit_multi and is
                // owned by nobody else.
                unsafe {
                    hs_free_database(ptr.as_ptr());
                }
                Err(CompileError(
                    message.unwrap_or_else(|| format!("error {rc}")),
                ))
            }
            None => Err(CompileError(
                message.unwrap_or_else(|| format!("error {rc}")),
            )),
        }
    }

    /// The database as bytes that [`Database::deserialize`] takes back, on
    /// a machine with the same Hyperscan version and CPU features; `None`
    /// when Hyperscan could not allocate them.
    pub(crate) fn serialize(&self) -> Option<Vec<u8>> {
        let mut bytes: *mut c_char = std::ptr::null_mut();
        let mut len = 0usize;
        // SAFETY: `self.ptr` is a live database; `bytes` and `len` are valid
        // out-pointers on our stack.
        let rc = unsafe { hs_serialize_database(self.ptr.as_ptr(), &mut bytes, &mut len) };
        let ptr = NonNull::new(bytes)?;
        let out = (rc == HS_SUCCESS).then(|| {
            // SAFETY: on success Hyperscan wrote `len` initialised bytes at
            // `ptr`, which stay valid until we free them below.
            unsafe { std::slice::from_raw_parts(ptr.as_ptr().cast::<u8>(), len) }.to_vec()
        });
        // SAFETY: `ptr` was allocated by Hyperscan's misc allocator (malloc,
        // see `free` above), is owned by us and freed exactly once; the copy
        // above no longer borrows it.
        unsafe { free(ptr.as_ptr().cast()) };
        out
    }

    /// A database from the bytes of [`Database::serialize`]. Hyperscan
    /// checks their header (magic, version, platform) and refuses what it
    /// did not write for this machine; it is not a guard against damaged
    /// bytes, which the cache's own checksum is. `max_len` is the longest
    /// pattern of the set, which the caller knows.
    pub(crate) fn deserialize(bytes: &[u8], max_len: usize) -> Option<Database> {
        if !valid_platform() {
            return None;
        }
        let mut db: *mut HsDatabase = std::ptr::null_mut();
        // SAFETY: `bytes` is `bytes.len()` readable bytes borrowed for the
        // call; `db` is a valid out-pointer on our stack. Hyperscan copies
        // what it keeps into a database it allocates.
        let rc = unsafe { hs_deserialize_database(bytes.as_ptr().cast(), bytes.len(), &mut db) };
        let ptr = NonNull::new(db)?;
        if rc != HS_SUCCESS {
            // SAFETY: a database written alongside a failure is ours alone.
            unsafe { hs_free_database(ptr.as_ptr()) };
            return None;
        }
        Some(Database {
            ptr,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            max_len: max_len.max(1),
        })
    }

    /// Bytes of the compiled database.
    pub(crate) fn size(&self) -> usize {
        let mut n = 0usize;
        // SAFETY: `self.ptr` is a live database and `n` a valid out-pointer.
        let rc = unsafe { hs_database_size(self.ptr.as_ptr(), &mut n) };
        if rc == HS_SUCCESS { n } else { 0 }
    }

    /// Calls `f` with the id of each pattern in `hay` (once per chunk of
    /// `u32::MAX` bytes, so once for any real buffer). `Err` when Hyperscan
    /// could not scan (no scratch memory): the caller must then assume every
    /// pattern occurs, so that no rule is lost.
    pub(crate) fn scan(
        &self,
        hay: &[u8],
        scratch: &mut Scratch,
        f: &mut dyn FnMut(u32),
    ) -> Result<(), ()> {
        if !scratch.ready_for(self) {
            return Err(());
        }
        let Some(sp) = scratch.ptr else {
            return Err(());
        };
        const CHUNK: usize = u32::MAX as usize;
        let mut start = 0usize;
        loop {
            let end = hay.len().min(start.saturating_add(CHUNK));
            let chunk = hay.get(start..end).unwrap_or_default();
            let mut ctx = Ctx {
                f: &mut *f,
                panic: None,
            };
            // `chunk.len()` is at most u32::MAX by construction.
            let len = c_uint::try_from(chunk.len()).unwrap_or(c_uint::MAX);
            // SAFETY: `self.ptr` is a live database and `sp` a live scratch
            // grown for it (ready_for above) that no other scan uses (we hold
            // &mut Scratch); `chunk` is `len` readable bytes borrowed for the
            // call; `ctx` is a `Ctx` on this stack frame that outlives the
            // call, and `on_match` casts the context back to exactly `Ctx`.
            let rc = unsafe {
                hs_scan(
                    self.ptr.as_ptr(),
                    chunk.as_ptr().cast(),
                    len,
                    0,
                    sp.as_ptr(),
                    Some(on_match),
                    (&raw mut ctx).cast(),
                )
            };
            if let Some(p) = ctx.panic.take() {
                resume_unwind(p);
            }
            if rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED {
                return Err(());
            }
            if end >= hay.len() {
                return Ok(());
            }
            // Overlap so that a pattern across the cut is still found.
            start = end
                .saturating_sub(self.max_len.saturating_sub(1))
                .max(start + 1);
        }
    }
}

/// What the match callback reaches through Hyperscan's context pointer.
struct Ctx<'a> {
    f: &'a mut dyn FnMut(u32),
    /// A panic of `f`, carried over the C frames and resumed after hs_scan.
    panic: Option<Box<dyn Any + Send + 'static>>,
}

/// Hyperscan's match callback: hands the pattern id to the caller's closure.
unsafe extern "C" fn on_match(
    id: c_uint,
    _from: c_ulonglong,
    _to: c_ulonglong,
    _flags: c_uint,
    context: *mut c_void,
) -> c_int {
    // SAFETY: `context` is the `&raw mut ctx` that Database::scan passed to
    // hs_scan, a live `Ctx` on its stack for the whole call; hs_scan calls us
    // only during that call and on that thread, and nothing else touches
    // `ctx` meanwhile.
    let ctx = unsafe { &mut *context.cast::<Ctx<'_>>() };
    match catch_unwind(AssertUnwindSafe(|| (ctx.f)(id))) {
        Ok(()) => 0,
        Err(p) => {
            ctx.panic = Some(p);
            1
        }
    }
}
