//! Assets: the operator's registry, what traffic reveals, and exposure.

mod index;

pub use index::AssetIndex;
