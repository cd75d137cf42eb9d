//! Hand-written SVG charts: deterministic (fixed number formatting, no randomness), no
//! JavaScript, and accessible (`role="img"`, `<title>`, `<desc>`). A withheld value is drawn as a
//! marked gap, never as zero.
//!
//! Owns: chart geometry and accessibility markup. May not touch: values beyond what it is given.

use std::fmt::Write as _;

mod diagnostics;
pub use diagnostics::{FitPoint, fit_chart, matrix_chart, pearson_residual};

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 360.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 24.0;
const BOTTOM: f64 = 56.0;
const INK: &str = "#0b0c0c";
const BAR: &str = "#1d4f91";
const MUTED: &str = "#505a5f";
/// The mark of a bar's second value (GOV.UK orange, 3:1 against white and the bar colour).
const MARK: &str = "#f47738";

/// Escape text for XML.
pub fn escape(text: &str) -> String {
    text.chars().fold(String::with_capacity(text.len()), |mut s, c| {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            c => s.push(c),
        }
        s
    })
}

/// A linear scale from a data interval to a pixel interval.
#[derive(Debug, Clone, Copy)]
struct Scale {
    d0: f64,
    d1: f64,
    r0: f64,
    r1: f64,
}

impl Scale {
    fn map(self, v: f64) -> f64 {
        if (self.d1 - self.d0).abs() < f64::EPSILON {
            return self.r0;
        }
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }
}

/// About five round tick values covering [lo, hi].
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).max(1e-9);
    let raw = span / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step =
        [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| span / s <= 6.0).unwrap_or(magnitude * 10.0);
    let mut out = Vec::new();
    let mut v = (lo / step).ceil() * step;
    while v <= hi + step * 1e-9 {
        out.push(if v.abs() < step * 1e-9 { 0.0 } else { v });
        v += step;
    }
    out
}

fn number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 { format!("{v:.0}") } else { format!("{v:.2}") }
}

/// A generous estimate of the width of `text` in Arial at `size` px (wider than the average
/// glyph, so boxes placed with it do not touch in the browser).
fn text_width(text: &str, size: f64) -> f64 {
    text.chars().map(|c| if c.is_ascii_uppercase() || c == 'm' || c == 'w' { 0.78 } else { 0.58 }).sum::<f64>() * size
}

fn open(svg: &mut String, id: &str, title: &str, desc: &str, height: f64) {
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height:.0}\" role=\"img\" \
         aria-labelledby=\"{id}-title {id}-desc\" font-family=\"Arial, Helvetica, sans-serif\" font-size=\"13\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(title),
        escape(desc)
    );
}

fn axes(svg: &mut String, x_label: &str, y: Scale, y_ticks: &[f64], y_label: &str) {
    for t in y_ticks {
        let py = y.map(*t);
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{py:.1}\" y2=\"{py:.1}\" stroke=\"#dddddd\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{INK}\">{}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            py + 4.0,
            number(*t)
        );
    }
    frame(svg, x_label, y_label);
}

/// The two axis lines and their titles.
fn frame(svg: &mut String, x_label: &str, y_label: &str) {
    let _ = write!(
        svg,
        "<line x1=\"{LEFT}\" x2=\"{LEFT}\" y1=\"{TOP}\" y2=\"{:.1}\" stroke=\"{INK}\"/>\
         <line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{INK}\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{INK}\">{}</text>\
         <text x=\"14\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{INK}\" transform=\"rotate(-90 14 {:.1})\">{}</text>",
        HEIGHT - BOTTOM,
        WIDTH - RIGHT,
        HEIGHT - BOTTOM,
        HEIGHT - BOTTOM,
        (LEFT + WIDTH - RIGHT) / 2.0,
        HEIGHT - 10.0,
        escape(x_label),
        (TOP + HEIGHT - BOTTOM) / 2.0,
        (TOP + HEIGHT - BOTTOM) / 2.0,
        escape(y_label)
    );
}

