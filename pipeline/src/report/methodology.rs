//! The methodology page (`release/methodology.html`): the estimation methods and their
//! assumptions in plain words, the disclosure policy, the ethnicity harmonisation, quality and
//! limitations, the confidentiality and revisions policies, pre-release access and the contact.
//!
//! Owns: the methodology page. May not touch: files or raw counts.

use serde::Serialize;

use super::{About, Page, PageBase, engine};
use crate::disclosure::ProtectedRelease;
use crate::domain::{ETHNIC_GROUPS, HIGH_LEVEL_GROUPS, gss_major_name, gss_minor_name, thousands};
use crate::error::Result;
use crate::tables::Coverage;

/// One ethnic group: its ONS 2021 name on the pages and its GSS name in the open data.
#[derive(Debug, Serialize)]
struct GroupName {
    ons: String,
    gss: String,
}

#[derive(Debug, Serialize)]
struct MethodologyPage {
    #[serde(flatten)]
    base: PageBase,
    bootstrap_replicates: String,
    high_level: Vec<GroupName>,
    detailed: Vec<GroupName>,
    earlier_release: Option<String>,
    quality_min_records: u64,
}

/// Render the methodology page.
pub fn render(about: &About, coverage: &Coverage, release: &ProtectedRelease) -> Result<Page> {
    let name = |ons: &str, gss: Option<&str>| GroupName { ons: ons.to_string(), gss: gss.unwrap_or(ons).to_string() };
    let page = MethodologyPage {
        base: PageBase::new(about, coverage, release),
        bootstrap_replicates: thousands(crate::estimate::prevalence::BOOTSTRAP_REPLICATES as u64),
        high_level: HIGH_LEVEL_GROUPS.iter().map(|(id, label)| name(label, gss_major_name(id))).collect(),
        detailed: ETHNIC_GROUPS.iter().map(|g| name(g.label, gss_minor_name(g.id))).collect(),
        earlier_release: release.last_release().map(str::to_string),
        quality_min_records: crate::disclosure::quality::MIN_RECORDS,
    };
    super::render(&engine()?, "release/methodology.html", &page)
}
