//! Links libhs only when the `hyperscan` feature is on, so that the
//! aho-corasick-only build needs no C library at all.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_HYPERSCAN").is_some() {
        println!("cargo:rustc-link-lib=hs");
    }
}
