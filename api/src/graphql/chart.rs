//! A child's outcome profile as an SVG star (radar) chart that a case system can embed as it is:
//! one axis per outcome, grouped by principle; the young person's ratings and the practitioner's
//! as two series told apart by colour, marker and line; the first reading dashed, the latest solid.
//! It holds outcome titles and ratings only — no identifiers, no dates, no words — and carries a
//! `<title>`, a `<desc>` and the same content as text.

use std::f64::consts::PI;
use std::fmt::Write as _;

use stable_futures_domain::outcome_profile::OutcomeProfileEntry;

/// Which readings the chart shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum ChartComparison {
    /// The first and the latest reading of each outcome.
    FirstAndLatest,
    /// The latest reading only.
    Latest,
}

/// The chart, and what it shows as text (for screen readers and for systems that cannot show SVG).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub svg: String,
    pub text: String,
}

const SIZE: f64 = 640.0;
const CENTRE_X: f64 = 320.0;
const CENTRE_Y: f64 = 330.0;
const RADIUS: f64 = 200.0;
/// Longest line of an axis label, in characters: at the default font, a line beside the circle
/// then ends inside the picture.
const LABEL_CHARS: usize = 16;
const LINE_HEIGHT: f64 = 14.0;
const YOUNG_PERSON: &str = "#1b7837";
const PRACTITIONER: &str = "#5e3c99";

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c if c.is_control() && c != '\n' => {}
            c => escaped.push(c),
        }
    }
    escaped
}

fn title_of(entry: &OutcomeProfileEntry) -> &str {
    entry.outcome_title.as_deref().unwrap_or(&entry.outcome_key)
}

fn rating_text(rating: Option<i32>) -> String {
    rating.map_or_else(|| "not rated".to_owned(), |r| r.to_string())
}

/// The text alternative: one line per outcome, in the chart's order.
fn text_alternative(entries: &[OutcomeProfileEntry], compare: ChartComparison) -> String {
    if entries.is_empty() {
        return "No outcome measurements yet.".to_owned();
    }
    let mut text = String::new();
    let mut principle = None;
    for entry in entries {
        if principle != Some(&entry.principle_title) {
            principle = Some(&entry.principle_title);
            let heading = match (&entry.principle_title, entry.principle_article) {
                (Some(title), Some(article)) => format!("Article {article}: {title}"),
                _ => "Outcomes of another framework version".to_owned(),
            };
            let _ = writeln!(text, "{heading}");
        }
        let ratings = |first: Option<i32>, latest: Option<i32>| match compare {
            ChartComparison::FirstAndLatest => {
                format!("{} then {}", rating_text(first), rating_text(latest))
            }
            ChartComparison::Latest => rating_text(latest),
        };
        let _ = writeln!(
            text,
            "- {}: young person {}; practitioner {}",
            title_of(entry),
            ratings(
                entry.first.young_person_rating,
                entry.latest.young_person_rating
            ),
            ratings(
                entry.first.practitioner_rating,
                entry.latest.practitioner_rating
            ),
        );
    }
    text
}

fn point(axis: usize, axes: usize, fraction: f64) -> (f64, f64) {
    let angle = -PI / 2.0 + 2.0 * PI * axis as f64 / axes as f64;
    (
        CENTRE_X + RADIUS * fraction * angle.cos(),
        CENTRE_Y + RADIUS * fraction * angle.sin(),
    )
}

/// The series of one rating over the axes; an unrated axis breaks the outline.
fn series(
    svg: &mut String,
    ratings: &[Option<i32>],
    scale: (i32, i32),
    colour: &str,
    dashed: bool,
    square: bool,
) {
    let axes = ratings.len();
    let fraction = |rating: i32| {
        let (low, high) = scale;
        f64::from(rating - low + 1) / f64::from(high - low + 1)
    };
    let points: Vec<Option<(f64, f64)>> = ratings
        .iter()
        .enumerate()
        .map(|(axis, rating)| rating.map(|r| point(axis, axes, fraction(r))))
        .collect();
    let dash = if dashed {
        r#" stroke-dasharray="6 4""#
    } else {
        ""
    };
    let width = if dashed { 1.5 } else { 2.5 };
    if points.iter().all(Option::is_some) && axes > 2 {
        let outline: Vec<String> = points
            .iter()
            .flatten()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = write!(
            svg,
            r#"<polygon points="{}" fill="{colour}" fill-opacity="{}" stroke="{colour}" stroke-width="{width}"{dash}/>"#,
            outline.join(" "),
            if dashed { "0.04" } else { "0.12" },
        );
    } else {
        for pair in points.windows(2) {
            if let [Some((x1, y1)), Some((x2, y2))] = pair {
                let _ = write!(
                    svg,
                    r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{colour}" stroke-width="{width}"{dash}/>"#,
                );
            }
        }
    }
    for (x, y) in points.iter().flatten() {
        if square {
            let _ = write!(
                svg,
                r#"<rect x="{:.1}" y="{:.1}" width="8" height="8" fill="{}" stroke="{colour}"/>"#,
                x - 4.0,
                y - 4.0,
                if dashed { "white" } else { colour },
            );
        } else {
            let _ = write!(
                svg,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="4.5" fill="{}" stroke="{colour}"/>"#,
                if dashed { "white" } else { colour },
            );
        }
    }
}

