//! One system for a whole series: the releases' cells over the children's transitions.
//!
//! A release alone is a system over its own inner cells. With earlier releases, the variables
//! are the series' transitions ([`Transitions`]): each distinct list of the inner cells one
//! child holds in each release. Every cell of every release is then a sum of transitions (its
//! inner cells, lifted), so the link between an earlier figure and the new data (late records,
//! corrections, the new period) is exact, and every difference a reader can form is in the
//! system:
//! - an earlier release's published figures are constraints with the bounds a reader knows;
//!   its other cells (withheld, hidden complements) join as hidden cells, primaries when small;
//! - a cell of one release nested in a cell of another (in transitions) has a hidden
//!   complement, the children in one and not the other: a primary when 1..T;
//! - a new figure 1..T away from the cell of the same definition in an earlier release (a
//!   revision a reader could read off, or narrow) is always protected: withheld, with its
//!   protection interval.
//!
//! Owns: the variables and where each release's cells sit among them. May not touch: files (the
//! orchestrator reads the earlier states and datasets) or protection (the same paths protect the
//! joint system).

use super::record::SeriesLog;
use super::series::Figure;
use super::system::{self, CellSet};
use crate::error::{Error, Result};
use crate::tables::{Catalogue, Transitions};

/// A figure's definition in stable codes: (table, row code, column).
pub type FigureKey = (String, String, String);

/// An earlier release of the series, as the new release's protection sees it.
pub struct EarlierRelease {
    /// Its count and share tables over its own inner cells, rebuilt from its state.
    pub catalogue: Catalogue,
    /// The counts it published.
    pub figures: Vec<Figure>,
    /// Its period in words, e.g. `1997 to 2011`.
    pub label: String,
}

/// The variables of a system and where each release's inner cells sit among them.
pub struct Linked {
    /// True children per variable.
    pub(super) values: Vec<u64>,
    /// Per release (earlier ones in series order, the current one last), per inner cell, its
    /// variables.
    lift: Vec<Vec<Vec<usize>>>,
    /// The earlier releases.
    earlier: Vec<EarlierRelease>,
}

impl Linked {
    /// A release alone: its inner cells are the variables.
    pub fn alone(catalogue: &Catalogue) -> Linked {
        Linked {
            values: catalogue.inner.iter().map(|c| c.get()).collect(),
            lift: vec![(0..catalogue.inner.len()).map(|i| vec![i]).collect()],
            earlier: Vec::new(),
        }
    }

    /// A release (with `current_cells` inner cells) and its earlier releases, over the series'
    /// transitions. Fails with the position of the first release (in series order) whose inner
    /// cells the transitions do not reproduce.
    pub fn series(
        transitions: &Transitions,
        current: &Catalogue,
        earlier: Vec<EarlierRelease>,
    ) -> std::result::Result<Linked, usize> {
        let catalogues: Vec<&Catalogue> = earlier.iter().map(|e| &e.catalogue).chain([current]).collect();
        let mut lift: Vec<Vec<Vec<usize>>> = catalogues.iter().map(|c| vec![Vec::new(); c.inner.len()]).collect();
        for (t, cells) in transitions.cells.iter().enumerate() {
            if cells.len() != catalogues.len() {
                return Err(0);
            }
            for (r, cell) in cells.iter().enumerate() {
                if let Some(i) = *cell {
                    lift[r].get_mut(i).ok_or(r)?.push(t);
                }
            }
        }
        for (r, catalogue) in catalogues.iter().enumerate() {
            let counts = transitions.release_counts(r, catalogue.inner.len());
            if counts.iter().zip(&catalogue.inner).any(|(&n, c)| n != c.get()) {
                return Err(r);
            }
        }
        Ok(Linked { values: transitions.children.iter().map(|c| c.get()).collect(), lift, earlier })
    }

    /// The latest earlier release, if any.
    pub(super) fn latest(&self) -> Option<&EarlierRelease> {
        self.earlier.last()
    }

    /// Position of the current release.
    fn current(&self) -> usize {
        self.lift.len() - 1
    }

    /// The variables of a set of release `release`'s inner cells.
    fn lifted(&self, release: usize, inner: &[usize]) -> Vec<usize> {
        inner.iter().flat_map(|&i| self.lift[release][i].iter().copied()).collect()
    }
}

