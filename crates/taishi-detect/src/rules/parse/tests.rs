//! Whole-layer tests on real rule sets, and the no-panic property.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::*;

const ET_OPEN: &str = "/work/shared/corpus/rules/et-open";
const SV: &str = "/work/shared/corpus/suricata-verify";

fn et_files() -> Option<Vec<PathBuf>> {
    let dir = Path::new(ET_OPEN);
    if !dir.is_dir() {
        eprintln!("skipping: {ET_OPEN} not present");
        return None;
    }
    Some(vec![dir.to_path_buf()])
}

#[test]
fn et_open_parses() {
    let Some(paths) = et_files() else { return };
    let t0 = Instant::now();
    let mut vars = Vars::suricata_defaults();
    let files = load_files(&paths, &mut vars).expect("ET Open loads");
    let loaded = t0.elapsed();
    let (mut ok, mut failed, mut disabled) = (0usize, Vec::new(), 0usize);
    for f in &files {
        disabled += f.disabled;
        failed.extend(f.errors.iter().cloned());
        for r in &f.rules {
            match parse_rule(&r.text, &vars, r.origin.clone()) {
                Ok(rule) => {
                    assert!(rule.sid.is_some());
                    ok += 1;
                }
                Err(e) => failed.push(e),
            }
        }
    }
    let total = ok + failed.len();
    eprintln!(
        "ET Open: {} files, {total} enabled rules, {ok} parsed, {} failed, {disabled} disabled; \
         read in {loaded:?}, read+parsed in {:?}",
        files.len(),
        failed.len(),
        t0.elapsed()
    );
    for e in &failed {
        eprintln!("  {e}");
    }
    assert!(
        total >= 10_000,
        "expected ET Open's ~15000 enabled rules, got {total}"
    );
    assert!(
        ok * 1000 >= total * 995,
        "only {ok}/{total} ET Open rules parse"
    );
}

/// Our quote-aware option split and Suricata's (first `;` not after `\`)
/// agree on every rule of ET Open, so the difference can only matter for
/// rules Suricata rejects.
#[test]
fn et_open_option_split_matches_suricata() {
    let Some(paths) = et_files() else { return };
    let mut vars = Vars::suricata_defaults();
    let files = load_files(&paths, &mut vars).expect("ET Open loads");
    let mut compared = 0;
    for f in &files {
        for r in &f.rules {
            let Ok(rule) = parse_rule(&r.text, &vars, r.origin.clone()) else {
                continue;
            };
            let open = r.text.find('(').unwrap();
            let close = r.text.rfind(')').unwrap();
            let theirs = lexer::suricata_split(&r.text[open + 1..close])
                .unwrap_or_else(|| panic!("{}: Suricata's split fails", r.origin));
            let ours: Vec<(String, Option<String>)> = rule
                .options
                .iter()
                .map(|o| (o.name.clone(), o.value.clone()))
                .collect();
            assert_eq!(ours, theirs, "{}", r.origin);
            compared += 1;
        }
    }
    eprintln!("option splits compared: {compared}");
}

#[test]
fn et_open_disabled_count_matches_keyword_table() {
    let Some(paths) = et_files() else { return };
    let Ok(table) = std::fs::read_to_string(Path::new(ET_OPEN).join("KEYWORDS.txt")) else {
        eprintln!("skipping: KEYWORDS.txt not present");
        return;
    };
    // "# enabled rules: 15000; disabled (commented-out) rules: 10384; ..."
    let number_after = |key: &str| -> Option<usize> {
        let p = table.find(key)? + key.len();
        let digits: String = table[p..]
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    };
    let (Some(enabled), Some(disabled)) = (
        number_after("enabled rules:"),
        number_after("disabled (commented-out) rules:"),
    ) else {
        eprintln!("skipping: KEYWORDS.txt has no rule counts");
        return;
    };
    let mut vars = Vars::suricata_defaults();
    let files = load_files(&paths, &mut vars).expect("ET Open loads");
    let ours_enabled: usize = files.iter().map(|f| f.rules.len() + f.errors.len()).sum();
    let ours_disabled: usize = files.iter().map(|f| f.disabled).sum();
    eprintln!(
        "enabled {ours_enabled} (table {enabled}), disabled {ours_disabled} (table {disabled})"
    );
    assert_eq!(ours_enabled, enabled);
    assert_eq!(ours_disabled, disabled);
}

