use chrono::{TimeZone, Utc};
use stable_futures_domain::ids::MeasurementId;
use stable_futures_domain::outcome_profile::{OutcomeProfileEntry, Reading};

use super::*;

fn reading(id: MeasurementId, young_person: Option<i32>, practitioner: Option<i32>) -> Reading {
    Reading {
        measurement_id: id,
        observed_at: Utc
            .with_ymd_and_hms(2025, 3, 14, 9, 0, 0)
            .single()
            .expect("instant"),
        young_person_participated: young_person.is_some(),
        young_person_rating: young_person,
        practitioner_rating: practitioner,
    }
}

fn entry(
    article: i32,
    key: &str,
    title: &str,
    first: (Option<i32>, Option<i32>),
    latest: (Option<i32>, Option<i32>),
) -> (OutcomeProfileEntry, MeasurementId) {
    let id = MeasurementId::generate();
    (
        OutcomeProfileEntry {
            framework_version: "v1".to_owned(),
            principle_article: Some(article),
            principle_title: Some(format!("Principle {article}")),
            outcome_key: key.to_owned(),
            outcome_title: Some(title.to_owned()),
            first: reading(id, first.0, first.1),
            latest: reading(MeasurementId::generate(), latest.0, latest.1),
            measurements: 2,
            young_person_participated: 1,
        },
        id,
    )
}

fn profile() -> (Vec<OutcomeProfileEntry>, Vec<MeasurementId>) {
    let rows = [
        entry(
            2,
            "equality",
            "Equality",
            (Some(2), Some(3)),
            (Some(4), Some(3)),
        ),
        entry(
            3,
            "safe",
            "Being safe & <feeling> \"safe\"",
            (Some(1), Some(2)),
            (Some(3), Some(4)),
        ),
        entry(
            12,
            "listened",
            "Being listened to",
            (Some(3), None),
            (Some(5), Some(2)),
        ),
    ];
    let ids = rows.iter().map(|(_, id)| *id).collect();
    (rows.into_iter().map(|(entry, _)| entry).collect(), ids)
}

fn parse(svg: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(svg).expect("well-formed XML")
}

fn count(document: &roxmltree::Document<'_>, tag: &str) -> usize {
    document
        .descendants()
        .filter(|node| node.has_tag_name(tag))
        .count()
}

#[test]
fn the_chart_is_well_formed_accessible_svg() {
    let (entries, _) = profile();
    let chart = outcome_profile_chart(&entries, (1, 5), ChartComparison::FirstAndLatest);
    let document = parse(&chart.svg);
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("role"), Some("img"));
    assert_eq!(count(&document, "title"), 1);
    let desc = document
        .descendants()
        .find(|node| node.has_tag_name("desc"))
        .and_then(|node| node.text())
        .expect("a description");
    assert_eq!(desc, chart.text, "the description is the text alternative");
    assert!(chart
        .text
        .contains("- Being listened to: young person 3 then 5; practitioner not rated then 2"));
    assert!(chart.text.contains("Article 12: Principle 12"));
}

#[test]
fn first_and_latest_draw_four_series_latest_two() {
    let (entries, _) = profile();
    let both =
        parse_owned(outcome_profile_chart(&entries, (1, 5), ChartComparison::FirstAndLatest).svg);
    let latest = parse_owned(outcome_profile_chart(&entries, (1, 5), ChartComparison::Latest).svg);
    // The practitioner's first reading of one outcome is missing: that series is drawn as lines.
    assert_eq!((both.0, both.1), (3, 1), "polygons, broken outlines");
    assert_eq!((latest.0, latest.1), (2, 0));
    assert!(
        !outcome_profile_chart(&entries, (1, 5), ChartComparison::Latest)
            .text
            .contains(" then ")
    );
}

/// (polygons, series drawn as separate lines) of a chart.
fn parse_owned(svg: String) -> (usize, usize) {
    let document = parse(&svg);
    let series_lines = document
        .descendants()
        .filter(|node| node.has_tag_name("line") && node.attribute("stroke") == Some(PRACTITIONER))
        .count();
    (count(&document, "polygon"), usize::from(series_lines > 0))
}

#[test]
fn it_holds_no_identifiers_dates_or_markup_from_the_data() {
    let (entries, ids) = profile();
    let chart = outcome_profile_chart(&entries, (1, 5), ChartComparison::FirstAndLatest);
    for id in ids {
        assert!(!chart.svg.contains(&id.to_string()));
    }
    assert!(!chart.svg.contains("2025"), "no dates");
    assert!(!chart.svg.contains("<feeling>"), "titles are escaped");
    assert!(chart
        .svg
        .contains("Being safe &amp; &lt;feeling&gt; &quot;safe&quot;"));
    parse(&chart.svg);
}

#[test]
fn ratings_sit_on_their_rings() {
    let (entries, _) = profile();
    let chart = outcome_profile_chart(&entries[..1], (1, 5), ChartComparison::Latest);
    // One axis, pointing up: the young person's latest rating 4 of 1–5 is 4/5 of the radius.
    let document = parse(&chart.svg);
    let marker = document
        .descendants()
        .find(|node| {
            node.has_tag_name("circle")
                && node.attribute("fill") == Some(YOUNG_PERSON)
                && node.attribute("r") == Some("4.5")
                && node
                    .attribute("cy")
                    .is_some_and(|cy| cy != "330.0" && cy.parse::<f64>().is_ok_and(|y| y < 330.0))
        })
        .expect("the young person's marker");
    let y: f64 = marker
        .attribute("cy")
        .and_then(|cy| cy.parse().ok())
        .expect("cy");
    assert!((CENTRE_Y - y - RADIUS * 0.8).abs() < 0.1, "{y}");
}

#[test]
fn an_empty_profile_says_so() {
    let chart = outcome_profile_chart(&[], (1, 5), ChartComparison::FirstAndLatest);
    assert_eq!(chart.text, "No outcome measurements yet.");
    let document = parse(&chart.svg);
    assert_eq!(count(&document, "polygon"), 0);
    assert!(chart.svg.contains("No outcome measurements yet"));
}

#[test]
fn long_labels_wrap_between_words_and_keep_every_word() {
    assert_eq!(
        wrap("Being safe and feeling safe", 16),
        ["Being safe and", "feeling safe"]
    );
    assert_eq!(wrap("Art 2: Equality", 16), ["Art 2: Equality"]);
    assert_eq!(wrap("Interpreters", 5), ["Interpreters"]);
    assert_eq!(wrap("", 16), [""]);
    let (entries, _) = profile();
    let chart = outcome_profile_chart(&entries, (1, 5), ChartComparison::FirstAndLatest);
    let document = parse(&chart.svg);
    let labels: Vec<String> = document
        .descendants()
        .filter(|node| {
            node.has_tag_name("text") && node.children().any(|c| c.has_tag_name("tspan"))
        })
        .map(|node| {
            node.children()
                .filter(|c| c.has_tag_name("tspan"))
                .filter_map(|c| c.text())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert!(
        labels
            .iter()
            .any(|label| label.ends_with("Being listened to")),
        "{labels:?}"
    );
    for line in document
        .descendants()
        .filter(|node| node.has_tag_name("tspan"))
        .filter_map(|node| node.text())
    {
        assert!(
            line.chars().count() <= 16 || !line.contains(' '),
            "{line:?}"
        );
    }
}
