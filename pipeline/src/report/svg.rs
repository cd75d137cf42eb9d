//! Hand-written SVG charts: deterministic (fixed number formatting, no randomness), no
//! JavaScript, and accessible (`role="img"`, `<title>`, `<desc>`). A withheld value is drawn as a
//! marked gap, never as zero.
//!
//! Owns: chart geometry and accessibility markup. May not touch: values beyond what it is given.

use std::fmt::Write as _;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 360.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 24.0;
const BOTTOM: f64 = 56.0;
const INK: &str = "#0b0c0c";
const BAR: &str = "#1d4f91";
const MUTED: &str = "#505a5f";

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

fn open(svg: &mut String, id: &str, title: &str, desc: &str) {
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
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
}

/// A bar chart with optional interval whiskers.
pub fn bar_chart(id: &str, title: &str, desc: &str, x_label: &str, y_label: &str, bars: &[Bar]) -> String {
    let max = bars.iter().flat_map(|b| [b.value, b.interval.map(|i| i.1)]).flatten().fold(0.0f64, f64::max).max(1.0);
    let y_ticks = ticks(0.0, max * 1.05);
    let top = y_ticks.last().copied().unwrap_or(max).max(max);
    let y = Scale { d0: 0.0, d1: top, r0: HEIGHT - BOTTOM, r1: TOP };
    let mut svg = String::new();
    open(&mut svg, id, title, desc);
    axes(&mut svg, x_label, y, &y_ticks, y_label);
    let band = (WIDTH - LEFT - RIGHT) / bars.len().max(1) as f64;
    // A label stays level when it fits under its bar (about 6 px a character at 11 px), on one
    // line or broken after a hyphen (`2012-` over `13`); otherwise every label is turned.
    let fits = |text: &str| text.chars().count() as f64 * 6.0 <= band * 0.9;
    let lines = |label: &str| -> Vec<String> {
        match label.split_once('-') {
            Some((a, b)) if !fits(label) && fits(&format!("{a}-")) && fits(b) => vec![format!("{a}-"), b.to_string()],
            _ => vec![label.to_string()],
        }
    };
    let rotate = bars.iter().any(|b| lines(&b.label).iter().any(|l| !fits(l)));
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
                    "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{MUTED}\">{}</text>",
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
        let ly = HEIGHT - BOTTOM + 16.0;
        if rotate {
            let _ = write!(
                svg,
                "<text x=\"{cx:.1}\" y=\"{ly:.1}\" text-anchor=\"end\" fill=\"{INK}\" font-size=\"11\" transform=\"rotate(-45 {cx:.1} {ly:.1})\">{}</text>",
                escape(&bar.label)
            );
        } else if let [first, second] = lines(&bar.label).as_slice() {
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
/// `limits(x) -> ((lower95, upper95), (lower998, upper998))`.
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
    open(&mut svg, id, title, desc);
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
    for p in points {
        let (px, py) = (x.map(p.x), y.map(clamp(p.y)));
        let _ = write!(
            svg,
            "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"5\" fill=\"{BAR}\"><title>{}: {}</title></circle>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"{INK}\" font-size=\"11\">{}</text>",
            escape(&p.label),
            number(p.y),
            px + 8.0,
            py - 6.0,
            escape(&p.label)
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{MUTED}\" font-size=\"11\">dashed: 95% limits; dotted: 99.8% limits</text>",
        WIDTH - RIGHT,
        TOP + 12.0
    );
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn withheld_bars_are_not_drawn_as_zero() {
        let bars = vec![
            Bar { label: "a".into(), value: Some(10.0), symbol: String::new(), interval: Some((8.0, 12.0)) },
            Bar { label: "<b>".into(), value: None, symbol: "[c]".into(), interval: None },
        ];
        let svg = bar_chart("t", "T", "D", "x", "y", &bars);
        assert_eq!(svg.matches("<rect").count(), 1);
        assert!(svg.contains("[c]") && svg.contains("&lt;b&gt;") && svg.contains("role=\"img\""));
        assert_eq!(svg, bar_chart("t", "T", "D", "x", "y", &bars), "deterministic");
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(ticks(0.0, 100.0), vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        let unit = ticks(0.0, 1.0);
        assert_eq!(unit.len(), 6);
        assert!((unit[5] - 1.0).abs() < 1e-12 && unit[0] == 0.0);
    }
}
