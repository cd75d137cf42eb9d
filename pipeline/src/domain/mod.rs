//! The shared vocabulary of every stage: agencies (capture lists), sex, age bands, the ONS 2021
//! ethnic groups that communities are reported by, GSS area codes, dates, and the raw count.
//!
//! Owns: names and codes. May not touch: files, queries or published values.

pub mod count;
pub mod date;

use std::fmt;

pub use count::RawCount;

use serde::{Deserialize, Serialize};

/// An agency whose records form one list in the capture-recapture model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Agency {
    /// Police force.
    Police,
    /// Children's social care.
    ChildrensSocialCare,
    /// Health services.
    Health,
    /// Voluntary sector organisations.
    VoluntarySector,
    /// Schools and education services.
    Education,
}

impl Agency {
    /// All agencies in list order (the order of bits in a capture history).
    pub const ALL: [Agency; 5] =
        [Agency::Police, Agency::ChildrensSocialCare, Agency::Health, Agency::VoluntarySector, Agency::Education];

    /// The code used in data files (`source_agency`).
    pub fn code(self) -> &'static str {
        match self {
            Agency::Police => "police",
            Agency::ChildrensSocialCare => "childrens_social_care",
            Agency::Health => "health",
            Agency::VoluntarySector => "voluntary_sector",
            Agency::Education => "education",
        }
    }

    /// A label for readers.
    pub fn label(self) -> &'static str {
        match self {
            Agency::Police => "Police",
            Agency::ChildrensSocialCare => "Children's social care",
            Agency::Health => "Health",
            Agency::VoluntarySector => "Voluntary sector",
            Agency::Education => "Education",
        }
    }

    /// Parse a data-file code.
    pub fn from_code(code: &str) -> Option<Agency> {
        Agency::ALL.into_iter().find(|a| a.code() == code)
    }

    /// The bit of this agency in a capture history (`agency_mask`).
    pub fn bit(self) -> i32 {
        1 << (self as i32)
    }
}

impl fmt::Display for Agency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Recorded sex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sex {
    /// Female.
    F,
    /// Male.
    M,
    /// Unknown or not recorded.
    U,
}

impl Sex {
    /// The data-file code.
    pub fn code(self) -> &'static str {
        match self {
            Sex::F => "F",
            Sex::M => "M",
            Sex::U => "U",
        }
    }

    /// Parse a data-file code.
    pub fn from_code(code: &str) -> Option<Sex> {
        match code {
            "F" => Some(Sex::F),
            "M" => Some(Sex::M),
            "U" => Some(Sex::U),
            _ => None,
        }
    }
}

/// Age bands used for strata and standardisation (ages 0-17).
pub const AGE_BANDS: [(&str, u8, u8); 4] = [("0-9", 0, 9), ("10-12", 10, 12), ("13-15", 13, 15), ("16-17", 16, 17)];

/// The age band label for an age 0-17.
pub fn age_band(age: u8) -> &'static str {
    AGE_BANDS.iter().find(|(_, lo, hi)| (*lo..=*hi).contains(&age)).map_or("16-17", |(label, _, _)| label)
}

/// One ONS 2021 ethnic group (19 detailed groups plus "Not known").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EthnicGroup {
    /// Stable identifier used in data files and Parquet, e.g. `asian_pakistani`.
    pub id: &'static str,
    /// The ONS 2021 label of the detailed group.
    pub label: &'static str,
    /// Identifier of the high-level group, e.g. `asian`.
    pub high_id: &'static str,
    /// Label of the high-level group.
    pub high_label: &'static str,
}

const fn group(id: &'static str, label: &'static str, high_id: &'static str, high_label: &'static str) -> EthnicGroup {
    EthnicGroup { id, label, high_id, high_label }
}

const ASIAN: &str = "Asian, Asian British or Asian Welsh";
const BLACK: &str = "Black, Black British, Black Welsh, Caribbean or African";
const MIXED: &str = "Mixed or Multiple ethnic groups";
const WHITE: &str = "White";
const OTHER: &str = "Other ethnic group";

