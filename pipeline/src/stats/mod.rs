//! Statistical methods in plain Rust (no DataFusion types): one function per formula, each
//! tested against the independent reference values in `../shared/reference/`.

pub mod capture_csv;
pub mod linalg;
pub mod mse;
pub mod proportion;
pub mod rates;