/// Where a catalogue's counts sit in the system.
pub(super) struct Placed {
    /// Per count table, its rows' cells, total last.
    pub counts: Vec<Vec<usize>>,
    /// Per share table, per row, its (denominator, numerator) cells.
    pub shares: Vec<Vec<(usize, usize)>>,
    /// Every count with its definition.
    pub keyed: Vec<(FigureKey, usize)>,
    /// Cells in the set once these were placed (the release's own hidden complements included).
    pub end: usize,
}

/// Intern a catalogue's count and share cells (and each share row's hidden complement) in
/// `set`, over the variables of `linked` for release `release`.
fn place(
    set: &mut CellSet,
    catalogue: &Catalogue,
    linked: &Linked,
    release: usize,
    publishable: bool,
) -> Result<Placed> {
    let lift = |inner: &[usize]| linked.lifted(release, inner);
    let mut keyed = Vec::new();
    let counts: Vec<Vec<usize>> = catalogue
        .counts
        .iter()
        .map(|t| {
            let key = |code: &str| (t.id.name().to_string(), code.to_string(), t.indicator.col_name.clone());
            let mut row_cells = Vec::new();
            for r in &t.rows {
                row_cells.push(set.intern(lift(&r.2), publishable));
                keyed.push((key(&r.0), row_cells[row_cells.len() - 1]));
            }
            let all: Vec<usize> = t.rows.iter().flat_map(|r| r.2.iter().copied()).collect();
            row_cells.push(set.intern(lift(&all), publishable));
            keyed.push((key(&t.total.0), row_cells[row_cells.len() - 1]));
            row_cells
        })
        .collect();
    let mut shares: Vec<Vec<(usize, usize)>> = Vec::new();
    for t in &catalogue.shares {
        let [denominator_column, numerator_column] = super::derived::SHARE_COUNT_COLUMNS;
        let mut row_cells = Vec::new();
        for r in &t.rows {
            let mut numerator = r.numerator.clone();
            numerator.sort_unstable();
            let mut denominator = r.denominator.clone();
            denominator.sort_unstable();
            if numerator.iter().any(|i| denominator.binary_search(i).is_err()) {
                return Err(Error::Disclosure {
                    table: t.id.name().into(),
                    message: "a numerator is not part of its denominator".into(),
                });
            }
            let complement: Vec<usize> =
                denominator.iter().copied().filter(|i| numerator.binary_search(i).is_err()).collect();
            let n = set.intern(lift(&denominator), publishable);
            let k = set.intern(lift(&numerator), publishable);
            if !complement.is_empty() {
                set.intern(lift(&complement), false);
            }
            let key = |column: &str| (t.id.name().to_string(), r.code.clone(), column.to_string());
            keyed.push((key(denominator_column), n));
            keyed.push((key(numerator_column), k));
            row_cells.push((n, k));
        }
        shares.push(row_cells);
    }
    Ok(Placed { counts, shares, keyed, end: set.cells().len() })
}

/// The hidden complement of every pair of the release's publishable cells that nest (in
/// different tables, or rows of one) and differ by 1..`threshold`: with both published, a
/// reader would have that small count, so it is a primary like any other. Pairs further apart
/// (or equal) give nothing small away and add no cell. In a series it runs after the
/// cross-release complements, so a pair with a cell an earlier release also holds is usually
/// one of those already (interning it again adds nothing); earlier releases' own cells are not
/// publishable here, so a pair that earlier releases alone show was theirs to hide.
/// Returns how many cells it added.
fn nested_within(set: &mut CellSet, linked: &Linked, threshold: u64) -> usize {
    let value = |inner: &[usize]| -> u64 { inner.iter().map(|&i| linked.values[i]).sum() };
    let cells = set.cells();
    let values: Vec<u64> = cells.iter().map(|c| value(&c.inner)).collect();
    let mut publishable: Vec<usize> = (0..cells.len()).filter(|&c| cells[c].publishable).collect();
    let complements =
        system::nested_complements(cells, &mut publishable, linked.values.len(), &|c| cells[c].publishable, &|e, c| {
            (1..=threshold).contains(&values[e].abs_diff(values[c]))
        });
    let before = set.cells().len();
    for complement in complements {
        set.intern(complement, false);
    }
    set.cells().len() - before
}