#[test]
fn suricata_verify_rules_parse() {
    let dir = Path::new(SV);
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!("skipping: {SV} not present");
        return;
    };
    let mut cases: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path().join("test.rules")))
        .filter(|p| p.is_file())
        .collect();
    cases.sort();
    let (mut ok, mut failed) = (0usize, Vec::new());
    for case in &cases {
        let mut vars = Vars::suricata_defaults();
        let files = load_files(std::slice::from_ref(case), &mut vars).expect("test.rules loads");
        for f in files {
            failed.extend(f.errors);
            for r in f.rules {
                match parse_rule(&r.text, &vars, r.origin.clone()) {
                    Ok(_) => ok += 1,
                    Err(e) => failed.push(e),
                }
            }
        }
    }
    let total = ok + failed.len();
    eprintln!(
        "suricata-verify: {} test.rules, {total} rules, {ok} parsed, {} failed",
        cases.len(),
        failed.len()
    );
    for e in &failed {
        eprintln!("  {e}");
    }
    assert!(
        total > 500,
        "expected the suricata-verify rules, got {total}"
    );
    // Some cases test that Suricata rejects a rule; nearly all must load.
    assert!(
        ok * 100 >= total * 97,
        "only {ok}/{total} suricata-verify rules parse"
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn vars() -> Vars {
        Vars::suricata_defaults()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn arbitrary_text_never_panics(s in any::<String>()) {
            let _ = parse_rule(&s, &vars(), Origin::new("p", 1));
            let _ = AddrSet::parse(&s, &vars());
            let _ = PortSet::parse(&s, &vars());
            let _ = split_rules(s.as_bytes(), PathBuf::from("p"), std::sync::Arc::from("p"));
            let _ = Classifications::builtin().parse_into(&s);
            let _ = References::builtin().parse_into(&s);
        }

        #[test]
        fn rule_shaped_text_never_panics(
            head in "(alert|drop|pass|x) (tcp|http|ip|[a-z]{0,4}) [\\[\\]!$a-zA-Z0-9.:/,_ -]{0,30} (->|<>|=>|-) [\\[\\]!$A-Z0-9.:/,_ -]{0,30}",
            body in "[a-z_.:; \"\\\\!|0-9]{0,60}",
            tail in "[ );a-z]{0,4}",
        ) {
            let text = format!("{head} ({body}{tail}");
            let _ = parse_rule(&text, &vars(), Origin::new("p", 1));
        }

        #[test]
        fn address_lists_never_panic(s in "[\\[\\]!$,:./0-9a-fA-FHOMEXTRNL_ -]{0,40}") {
            let _ = AddrSet::parse(&s, &vars());
            let _ = PortSet::parse(&s, &vars());
        }

        /// A parsed port set matches exactly what its written ranges say.
        #[test]
        fn port_lists_match_their_meaning(
            items in proptest::collection::vec((any::<bool>(), any::<u16>(), 0u16..2000), 1..6),
            probe in any::<u16>(),
        ) {
            let text = format!(
                "[{}]",
                items
                    .iter()
                    .map(|(neg, a, len)| {
                        let b = a.saturating_add(*len);
                        format!("{}{a}:{b}", if *neg { "!" } else { "" })
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            );
            let inside = |p: u16, pos: bool| items.iter().any(|(neg, a, len)| {
                *neg != pos && p >= *a && p <= a.saturating_add(*len)
            });
            let any_pos = items.iter().any(|(neg, _, _)| !neg);
            // With no positive element the positive part is every port.
            let member = |p: u16| (!any_pos || inside(p, true)) && !inside(p, false);
            let want = member(probe);
            match PortSet::parse(&text, &vars()) {
                Ok(set) => prop_assert_eq!(set.matches(probe), want, "{}", text),
                // Only an empty or fully negated result is refused.
                Err(_) => {
                    let full_neg = (0..=u16::MAX).all(|p| inside(p, false));
                    let empty = (0..=u16::MAX).all(|p| !member(p));
                    prop_assert!(full_neg || empty, "{}", text);
                }
            }
        }
    }
}