/// The ONS 2021 classification: 19 detailed groups in 5 high-level groups, then "Not known".
pub const ETHNIC_GROUPS: [EthnicGroup; 20] = [
    group("asian_bangladeshi", "Bangladeshi", "asian", ASIAN),
    group("asian_chinese", "Chinese", "asian", ASIAN),
    group("asian_indian", "Indian", "asian", ASIAN),
    group("asian_pakistani", "Pakistani", "asian", ASIAN),
    group("asian_other", "Other Asian", "asian", ASIAN),
    group("black_african", "African", "black", BLACK),
    group("black_caribbean", "Caribbean", "black", BLACK),
    group("black_other", "Other Black", "black", BLACK),
    group("mixed_white_asian", "White and Asian", "mixed", MIXED),
    group("mixed_white_black_african", "White and Black African", "mixed", MIXED),
    group("mixed_white_black_caribbean", "White and Black Caribbean", "mixed", MIXED),
    group("mixed_other", "Other Mixed or Multiple ethnic groups", "mixed", MIXED),
    group("white_british", "English, Welsh, Scottish, Northern Irish or British", "white", WHITE),
    group("white_irish", "Irish", "white", WHITE),
    group("white_gypsy_irish_traveller", "Gypsy or Irish Traveller", "white", WHITE),
    group("white_roma", "Roma", "white", WHITE),
    group("white_other", "Other White", "white", WHITE),
    group("other_arab", "Arab", "other", OTHER),
    group("other_any", "Any other ethnic group", "other", OTHER),
    group("not_known", "Not known", "not_known", "Not known"),
];

/// The high-level groups in publication order, "Not known" last.
pub const HIGH_LEVEL_GROUPS: [(&str, &str); 6] = [
    ("asian", ASIAN),
    ("black", BLACK),
    ("mixed", MIXED),
    ("white", WHITE),
    ("other", OTHER),
    ("not_known", "Not known"),
];

/// Look up a detailed group by identifier.
pub fn ethnic_group(id: &str) -> Option<&'static EthnicGroup> {
    ETHNIC_GROUPS.iter().find(|g| g.id == id)
}

/// The label of a high-level group identifier.
pub fn high_level_label(high_id: &str) -> Option<&'static str> {
    HIGH_LEVEL_GROUPS.iter().find(|(id, _)| *id == high_id).map(|(_, label)| *label)
}

/// The GSS harmonised name of a high-level ethnic group as the open data writes it in
/// `ethnicity_major` (the names DfE's screener accepts).
pub fn gss_major_name(high_id: &str) -> Option<&'static str> {
    Some(match high_id {
        "asian" => "Asian / Asian British",
        "black" => "Black / African / Caribbean / Black British",
        "mixed" => "Mixed / Multiple ethnic groups",
        "white" => "White",
        "other" => "Other ethnic group",
        "not_known" => "Unknown",
        _ => return None,
    })
}

/// The GSS harmonised name of a detailed ethnic group (`ethnicity_minor`).
pub fn gss_minor_name(id: &str) -> Option<&'static str> {
    Some(match id {
        "asian_bangladeshi" => "Bangladeshi",
        "asian_chinese" => "Chinese",
        "asian_indian" => "Indian",
        "asian_pakistani" => "Pakistani",
        "asian_other" => "Any other Asian background",
        "black_african" => "African",
        "black_caribbean" => "Caribbean",
        "black_other" => "Any other Black / African / Caribbean background",
        "mixed_white_asian" => "White and Asian",
        "mixed_white_black_african" => "White and Black African",
        "mixed_white_black_caribbean" => "White and Black Caribbean",
        "mixed_other" => "Any other Mixed / Multiple ethnic background",
        "white_british" => "English / Welsh / Scottish / Northern Irish / British",
        "white_irish" => "Irish",
        "white_gypsy_irish_traveller" => "Gypsy or Irish Traveller",
        "white_roma" => "Roma",
        "white_other" => "Any other White background",
        "other_arab" => "Arab",
        "other_any" => "Any other ethnic group",
        "not_known" => "Unknown",
        _ => return None,
    })
}

/// Whether `code` has the shape of an ONS GSS code (a letter and eight digits, e.g. E08000018).
pub fn is_gss_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 9 && matches!(b[0], b'E' | b'W' | b'S' | b'N') && b[1..].iter().all(u8::is_ascii_digit)
}
/// `1234567` as `1,234,567`.
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn gss_codes() {
        assert!(is_gss_code("E08000018"));
        assert!(!is_gss_code("E0800001"));
        assert!(!is_gss_code("X08000018"));
    }
}