/// Intern the current release's cells (publishable), then every earlier release's (see the
/// module documentation). Returns where the current release's counts sit and, with earlier
/// releases, what the series added.
pub(super) fn place_series(
    set: &mut CellSet,
    catalogue: &Catalogue,
    linked: &Linked,
    threshold: u64,
) -> Result<(Placed, Option<SeriesLog>)> {
    let mut current = place(set, catalogue, linked, linked.current(), true)?;
    if linked.earlier.is_empty() {
        nested_within(set, linked, threshold);
        current.end = set.cells().len();
        return Ok((current, None));
    }
    let fail = |message: String| Error::Disclosure { table: "series".into(), message };
    // Which releases each cell belongs to (bit r for release r; the current release's bit too).
    let mut origin: Vec<u64> = vec![1 << linked.current(); set.cells().len()];
    let mut log =
        SeriesLog { earlier_releases: linked.earlier.len(), transitions: linked.values.len(), ..SeriesLog::default() };
    let value = |set: &CellSet, cell: usize| -> u64 { set.cells()[cell].inner.iter().map(|&i| linked.values[i]).sum() };
    let mut bases = Vec::new();
    let mut earlier_keyed: Vec<std::collections::HashMap<FigureKey, usize>> = Vec::new();
    for (r, release) in linked.earlier.iter().enumerate() {
        let placed = place(set, &release.catalogue, linked, r, false)?;
        origin.resize(set.cells().len(), 0);
        for &(_, cell) in &placed.keyed {
            origin[cell] |= 1 << r;
            bases.push(cell);
        }
        let keyed: std::collections::HashMap<FigureKey, usize> = placed.keyed.into_iter().collect();
        for figure in &release.figures {
            let key = (figure.table.clone(), figure.code.clone(), figure.column.clone());
            let name =
                || format!("earlier release {}: figure {}/{}/{}", r + 1, figure.table, figure.code, figure.column);
            let &cell =
                keyed.get(&key).ok_or_else(|| fail(format!("{} is not a count this safestat publishes", name())))?;
            let bounds = (
                i64::try_from(figure.bounds.0).unwrap_or(i64::MAX),
                i64::try_from(figure.bounds.1).unwrap_or(i64::MAX),
            );
            let truth = i64::try_from(value(set, cell)).unwrap_or(i64::MAX);
            if !(bounds.0..=bounds.1).contains(&truth) {
                return Err(fail(format!("{} disagrees with its dataset", name())));
            }
            let known = set.cell_mut(cell).earlier.get_or_insert(bounds);
            *known = (known.0.max(bounds.0), known.1.min(bounds.1));
            log.earlier_figures += 1;
        }
        earlier_keyed.push(keyed);
    }
    bases.sort_unstable();
    bases.dedup();
    log.earlier_cells = bases.len();
    // Differences between cells of different releases that nest.
    let single = u64::is_power_of_two;
    let cells = set.cells();
    let complements = system::nested_complements(cells, &mut bases, linked.values.len(), &|_| true, &|e, c| {
        !(origin[e] == origin[c] && single(origin[e]))
    });
    for complement in complements {
        let before = set.cells().len();
        set.intern(complement, false);
        log.cross_release_complements += set.cells().len() - before;
    }
    log.nested_complements = nested_within(set, linked, threshold);
    // Revisions: a new figure 1..T away from the same definition's cell in an earlier release
    // (published there, or bounded by what was) is always protected, so the difference is
    // never shown or narrowed. The same cell (no revision) is left to the policy, and so is a
    // cell an earlier release already bounds (its value is no longer this release's to hide).
    for (key, cell) in &current.keyed {
        if set.cells()[*cell].earlier.is_some() {
            continue;
        }
        let v = value(set, *cell);
        let revised = earlier_keyed
            .iter()
            .filter_map(|keyed| keyed.get(key))
            .any(|&old| old != *cell && (1..=threshold).contains(&v.abs_diff(value(set, old))));
        if revised && !set.cells()[*cell].protect_always {
            set.cell_mut(*cell).protect_always = true;
            log.revisions_protected += 1;
        }
    }
    Ok((current, Some(log)))
}