/// Draws `entries` (a child's profile) on the framework's rating `scale` (lowest, highest).
pub fn outcome_profile_chart(
    entries: &[OutcomeProfileEntry],
    scale: (i32, i32),
    compare: ChartComparison,
) -> Chart {
    let text = text_alternative(entries, compare);
    let summary = match compare {
        ChartComparison::FirstAndLatest => "first (dashed) and latest (solid) readings",
        ChartComparison::Latest => "latest readings",
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" height="{SIZE}" role="img" aria-labelledby="title desc" font-family="sans-serif" font-size="12">"#
    );
    let _ = write!(
        svg,
        r#"<title id="title">Outcome profile: the young person's and the practitioner's ratings, {summary}</title><desc id="desc">{}</desc>"#,
        escape(&text)
    );
    let _ = write!(
        svg,
        r#"<rect width="{SIZE}" height="{SIZE}" fill="white"/>"#
    );
    let axes = entries.len();
    if axes == 0 {
        let _ = write!(
            svg,
            r##"<text x="{CENTRE_X}" y="{CENTRE_Y}" text-anchor="middle" fill="#444">No outcome measurements yet</text></svg>"##
        );
        return Chart { svg, text };
    }
    let (low, high) = (scale.0.min(scale.1), scale.0.max(scale.1));
    let levels = high - low + 1;
    for level in 1..=levels {
        let fraction = f64::from(level) / f64::from(levels);
        let _ = write!(
            svg,
            r##"<circle cx="{CENTRE_X}" cy="{CENTRE_Y}" r="{:.1}" fill="none" stroke="#ccc"/>"##,
            RADIUS * fraction
        );
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" fill="#777" font-size="10">{}</text>"##,
            CENTRE_X + 3.0,
            CENTRE_Y - RADIUS * fraction - 2.0,
            low + level - 1
        );
    }
    let mut previous_principle = None;
    for (axis, entry) in entries.iter().enumerate() {
        let (x, y) = point(axis, axes, 1.0);
        let _ = write!(
            svg,
            r##"<line x1="{CENTRE_X}" y1="{CENTRE_Y}" x2="{x:.1}" y2="{y:.1}" stroke="#bbb"/>"##
        );
        let (lx, ly) = point(axis, axes, 1.12);
        let anchor = if (lx - CENTRE_X).abs() < 1.0 {
            "middle"
        } else if lx > CENTRE_X {
            "start"
        } else {
            "end"
        };
        let principle = match entry.principle_article {
            Some(article) if previous_principle != Some(article) => format!("Art {article}: "),
            _ => String::new(),
        };
        previous_principle = entry.principle_article;
        // Wrapped, and the block centred on the label's point, so that a long title beside
        // the circle stays inside the picture.
        let lines = wrap(&format!("{principle}{}", title_of(entry)), LABEL_CHARS);
        let first_y = ly - LINE_HEIGHT * (lines.len() as f64 - 1.0) / 2.0;
        let _ = write!(
            svg,
            r##"<text x="{lx:.1}" y="{first_y:.1}" text-anchor="{anchor}" fill="#222">"##
        );
        for (n, line) in lines.iter().enumerate() {
            let dy = if n == 0 { 0.0 } else { LINE_HEIGHT };
            let _ = write!(
                svg,
                r##"<tspan x="{lx:.1}" dy="{dy:.0}">{}</tspan>"##,
                escape(line)
            );
        }
        svg.push_str("</text>");
    }
    let young: Vec<Option<i32>> = entries
        .iter()
        .map(|e| e.latest.young_person_rating)
        .collect();
    let practitioner: Vec<Option<i32>> = entries
        .iter()
        .map(|e| e.latest.practitioner_rating)
        .collect();
    if compare == ChartComparison::FirstAndLatest {
        let young_first: Vec<Option<i32>> = entries
            .iter()
            .map(|e| e.first.young_person_rating)
            .collect();
        let practitioner_first: Vec<Option<i32>> = entries
            .iter()
            .map(|e| e.first.practitioner_rating)
            .collect();
        series(
            &mut svg,
            &practitioner_first,
            (low, high),
            PRACTITIONER,
            true,
            true,
        );
        series(
            &mut svg,
            &young_first,
            (low, high),
            YOUNG_PERSON,
            true,
            false,
        );
    }
    series(
        &mut svg,
        &practitioner,
        (low, high),
        PRACTITIONER,
        false,
        true,
    );
    series(&mut svg, &young, (low, high), YOUNG_PERSON, false, false);
    let legend_y = SIZE - 28.0;
    let _ = write!(
        svg,
        r#"<circle cx="30" cy="{legend_y}" r="4.5" fill="{YOUNG_PERSON}"/><text x="40" y="{:.1}">The young person's rating</text><rect x="226" y="{:.1}" width="8" height="8" fill="{PRACTITIONER}"/><text x="240" y="{:.1}">The practitioner's rating</text>"#,
        legend_y + 4.0,
        legend_y - 4.0,
        legend_y + 4.0,
    );
    if compare == ChartComparison::FirstAndLatest {
        let _ = write!(
            svg,
            r##"<text x="420" y="{:.1}" fill="#444">dashed: first; solid: latest</text>"##,
            legend_y + 4.0
        );
    }
    svg.push_str("</svg>");
    Chart { svg, text }
}

/// `text` in lines of at most `width` characters, broken between words (a longer word keeps a
/// line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

#[cfg(test)]
mod tests;
