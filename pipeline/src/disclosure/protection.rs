//! Protection of a system: the choice of path (exact up to [`LARGE_SYSTEM_ATOMS`] atoms,
//! hypercube above), run over atoms (inner cells no figure tells apart), then every witness
//! expanded to inner cells and verified with integers only before the outcome is returned.
//!
//! Owns: running a path and checking its proof. May not touch: tables or files.

use super::Policy;
use super::interval::{self, Constraint, Knowledge};
use super::system::{
    Atoms, LARGE_SYSTEM_ATOMS, Method, PrimaryAudit, Status, SystemCell, SystemOutcome, cannot_protect, known_bounds,
    protection, published_knowledge, refuse_published_primary,
};
use super::witness::{Changes, SparseVerifier};

/// Protect a system. Fails (nothing may be published) if no repair can protect a primary.
///
/// Inner cells that belong to exactly the same cells are indistinguishable to any reader, so they
/// are merged into one variable ("atom") for the elimination and the audit; witnesses are
/// expanded back to inner cells (each atom's value on its first inner cell).
pub fn protect_system(inner_values: &[u64], cells: &[SystemCell], policy: Policy) -> Result<SystemOutcome, String> {
    protect_system_with(inner_values, cells, policy, Method::Auto)
}

/// [`protect_system`] with the method chosen by the caller (benchmarks and tests).
pub fn protect_system_with(
    inner_values: &[u64],
    cells: &[SystemCell],
    policy: Policy,
    method: Method,
) -> Result<SystemOutcome, String> {
    let atoms = Atoms::new(inner_values.len(), cells.iter().map(|c| c.inner.as_slice()));
    let atom_values = atoms.totals(inner_values);
    let atom_cells: Vec<SystemCell> = cells
        .iter()
        .map(|c| SystemCell {
            inner: atoms.map(&c.inner),
            publishable: c.publishable,
            earlier: c.earlier,
            protect_always: c.protect_always,
        })
        .collect();
    let method = match method {
        Method::Auto if atom_values.len() > LARGE_SYSTEM_ATOMS => Method::Hypercube,
        Method::Auto => Method::Exact,
        other => other,
    };
    let mut outcome = match method {
        Method::Hypercube => protect_hypercube(&atom_values, &atom_cells, policy)?,
        _ => super::exact::protect(&atom_values, &atom_cells, policy)?,
    };
    outcome.method = method;
    // Witnesses over inner cells: an atom's value sits on its first inner cell, the others of
    // the atom are 0; listed where that differs from the truth.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); atoms.first_inner.len()];
    for (i, a) in atoms.of_inner.iter().enumerate() {
        if let Some(a) = a {
            members[*a].push(i);
        }
    }
    let truth: Vec<i64> = inner_values.iter().map(|&v| i64::try_from(v).unwrap_or(i64::MAX)).collect();
    let expand = |changes: &Changes| -> Changes {
        let mut out: Changes = Vec::new();
        for &(a, value) in changes {
            for &i in &members[a] {
                let v = if i == atoms.first_inner[a] { value } else { 0 };
                if v != truth[i] {
                    out.push((i, v));
                }
            }
        }
        out.sort_unstable();
        out
    };
    for a in &mut outcome.audits {
        a.witnesses = (expand(&a.witnesses.0), expand(&a.witnesses.1));
    }
    outcome.truth = truth;
    outcome.knowledge = Knowledge {
        inner_cells: inner_values.len(),
        constraints: outcome
            .knowledge
            .constraints
            .iter()
            .zip((0..cells.len()).filter(|&i| outcome.status[i] == Status::Published || cells[i].earlier.is_some()))
            .map(|(c, i)| Constraint { cells: cells[i].inner.clone(), lo: c.lo, hi: c.hi })
            .collect(),
        cap: outcome.knowledge.cap,
    };
    // Every path's certificates, checked with integers only over the inner cells before anything
    // is written: both witnesses agree with every known figure and span the protection interval.
    let verifier = SparseVerifier::new(&outcome.knowledge, &outcome.truth)
        .ok_or("the true table disagrees with the published figures")?;
    let p = protection(policy);
    for a in &outcome.audits {
        let target = &cells[a.cell].inner;
        let span = (verifier.value_in(&a.witnesses.0, target), verifier.value_in(&a.witnesses.1, target));
        if !(verifier.verify(&a.witnesses.0)
            && verifier.verify(&a.witnesses.1)
            && interval::protected(a.value, span, p))
        {
            return Err(format!("the witnesses of cell {} do not verify", a.cell));
        }
    }
    Ok(outcome)
}

