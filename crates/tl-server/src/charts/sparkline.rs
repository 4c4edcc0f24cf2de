//! A sparkline: a small line of recent readings, oldest first, with the
//! target as a dashed line and the latest reading as a dot. Sized to sit in
//! a table cell; the description states every reading in words.

use super::palette::{AXIS, PRIMARY};
use super::svg::{N, Svg, fmt_value, w};

/// Readings oldest first, with a label each (a date) for the description.
#[derive(Clone, Debug, PartialEq)]
pub struct Sparkline {
    pub title: String,
    pub points: Vec<(String, f64)>,
    pub target: Option<f64>,
}

const WIDTH: f64 = 120.0;
const HEIGHT: f64 = 28.0;

pub fn sparkline(s: &Sparkline) -> String {
    let points: Vec<(&str, f64)> =
        s.points.iter().filter(|(_, v)| v.is_finite()).map(|(l, v)| (l.as_str(), v.clamp(-1e15, 1e15))).collect();
    let target = s.target.filter(|t| t.is_finite()).map(|t| t.clamp(-1e15, 1e15));
    let mut desc = if points.is_empty() {
        "No readings.".to_string()
    } else {
        points.iter().map(|(l, v)| format!("{l} {}", fmt_value(*v))).collect::<Vec<_>>().join("; ") + "."
    };
    if let Some(t) = target {
        desc.push_str(&format!(" Target {}.", fmt_value(t)));
    }
    let mut svg = Svg::new("sparkline", &s.title, &desc);
    let lo = points.iter().map(|p| p.1).chain(target).fold(f64::INFINITY, f64::min);
    let hi = points.iter().map(|p| p.1).chain(target).fold(f64::NEG_INFINITY, f64::max);
    let (pad, inner_h) = (3.0, HEIGHT - 6.0);
    let span = if hi - lo > 0.0 { hi - lo } else { 1.0 };
    let y = |v: f64| if hi - lo > 0.0 { pad + inner_h * (hi - v) / span } else { HEIGHT / 2.0 };
    let step = if points.len() > 1 { (WIDTH - 2.0 * pad) / (points.len() - 1) as f64 } else { 0.0 };
    let x = |i: usize| if points.len() > 1 { pad + step * i as f64 } else { WIDTH / 2.0 };
    w!(svg, "<g aria-hidden=\"true\">");
    if let Some(t) = target {
        svg.line(0.0, y(t), WIDTH, y(t), &format!("stroke=\"{AXIS}\" stroke-dasharray=\"3 2\""));
    }
    if points.len() > 1 {
        let coords: Vec<String> =
            points.iter().enumerate().map(|(i, p)| format!("{},{}", N(x(i)), N(y(p.1)))).collect();
        w!(svg, "<polyline points=\"{}\" fill=\"none\" stroke=\"{PRIMARY}\" stroke-width=\"1.5\"/>", coords.join(" "));
    }
    if let Some(last) = points.last() {
        let i = points.len() - 1;
        w!(svg, "<circle cx=\"{}\" cy=\"{}\" r=\"2.5\" fill=\"{PRIMARY}\"/>", N(x(i)), N(y(last.1)));
    }
    w!(svg, "</g>");
    svg.finish_fixed(WIDTH, HEIGHT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::check::assert_valid;

    fn line(points: &[f64], target: Option<f64>) -> String {
        sparkline(&Sparkline {
            title: "Availability <API>".into(),
            points: points.iter().enumerate().map(|(i, v)| (format!("W{i}"), *v)).collect(),
            target,
        })
    }

    #[test]
    fn readings_are_drawn_and_described() {
        let svg = line(&[99.1, 99.5, 98.7], Some(99.9));
        assert_valid(&svg);
        assert!(svg.contains("Availability &lt;API&gt;"));
        assert!(svg.contains("W0 99.1; W1 99.5; W2 98.7. Target 99.9."), "{svg}");
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert_eq!(svg.matches("<circle").count(), 1);
        assert!(svg.contains("stroke-dasharray"));
    }

    #[test]
    fn empty_flat_and_absurd_inputs_stay_valid() {
        for (points, target) in [
            (vec![], None),
            (vec![5.0], None),
            (vec![3.0, 3.0, 3.0], Some(3.0)),
            (vec![f64::NAN, f64::INFINITY, 1e300, -1e300], Some(f64::NAN)),
        ] {
            let svg = line(&points, target);
            assert_valid(&svg);
        }
        assert!(line(&[], None).contains("No readings."));
        assert_eq!(line(&[5.0], None).matches("<polyline").count(), 0);
    }
}
