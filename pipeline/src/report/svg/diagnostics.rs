//! The analyst report's diagnostic charts: a capture-history fit (observed against fitted, log
//! scales) and a matrix of counts between the same categories (list overlaps). Same geometry,
//! accessibility and determinism as the charts beside them.
//!
//! Owns: these two charts. May not touch: values beyond what it is given.

use std::fmt::Write as _;

use super::{
    BAR, BOTTOM, HEIGHT, INK, LEFT, MUTED, RIGHT, Scale, TOP, TextBox, WIDTH, escape, frame, label_point, lines_text,
    number, open, text_width, wrap,
};

/// The lightest and darkest shade of a matrix cell: dark text stays above 8:1 on both.
const MATRIX_SHADES: [(f64, f64, f64); 2] = [(243.0, 242.0, 241.0), (143.0, 176.0, 221.0)];

/// `text` broken at spaces into lines no wider than `width` px at 11 px (a longer word keeps its
/// own line).
fn wrap_to(text: &str, width: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if text_width(&format!("{line} {word}"), 11.0) <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// A matrix of counts between the same categories (list overlaps): a row and a column per
/// category, each cell with its count, shaded by its share of the row's own count (the
/// diagonal): how many of the children on the row's list the column's list also has.
pub fn matrix_chart(id: &str, title: &str, desc: &str, labels: &[String], counts: &[Vec<u64>]) -> String {
    let n = labels.len().max(1);
    let rows: Vec<Vec<String>> = labels.iter().map(|l| wrap(l)).collect();
    let left = rows.iter().flatten().map(|l| text_width(l, 11.0)).fold(0.0f64, f64::max) + 16.0;
    let column = (WIDTH - RIGHT - left) / n as f64;
    let heads: Vec<Vec<String>> = labels.iter().map(|l| wrap_to(l, column - 12.0)).collect();
    let head = heads.iter().map(Vec::len).max().unwrap_or(1) as f64 * 13.0 + 8.0;
    let row_h = rows.iter().map(Vec::len).max().unwrap_or(1) as f64 * 13.0 + 14.0;
    let top = TOP + head;
    let height = top + row_h * n as f64 + 16.0;
    let mut svg = String::new();
    let desc = format!("{desc} Each cell is shaded by its share of its row's own count, on the diagonal.");
    open(&mut svg, id, title, &desc, height);
    for (j, lines) in heads.iter().enumerate() {
        lines_text(&mut svg, (left + column * (j as f64 + 0.5), TOP), "middle", lines);
    }
    for (i, lines) in rows.iter().enumerate() {
        let y0 = top + row_h * i as f64;
        let first = y0 + row_h / 2.0 - (lines.len() as f64 - 1.0) * 6.5 + 4.0;
        lines_text(&mut svg, (left - 8.0, first), "end", lines);
        let own = counts.get(i).and_then(|r| r.get(i)).copied().unwrap_or(0);
        for j in 0..labels.len() {
            let v = counts.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0);
            let share = if own > 0 { (v as f64 / own as f64).clamp(0.0, 1.0) } else { 0.0 };
            let [(r0, g0, b0), (r1, g1, b1)] = MATRIX_SHADES;
            let mix = |a: f64, b: f64| (a + (b - a) * share).round();
            let x0 = left + column * j as f64;
            let _ = write!(
                svg,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"rgb({},{},{})\" stroke=\"#ffffff\"><title>{} and {}: {}</title></rect>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{INK}\" font-size=\"12\">{}</text>",
                x0,
                y0,
                column,
                row_h,
                mix(r0, r1),
                mix(g0, g1),
                mix(b0, b1),
                escape(&labels[i]),
                escape(&labels[j]),
                crate::domain::thousands(v),
                x0 + column / 2.0,
                y0 + row_h / 2.0 + 4.0,
                crate::domain::thousands(v)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A capture history on the fit chart.
#[derive(Debug, Clone)]
pub struct FitPoint {
    /// The lists it is on.
    pub label: String,
    /// Count the model expects.
    pub fitted: f64,
    /// Count observed.
    pub observed: f64,
}

/// How far a history's observed count is from its fitted one in standard errors (Pearson).
pub fn pearson_residual(p: &FitPoint) -> f64 {
    if p.fitted > 0.0 { (p.observed - p.fitted) / p.fitted.sqrt() } else { 0.0 }
}

/// Observed against fitted count of every capture history, both on a log scale (of 1 + the
/// count, so histories nobody has show at 0), with the line where the two are equal. Histories
/// more than two standard errors off the line (Pearson residual) are labelled where the label
/// overlaps nothing; the page lists every history in a table.
pub fn fit_chart(id: &str, title: &str, desc: &str, (x_label, y_label): (&str, &str), points: &[FitPoint]) -> String {
    let top = points.iter().map(|p| p.fitted.max(p.observed)).fold(1.0f64, f64::max);
    let t = |v: f64| (v.max(0.0) + 1.0).log10();
    // Up to the power of ten at or above the largest count.
    let decades = t(10f64.powf((top + 1.0).log10().ceil().max(1.0)));
    let x = Scale { d0: 0.0, d1: decades, r0: LEFT, r1: WIDTH - RIGHT };
    let y = Scale { d0: 0.0, d1: decades, r0: HEIGHT - BOTTOM, r1: TOP };
    let mut svg = String::new();
    let desc = format!(
        "{desc} Both axes are on a log scale (of 1 + the count); the solid line is where observed equals fitted; histories more than two standard errors from it are labelled."
    );
    open(&mut svg, id, title, &desc, HEIGHT);
    // Ticks at 0 and each power of ten up to the top decade.
    let marks: Vec<f64> =
        std::iter::once(0.0).chain((0..=12).map(|k| 10f64.powi(k)).take_while(|&v| t(v) <= decades + 1e-9)).collect();
    for &v in &marks {
        let (px, py) = (x.map(t(v)), y.map(t(v)));
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{py:.1}\" y2=\"{py:.1}\" stroke=\"#dddddd\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{INK}\" font-size=\"11\">{}</text>\
             <text x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{INK}\" font-size=\"11\">{}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            py + 4.0,
            number(v),
            HEIGHT - BOTTOM + 16.0,
            number(v)
        );
    }
    frame(&mut svg, x_label, y_label);
    let _ = write!(
        svg,
        "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{MUTED}\"/>",
        x.map(0.0),
        y.map(0.0),
        x.map(decades),
        y.map(decades)
    );
    // Labels go clear of every point as well as of each other.
    let mut placed: Vec<TextBox> = points
        .iter()
        .map(|p| {
            let (px, py) = (x.map(t(p.fitted)), y.map(t(p.observed)));
            TextBox { x0: px - 4.0, y0: py - 4.0, x1: px + 4.0, y1: py + 4.0 }
        })
        .collect();
    for p in points {
        let (px, py) = (x.map(t(p.fitted)), y.map(t(p.observed)));
        let _ = write!(
            svg,
            "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"4\" fill=\"{BAR}\"><title>{}: observed {}, fitted {:.1}</title></circle>",
            escape(&p.label),
            number(p.observed),
            p.fitted
        );
        if pearson_residual(p).abs() <= 2.0 {
            continue;
        }
        label_point(&mut svg, &p.label, (px, py), &mut placed);
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fit_chart_labels_only_histories_far_from_the_line() {
        let point = |label: &str, fitted: f64, observed: f64| FitPoint { label: label.into(), fitted, observed };
        // 100 expected, 150 observed: 5 standard errors off; 100 and 110: one.
        let points = [point("Police + Health", 100.0, 150.0), point("Police", 100.0, 110.0), point("Health", 0.4, 0.0)];
        let svg = fit_chart("f", "T", "D", ("fitted", "observed"), &points);
        assert_eq!(svg.matches("<circle").count(), 3);
        assert_eq!(svg.matches(">Police + Health</text>").count(), 1);
        assert!(!svg.contains(">Police</text>") && !svg.contains(">Health</text>"));
        // Ticks 0, 1, 10, 100 and 1,000 on each axis (the top, 150, is in the third decade).
        for v in ["0", "1", "10", "100", "1000"] {
            assert_eq!(svg.matches(&format!(">{v}</text>")).count(), 2, "{v}");
        }
        assert!((pearson_residual(&points[0]) - 5.0).abs() < 1e-12);
        assert_eq!(svg, fit_chart("f", "T", "D", ("fitted", "observed"), &points), "deterministic");
    }

    #[test]
    fn the_matrix_has_a_cell_per_pair_shaded_by_the_rows_share() {
        let labels: Vec<String> = ["Police", "Children's social care"].iter().map(|l| (*l).to_string()).collect();
        let svg = matrix_chart("m", "T", "D", &labels, &[vec![200, 50], vec![50, 100]]);
        assert_eq!(svg.matches("<rect").count(), 4);
        // Diagonal cells darkest; police's overlap is a quarter of police, half of social care.
        assert_eq!(svg.matches("fill=\"rgb(143,176,221)\"").count(), 2);
        assert!(svg.contains("fill=\"rgb(218,226,236)\"") && svg.contains("fill=\"rgb(193,209,231)\""), "{svg}");
        assert!(svg.contains("&#39;s social care and Police: 50</title>"));
        assert_eq!(svg, matrix_chart("m", "T", "D", &labels, &[vec![200, 50], vec![50, 100]]), "deterministic");
    }
}