/// The hypercube path ([`super::hypercube`]): primaries, then cycles through each, withholding
/// cells where the cycles need them. No Gaussian step: a certificate already rules out exact
/// recovery, and the cycles choose their own partners.
fn protect_hypercube(atom_values: &[u64], cells: &[SystemCell], policy: Policy) -> Result<SystemOutcome, String> {
    let threshold = policy.threshold();
    let p = protection(policy);
    let truth: Vec<i64> = atom_values.iter().map(|&v| i64::try_from(v).unwrap_or(i64::MAX)).collect();
    let atom_cells: Vec<Vec<usize>> = cells.iter().map(|c| c.inner.clone()).collect();
    let cap = i64::try_from(atom_values.iter().sum::<u64>().max(1) * 2).unwrap_or(i64::MAX);
    let structure = super::hypercube::Structure::new(&atom_cells, &truth);
    let values: Vec<u64> = (0..cells.len()).map(|c| u64::try_from(structure.cell_truth(c)).unwrap_or(0)).collect();
    let primary: Vec<bool> = values.iter().zip(cells).map(|(&v, c)| c.is_primary(v, threshold)).collect();
    refuse_published_primary(cells, &primary)?;
    let mut status: Vec<Status> = (0..cells.len())
        .map(|i| {
            if primary[i] {
                Status::Primary
            } else if cells[i].publishable {
                Status::Published
            } else {
                Status::Hidden
            }
        })
        .collect();
    let mut known: Vec<Option<(i64, i64)>> =
        (0..cells.len()).map(|i| known_bounds(policy, &cells[i], values[i], status[i])).collect();
    // Zeros are not used as secondaries, nor figures an earlier release published.
    let mut buyable: Vec<bool> = (0..cells.len())
        .map(|i| status[i] == Status::Published && values[i] > 0 && cells[i].earlier.is_none())
        .collect();
    let primaries: Vec<usize> = (0..cells.len()).filter(|&i| primary[i]).collect();
    let protected = structure.protect(&primaries, &mut known, &mut buyable, p).map_err(|i| cannot_protect(cells, i))?;
    for &c in &protected.bought {
        status[c] = Status::Secondary;
    }
    let audits = protected
        .certificates
        .into_iter()
        .map(|(cell, certificate)| PrimaryAudit {
            cell,
            value: structure.cell_truth(cell),
            interval: certificate.span,
            insider_interval: certificate.span,
            witnesses: certificate.witnesses,
        })
        .collect();
    let knowledge = published_knowledge(policy, cells, &values, &status, atom_values.len(), cap);
    Ok(SystemOutcome {
        status,
        knowledge,
        audits,
        repairs: protected.bought.len(),
        rounds: 1,
        deeper_searches: protected.deeper,
        truth: Vec::new(),
        method: Method::Hypercube,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disclosure::gauss;

    /// Cells of an r x c table with all margins; inner index = row * c + col.
    fn table(rows: usize, cols: usize) -> Vec<SystemCell> {
        let mut cells: Vec<SystemCell> = (0..rows * cols)
            .map(|i| SystemCell { inner: vec![i], publishable: true, earlier: None, protect_always: false })
            .collect();
        for r in 0..rows {
            cells.push(SystemCell {
                inner: (0..cols).map(|c| r * cols + c).collect(),
                publishable: true,
                earlier: None,
                protect_always: false,
            });
        }
        for c in 0..cols {
            cells.push(SystemCell {
                inner: (0..rows).map(|r| r * cols + c).collect(),
                publishable: true,
                earlier: None,
                protect_always: false,
            });
        }
        cells.push(SystemCell {
            inner: (0..rows * cols).collect(),
            publishable: true,
            earlier: None,
            protect_always: false,
        });
        cells
    }

    #[test]
    fn sdctable_four_by_four_is_made_safe() {
        // ../shared/reference/sdc/audit_cases.json, sdctable_simpleheuristic_4x4.
        let inner: Vec<u64> = vec![30, 47, 64, 89, 90, 124, 5, 31, 92, 100, 59, 85, 800, 991, 651, 685];
        let cells = table(4, 4);
        let out = protect_system(&inner, &cells, Policy::UkChildren).unwrap();
        assert_eq!(out.status[6], Status::Primary); // (x, c) = 5
        for a in &out.audits {
            assert!(interval::protected(a.value, a.interval, protection(Policy::UkChildren)));
        }
        let published: Vec<bool> = out.status.iter().map(|s| *s == Status::Published).collect();
        let vectors: Vec<Vec<usize>> = cells.iter().map(|c| c.inner.clone()).collect();
        assert!(!gauss::derivable(&vectors, &published, 6).unwrap());
    }
}
