//! The report templates (`report-templates/**/*.html`), embedded at build time by `build.rs` in
//! sorted order, so a release never depends on the working directory.
//!
//! Owns: the embedded templates. May not touch: rendering.

include!(concat!(env!("OUT_DIR"), "/templates.rs"));
