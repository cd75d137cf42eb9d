//! The report templates (`report-templates/**/*.html`), embedded at build time by `build.rs` in
//! sorted order, so a release never depends on the working directory.

include!(concat!(env!("OUT_DIR"), "/templates.rs"));