/// One bar: a label, the value (`None` when withheld, with the symbol to show) and an optional
/// interval.
#[derive(Debug, Clone)]
pub struct Bar {
    /// Category label.
    pub label: String,
    /// The value, or `None` when not shown.
    pub value: Option<f64>,
    /// Symbol shown instead of a withheld value, e.g. `[c]`.
    pub symbol: String,
    /// Confidence interval, drawn as a whisker.
    pub interval: Option<(f64, f64)>,
    /// A second value drawn as a mark across the bar (e.g. the children observed beside an
    /// estimate), with its name for the mark's tooltip.
    pub marker: Option<(f64, &'static str)>,
}

/// A bar chart with optional interval whiskers: upright bars when every label fits level under
/// its bar (on one line, or broken after a hyphen), otherwise lying bars with the labels on the
/// left, wrapped, so no label is turned or cut.
pub fn bar_chart(id: &str, title: &str, desc: &str, x_label: &str, y_label: &str, bars: &[Bar]) -> String {
    let band = (WIDTH - LEFT - RIGHT) / bars.len().max(1) as f64;
    let fits = |text: &str| text_width(text, 11.0) <= band * 0.9;
    let lines = |label: &str| -> Vec<String> {
        match label.split_once('-') {
            _ if fits(label) => vec![label.to_string()],
            Some((a, b)) if fits(&format!("{a}-")) && fits(b) => vec![format!("{a}-"), b.to_string()],
            _ => Vec::new(),
        }
    };
    if bars.iter().any(|b| lines(&b.label).is_empty()) {
        return lying_bar_chart(id, title, desc, x_label, y_label, bars);
    }
    let max = largest(bars);
    let y_ticks = ticks(0.0, max * 1.05);
    let top = y_ticks.last().copied().unwrap_or(max).max(max);
    let y = Scale { d0: 0.0, d1: top, r0: HEIGHT - BOTTOM, r1: TOP };
    let mut svg = String::new();
    open(&mut svg, id, title, desc, HEIGHT);
    axes(&mut svg, x_label, y, &y_ticks, y_label);
    for (i, bar) in bars.iter().enumerate() {
        let cx = LEFT + band * (i as f64 + 0.5);
        let w = band * 0.6;
        match bar.value {
            Some(v) => {
                let (y0, y1) = (y.map(0.0), y.map(v));
                let _ = write!(
                    svg,
                    "<rect x=\"{:.1}\" y=\"{y1:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{BAR}\"><title>{}: {}</title></rect>",
                    cx - w / 2.0,
                    (y0 - y1).max(0.0),
                    escape(&bar.label),
                    number(v)
                );
            }
            None => {
                let _ = write!(
                    svg,
                    "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{MUTED}\" font-size=\"11\">{}</text>",
                    HEIGHT - BOTTOM - 6.0,
                    escape(&bar.symbol)
                );
            }
        }
        if let (Some(_), Some((lo, hi))) = (bar.value, bar.interval) {
            let (ylo, yhi) = (y.map(lo), y.map(hi));
            let _ = write!(
                svg,
                "<path d=\"M{cx:.1} {ylo:.1}V{yhi:.1}M{:.1} {ylo:.1}H{:.1}M{:.1} {yhi:.1}H{:.1}\" stroke=\"{INK}\" fill=\"none\"/>",
                cx - 5.0,
                cx + 5.0,
                cx - 5.0,
                cx + 5.0
            );
        }
        if let (Some(_), Some((m, _))) = (bar.value, bar.marker) {
            let ym = y.map(m);
            mark(&mut svg, ((cx - w / 2.0 - 2.0, ym), (cx + w / 2.0 + 2.0, ym)), bar);
        }
        let ly = HEIGHT - BOTTOM + 16.0;
        if let [first, second] = lines(&bar.label).as_slice() {
            let _ = write!(
                svg,
                "<text x=\"{cx:.1}\" y=\"{ly:.1}\" text-anchor=\"middle\" fill=\"{INK}\" font-size=\"11\"><tspan x=\"{cx:.1}\">{}</tspan><tspan x=\"{cx:.1}\" dy=\"13\">{}</tspan></text>",
                escape(first),
                escape(second)
            );
        } else {
            let _ = write!(
                svg,
                "<text x=\"{cx:.1}\" y=\"{ly:.1}\" text-anchor=\"middle\" fill=\"{INK}\" font-size=\"11\">{}</text>",
                escape(&bar.label)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Characters per line of a category label beside a lying bar.
const LABEL_CHARS: usize = 28;

/// `text` broken at spaces into lines of at most [`LABEL_CHARS`] characters (a longer word
/// keeps its own line).
fn wrap(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= LABEL_CHARS => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// The largest value, interval end or mark of `bars` (at least 1): the value axis's end.
fn largest(bars: &[Bar]) -> f64 {
    bars.iter()
        .flat_map(|b| [b.value, b.interval.map(|i| i.1), b.marker.map(|m| m.0)])
        .flatten()
        .fold(0.0f64, f64::max)
        .max(1.0)
}

/// A bar's marker, from one end to the other, with its value in the tooltip.
fn mark(svg: &mut String, ((x1, y1), (x2, y2)): ((f64, f64), (f64, f64)), bar: &Bar) {
    if let Some((m, name)) = bar.marker {
        let _ = write!(
            svg,
            "<line x1=\"{x1:.1}\" x2=\"{x2:.1}\" y1=\"{y1:.1}\" y2=\"{y2:.1}\" stroke=\"{MARK}\" stroke-width=\"3\"><title>{}: {name} {}</title></line>",
            escape(&bar.label),
            number(m)
        );
    }
}

/// Lines of 11 px text, the first with its baseline at `(x, y)`, each next one 13 px lower.
fn lines_text(svg: &mut String, (x, y): (f64, f64), anchor: &str, lines: &[String]) {
    let _ = write!(svg, "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" fill=\"{INK}\" font-size=\"11\">");
    for (k, line) in lines.iter().enumerate() {
        let dy = if k == 0 { String::new() } else { " dy=\"13\"".to_string() };
        let _ = write!(svg, "<tspan x=\"{x:.1}\"{dy}>{}</tspan>", escape(line));
    }
    svg.push_str("</text>");
}

/// Bars lying along the value axis, one row per category, labels wrapped on the left.
fn lying_bar_chart(id: &str, title: &str, desc: &str, category_label: &str, value_label: &str, bars: &[Bar]) -> String {
    let wrapped: Vec<Vec<String>> = bars.iter().map(|b| wrap(&b.label)).collect();
    let left = wrapped.iter().flatten().map(|l| text_width(l, 11.0)).fold(0.0f64, f64::max) + 16.0;
    let rows: Vec<f64> = wrapped.iter().map(|w| (w.len() as f64 * 13.0 + 11.0).max(26.0)).collect();
    let top = TOP + 8.0;
    let plot_bottom = top + rows.iter().sum::<f64>();
    let height = plot_bottom + 44.0;
    let max = largest(bars);
    let x_ticks = ticks(0.0, max * 1.05);
    let end = x_ticks.last().copied().unwrap_or(max).max(max);
    let x = Scale { d0: 0.0, d1: end, r0: left, r1: WIDTH - RIGHT };
    let mut svg = String::new();
    open(&mut svg, id, title, desc, height);
    // The category axis's name above the labels, the value axis with its ticks below the bars.
    let _ = write!(
        svg,
        "<text x=\"4\" y=\"{:.1}\" fill=\"{INK}\" font-weight=\"bold\">{}</text>",
        TOP - 6.0,
        escape(category_label)
    );
    for t in &x_ticks {
        let px = x.map(*t);
        let _ = write!(
            svg,
            "<line x1=\"{px:.1}\" x2=\"{px:.1}\" y1=\"{top:.1}\" y2=\"{plot_bottom:.1}\" stroke=\"#dddddd\"/>\
             <text x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{INK}\" font-size=\"11\">{}</text>",
            plot_bottom + 16.0,
            number(*t)
        );
    }
    let _ = write!(
        svg,
        "<line x1=\"{left:.1}\" x2=\"{left:.1}\" y1=\"{top:.1}\" y2=\"{plot_bottom:.1}\" stroke=\"{INK}\"/>\
         <line x1=\"{left:.1}\" x2=\"{:.1}\" y1=\"{plot_bottom:.1}\" y2=\"{plot_bottom:.1}\" stroke=\"{INK}\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{INK}\">{}</text>",
        WIDTH - RIGHT,
        (left + WIDTH - RIGHT) / 2.0,
        height - 8.0,
        escape(value_label)
    );
    let mut row_top = top;
    for ((bar, lines), row) in bars.iter().zip(&wrapped).zip(&rows) {
        let cy = row_top + row / 2.0;
        let first = cy - (lines.len() as f64 - 1.0) * 6.5 + 4.0;
        lines_text(&mut svg, (left - 8.0, first), "end", lines);
        let h = (row - 10.0).min(16.0);
        match bar.value {
            Some(v) => {
                let _ = write!(
                    svg,
                    "<rect x=\"{left:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{BAR}\"><title>{}: {}</title></rect>",
                    cy - h / 2.0,
                    (x.map(v) - left).max(0.0),
                    escape(&bar.label),
                    number(v)
                );
                if let Some((lo, hi)) = bar.interval {
                    let (xlo, xhi) = (x.map(lo), x.map(hi));
                    let _ = write!(
                        svg,
                        "<path d=\"M{xlo:.1} {cy:.1}H{xhi:.1}M{xlo:.1} {:.1}V{:.1}M{xhi:.1} {:.1}V{:.1}\" stroke=\"{INK}\" fill=\"none\"/>",
                        cy - 5.0,
                        cy + 5.0,
                        cy - 5.0,
                        cy + 5.0
                    );
                }
                if let Some((m, _)) = bar.marker {
                    let xm = x.map(m);
                    mark(&mut svg, ((xm, cy - h / 2.0 - 2.0), (xm, cy + h / 2.0 + 2.0)), bar);
                }
            }
            None => {
                let _ = write!(
                    svg,
                    "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{MUTED}\" font-size=\"11\">{}</text>",
                    left + 4.0,
                    cy + 4.0,
                    escape(&bar.symbol)
                );
            }
        }
        row_top += row;
    }
    svg.push_str("</svg>");
    svg
}

/// A point on a funnel plot.
#[derive(Debug, Clone)]
pub struct FunnelPoint {
    /// Label.
    pub label: String,
    /// Size (denominator or expected count).
    pub x: f64,
    /// Value (proportion or ratio, multiplied).
    pub y: f64,
}

/// A funnel plot: points against the target line and the 95% and 99.8% control limits,
/// `limits(x) -> ((lower95, upper95), (lower998, upper998))`. Only points outside the 95%
/// limits are labelled, each where its label overlaps no other (or not at all when there is no
/// such place); the page gives every point in a table, and the line styles in the caption.
pub fn funnel_chart(
    id: &str,
    title: &str,
    desc: &str,
    (x_label, y_label): (&str, &str),
    target: f64,
    points: &[FunnelPoint],
    limits: impl Fn(f64) -> ((f64, f64), (f64, f64)),
) -> String {
    let x_max = points.iter().map(|p| p.x).fold(1.0f64, f64::max) * 1.1;
    let x_min = (points.iter().map(|p| p.x).fold(f64::INFINITY, f64::min) * 0.5).max(x_max / 200.0).min(x_max / 2.0);
    let samples: Vec<f64> = (0..=60).map(|i| x_min + (x_max - x_min) * f64::from(i) / 60.0).collect();
    let curves: Vec<((f64, f64), (f64, f64))> = samples.iter().map(|&x| limits(x)).collect();
    let mut y_lo = points.iter().map(|p| p.y).fold(target, f64::min);
    let mut y_hi = points.iter().map(|p| p.y).fold(target, f64::max);
    for ((_, _), (lo, hi)) in &curves {
        y_lo = y_lo.min(*lo);
        y_hi = y_hi.max(*hi);
    }
    let y_ticks = ticks(y_lo.max(0.0), y_hi);
    let (d0, d1) =
        (y_ticks.first().copied().unwrap_or(0.0).min(y_lo.max(0.0)), y_ticks.last().copied().unwrap_or(y_hi).max(y_hi));
    let x = Scale { d0: 0.0, d1: x_max, r0: LEFT, r1: WIDTH - RIGHT };
    let y = Scale { d0, d1, r0: HEIGHT - BOTTOM, r1: TOP };
    let clamp = |v: f64| v.clamp(d0, d1);
    let mut svg = String::new();
    let desc = format!(
        "{desc} Dashed lines are the 95% limits, dotted lines the 99.8% limits; points outside the 95% limits are labelled."
    );
    open(&mut svg, id, title, &desc, HEIGHT);
    axes(&mut svg, x_label, y, &y_ticks, y_label);
    for t in ticks(0.0, x_max) {
        let px = x.map(t);
        let _ = write!(
            svg,
            "<text x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{INK}\" font-size=\"11\">{}</text>",
            HEIGHT - BOTTOM + 16.0,
            number(t)
        );
    }
    // The four limit curves: 95% lower and upper (dashed), 99.8% lower and upper (dotted).
    for (curve, dash) in [(0, "6 4"), (1, "6 4"), (2, "2 3"), (3, "2 3")] {
        let d = samples.iter().zip(&curves).enumerate().fold(String::new(), |mut d, (i, (sx, c))| {
            let v = [c.0.0, c.0.1, c.1.0, c.1.1][curve];
            let _ = write!(d, "{}{:.1} {:.1}", if i == 0 { "M" } else { "L" }, x.map(*sx), y.map(clamp(v)));
            d
        });
        let _ = write!(svg, "<path d=\"{d}\" fill=\"none\" stroke=\"{MUTED}\" stroke-dasharray=\"{dash}\"/>");
    }
    let ty = y.map(target);
    let _ =
        write!(svg, "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{ty:.1}\" y2=\"{ty:.1}\" stroke=\"{INK}\"/>", WIDTH - RIGHT);
    let mut placed: Vec<TextBox> = Vec::new();
    for p in points {
        let (px, py) = (x.map(p.x), y.map(clamp(p.y)));
        let _ = write!(
            svg,
            "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"5\" fill=\"{BAR}\"><title>{}: {}</title></circle>",
            escape(&p.label),
            number(p.y)
        );
        let ((lo, hi), _) = limits(p.x);
        if p.y >= lo && p.y <= hi {
            continue;
        }
        label_point(&mut svg, &p.label, (px, py), &mut placed);
    }
    svg.push_str("</svg>");
    svg
}

/// The box a line of 11 px text takes: from 11 px above its baseline to 4 px below.
#[derive(Debug, Clone, Copy, PartialEq)]
struct TextBox {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl TextBox {
    fn overlaps(&self, other: &TextBox) -> bool {
        self.x0 < other.x1 && other.x0 < self.x1 && self.y0 < other.y1 && other.y0 < self.y1
    }

    fn inside(&self, area: &TextBox) -> bool {
        self.x0 >= area.x0 && self.x1 <= area.x1 && self.y0 >= area.y0 && self.y1 <= area.y1
    }
}

/// Label the point at `(px, py)` inside the plot, clear of `placed` (and add its box there);
/// no label when there is no such place.
fn label_point(svg: &mut String, label: &str, (px, py): (f64, f64), placed: &mut Vec<TextBox>) {
    let area = TextBox { x0: LEFT + 2.0, y0: TOP, x1: WIDTH - RIGHT, y1: HEIGHT - BOTTOM - 2.0 };
    if let Some(b) = place_label(label, (px, py), area, placed) {
        let (anchor, tx) = if b.x0 < px { ("end", b.x1) } else { ("start", b.x0) };
        let _ = write!(
            svg,
            "<text x=\"{tx:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\" fill=\"{INK}\" font-size=\"11\">{}</text>",
            b.y1 - 4.0,
            escape(label)
        );
        placed.push(b);
    }
}

/// Where the label of the point at `(px, py)` goes: beside it to the right or left, level with
/// it or a step above or below, further out step by step, inside `area` and clear of `placed`.
fn place_label(label: &str, (px, py): (f64, f64), area: TextBox, placed: &[TextBox]) -> Option<TextBox> {
    let w = text_width(label, 11.0);
    (0..12).flat_map(|step| [-1.0, 1.0].map(|sign| sign * f64::from(step) * 8.0)).find_map(|dy| {
        [(px + 8.0, px + 8.0 + w), (px - 8.0 - w, px - 8.0)].into_iter().find_map(|(x0, x1)| {
            let b = TextBox { x0, y0: py + dy - 7.5, x1, y1: py + dy + 7.5 };
            (b.inside(&area) && !placed.iter().any(|o| o.overlaps(&b))).then_some(b)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn withheld_bars_are_not_drawn_as_zero() {
        let bars = vec![
            Bar {
                label: "a".into(),
                value: Some(10.0),
                symbol: String::new(),
                interval: Some((8.0, 12.0)),
                marker: Some((7.0, "observed")),
            },
            Bar { label: "<b>".into(), value: None, symbol: "[c]".into(), interval: None, marker: None },
        ];
        let svg = bar_chart("t", "T", "D", "x", "y", &bars);
        assert_eq!(svg.matches("<rect").count(), 1);
        assert_eq!(svg.matches("<title>a: observed 7</title></line>").count(), 1, "the marker on the shown bar only");
        assert!(svg.contains("[c]") && svg.contains("&lt;b&gt;") && svg.contains("role=\"img\""));
        assert_eq!(svg, bar_chart("t", "T", "D", "x", "y", &bars), "deterministic");
    }

    #[test]
    fn long_labels_lie_beside_their_bars_wrapped_never_turned() {
        let bars: Vec<Bar> = ["English, Welsh, Scottish, Northern Irish or British", "Irish", "Roma"]
            .iter()
            .map(|l| Bar {
                label: (*l).into(),
                value: Some(5.0),
                symbol: "5".into(),
                interval: Some((1.0, 9.0)),
                marker: None,
            })
            .collect();
        let svg = bar_chart("t", "T", "D", "Ethnic group", "Rate", &bars);
        assert!(!svg.contains("rotate("), "no turned labels");
        assert_eq!(wrap(&bars[0].label), ["English, Welsh, Scottish,", "Northern Irish or British"]);
        assert!(svg.contains(">Northern Irish or British</tspan>") && svg.contains("text-anchor=\"end\""));
        // Short labels stay under upright bars.
        let years: Vec<Bar> = (1997..2014)
            .map(|y| Bar {
                label: y.to_string(),
                value: Some(1.0),
                symbol: String::new(),
                interval: None,
                marker: None,
            })
            .collect();
        assert!(bar_chart("t", "T", "D", "Year", "Children", &years).contains("viewBox=\"0 0 720 360\""));
    }

    #[test]
    fn funnel_labels_never_overlap_and_stay_inside() {
        let area = TextBox { x0: 64.0, y0: 24.0, x1: 696.0, y1: 304.0 };
        let mut placed = Vec::new();
        // Ten labels at almost the same point: each placed clear of the others, or left out.
        for i in 0..10 {
            if let Some(b) = place_label(&format!("Group number {i}"), (300.0, 150.0 + f64::from(i)), area, &placed) {
                assert!(b.inside(&area) && !placed.iter().any(|o: &TextBox| o.overlaps(&b)), "{b:?}");
                placed.push(b);
            }
        }
        assert!(placed.len() >= 8, "{placed:?}");
        // Near the right edge the label goes to the left of its point.
        let b = place_label("A long group name", (690.0, 100.0), area, &[]).unwrap();
        assert!(b.x1 < 690.0, "{b:?}");
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(ticks(0.0, 100.0), vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        let unit = ticks(0.0, 1.0);
        assert_eq!(unit.len(), 6);
        assert!((unit[5] - 1.0).abs() < 1e-12 && unit[0] == 0.0);
    }
}
