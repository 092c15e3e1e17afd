//! Every backend reports exactly the patterns a naive search finds, each
//! once per scan: overlapping patterns, patterns inside others (prefixes,
//! suffixes), ASCII case, binary and non-ASCII bytes, empty haystacks.

use std::collections::BTreeMap;

use proptest::prelude::*;
use taishi_match::{Backend, PatternSet, Scratch};

/// Pattern indexes that occur in `hay`, ignoring ASCII case only.
fn naive(patterns: &[Vec<u8>], hay: &[u8]) -> Vec<usize> {
    patterns
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_empty() || hay.windows(p.len()).any(|w| w.eq_ignore_ascii_case(p)))
        .map(|(i, _)| i)
        .collect()
}

/// What `set` reports, with how often each index was reported.
fn reported(set: &PatternSet, hay: &[u8], scratch: &mut Scratch) -> BTreeMap<usize, u32> {
    let mut got = BTreeMap::new();
    set.scan(hay, scratch, |i| *got.entry(i).or_insert(0) += 1);
    got
}

fn backends() -> Vec<Backend> {
    let mut b = vec![Backend::AhoCorasick];
    if Backend::Hyperscan.available() {
        b.push(Backend::Hyperscan);
    } else {
        eprintln!("hyperscan not built in or not runnable here: testing aho-corasick only");
    }
    b
}

fn check(patterns: &[Vec<u8>], hays: &[Vec<u8>]) -> Result<(), TestCaseError> {
    for backend in backends() {
        let set = PatternSet::with_backend(patterns, backend)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        if patterns.iter().any(|p| !p.is_empty()) {
            prop_assert_eq!(set.backend(), backend, "fallback: {:?}", set.fallback());
        }
        let mut scratch = Scratch::default();
        for hay in hays {
            let got = reported(&set, hay, &mut scratch);
            let want = naive(patterns, hay);
            prop_assert_eq!(
                got.keys().copied().collect::<Vec<_>>(),
                want,
                "{:?}",
                backend
            );
            prop_assert!(
                got.values().all(|&n| n == 1),
                "{:?} reported twice: {:?}",
                backend,
                got
            );
        }
    }
    Ok(())
}

/// Bytes that make collisions likely: two letters in both cases, a digit,
/// NUL, 0xff, and Latin-1 Á/á (which must not match each other: only
/// ASCII case is ignored).
fn byte() -> impl Strategy<Value = u8> {
    prop::sample::select(vec![b'a', b'b', b'A', b'B', b'1', 0x00, 0xff, 0xc1, 0xe1])
}

fn patterns() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(byte(), 0..6), 1..24).prop_map(|mut ps| {
        // Add a prefix and a suffix of the longest pattern, so that some
        // patterns always sit inside others.
        if let Some(long) = ps.iter().max_by_key(|p| p.len()).cloned()
            && long.len() > 1
        {
            ps.push(long[..long.len() - 1].to_vec());
            ps.push(long[1..].to_vec());
        }
        ps
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn backends_agree_with_naive_search(
        ps in patterns(),
        hays in prop::collection::vec(prop::collection::vec(byte(), 0..80), 1..6),
    ) {
        let mut hays = hays;
        hays.push(Vec::new());
        // A haystack that holds every pattern, in a case-flipped copy.
        let mut all: Vec<u8> = ps.iter().flatten().map(|b| if b.is_ascii_lowercase() { b.to_ascii_uppercase() } else { b.to_ascii_lowercase() }).collect();
        all.extend(ps.iter().flatten());
        hays.push(all);
        check(&ps, &hays)?;
    }
}

#[test]
fn overlapping_and_nested_patterns_are_all_reported() {
    let ps: Vec<Vec<u8>> = vec![
        b"abcd".to_vec(),
        b"bc".to_vec(),
        b"cde".to_vec(),
        b"ABCDE".to_vec(),
        b"e".to_vec(),
        b"abcd".to_vec(), // a duplicate is its own pattern
        b"zz".to_vec(),
        b"|00 00|".to_vec(),
        vec![0, 0, 0],
        Vec::new(),
    ];
    let hays = [
        b"xxAbCdExx".to_vec(),
        vec![1, 0, 0, 0, 0, 2],
        Vec::new(),
        b"ab".to_vec(),
    ];
    check(&ps, &hays).unwrap();
}

#[test]
fn one_scratch_serves_many_sets_and_clones() {
    for backend in backends() {
        let sets: Vec<PatternSet> = (0..20u8)
            .map(|i| {
                let ps: Vec<Vec<u8>> = (0..=i)
                    .map(|j| vec![b'a' + j % 26, b'0' + i % 10])
                    .collect();
                PatternSet::with_backend(&ps, backend).unwrap()
            })
            .collect();
        let mut scratch = Scratch::default();
        for round in 0..2 {
            for (i, set) in sets.iter().enumerate() {
                let mut hay = Vec::new();
                for j in 0..=i as u8 {
                    hay.extend_from_slice(&[b'A' + j % 26, b'0' + i as u8 % 10, b' ']);
                }
                let mut got = Vec::new();
                let mut other = scratch.clone();
                set.scan(&hay, &mut scratch, |p| got.push(p));
                got.sort_unstable();
                assert_eq!(
                    got,
                    (0..=i).collect::<Vec<_>>(),
                    "{backend:?} set {i} round {round}"
                );
                let mut got2 = Vec::new();
                set.scan(&hay, &mut other, |p| got2.push(p));
                got2.sort_unstable();
                assert_eq!(got2, got);
            }
        }
        assert_eq!(scratch.failed_scans(), 0);
    }
}

#[test]
fn scratch_moves_between_threads() {
    let ps = vec![b"needle".to_vec()];
    let set = std::sync::Arc::new(PatternSet::new(&ps).unwrap());
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let set = set.clone();
            std::thread::spawn(move || {
                let mut scratch = Scratch::default();
                let mut n = 0;
                for _ in 0..100 {
                    set.scan(b"hay NEEDLE hay", &mut scratch, |_| n += 1);
                }
                n
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 100);
    }
}

#[test]
fn a_panicking_callback_unwinds_through_the_scan() {
    for backend in backends() {
        let set = PatternSet::with_backend(&[b"x".to_vec()], backend).unwrap();
        let r = std::panic::catch_unwind(|| {
            let mut s = Scratch::default();
            set.scan(b"x", &mut s, |_| panic!("from the callback"));
        });
        assert!(r.is_err(), "{backend:?}");
    }
}
