use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}

#[test]
fn nhs_numbers_table() {
    let cases = [
        ("9434765919", true),
        ("943 476 5919", true),
        ("943-476-5919", true),
        ("4010232137", true),
        ("9434765918", false), // wrong check digit
        ("943476591", false),  // too short
        ("94347659190", false),
        ("94347659AB", false),
        ("", false),
        ("1000000010", false), // remainder 1: check digit 10 is never valid
    ];
    for (text, valid) in cases {
        assert_eq!(NhsNumber::parse(text).is_ok(), valid, "{text}");
    }
    assert_eq!(
        NhsNumber::parse("943 476 5919").map(|n| n.as_str().to_owned()),
        Ok("9434765919".to_owned())
    );
}

#[test]
fn nhs_number_is_not_printed_in_debug() {
    let number = NhsNumber::parse("9434765919").expect("valid");
    assert_eq!(format!("{number:?}"), "NhsNumber(…)");
}

#[test]
fn a_upn_is_kept_as_typed_upper_case_and_not_printed_in_debug() {
    let known = Upn::parse(" q823456789012 ").expect("valid");
    assert_eq!(known.as_str(), "Q823456789012");
    assert_eq!(format!("{known:?}"), "Upn(…)");
    let unknown = Upn::parse("un3").expect("valid");
    assert_eq!(unknown.as_str(), "UN3");
    assert_eq!(format!("{unknown:?}"), "Upn(UN3)");
}

#[test]
fn upn_check_letter() {
    // Check letters from the DfE algorithm (weighted sum of characters 2–13, modulo 23), computed
    // independently; the third is a temporary UPN ending in a letter.
    let valid = [
        "Q823456789012",
        "H801200001001",
        "M20120131123A",
        "q823456789012",
        "UN3",
    ];
    for text in valid {
        assert!(Upn::parse(text).is_ok(), "{text}");
    }
    let invalid = [
        "A823456789012",
        "M20120131123B",
        "A82345678901",
        "A8234567890I2",
        "UN6",
        "",
        "1823456789012",
    ];
    for text in invalid {
        assert!(Upn::parse(text).is_err(), "{text}");
    }
}

#[test]
fn local_child_ids() {
    let id = LocalChildId::parse("LL0012345").expect("valid");
    assert_eq!(id.as_str(), "LL0012345");
    assert_eq!(id.to_string(), "LL0012345");
    assert!(LocalChildId::parse("12345678901234567890").is_ok());
    let too_long = LocalChildId::parse("123456789012345678901");
    assert_eq!(too_long.map_err(|e| e.code), Err(ErrorCode::TooLong));
    assert_eq!(
        LocalChildId::parse("AB-12").map_err(|e| e.code),
        Err(ErrorCode::InvalidFormat)
    );
    assert_eq!(
        LocalChildId::parse(" ").map_err(|e| e.code),
        Err(ErrorCode::Required)
    );
}

#[test]
fn draft_reports_every_problem() {
    let draft = ChildDraft {
        local_child_id: "bad id!".into(),
        nhs_number: Some("1234567890".into()),
        date_of_birth: Some(d(2030, 1, 1)),
        nationalities: vec!["GB".into()],
        languages: vec!["english".into()],
        ..ChildDraft::default()
    };
    let errors = draft.validate(d(2026, 1, 1)).expect_err("invalid");
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "localChildId",
            "nhsNumber",
            "dateOfBirth",
            "nationalities",
            "languages"
        ]
    );
}

#[test]
fn draft_normalises_lists() {
    let draft = ChildDraft {
        local_child_id: "C1".into(),
        date_of_birth: Some(d(2010, 2, 3)),
        nationalities: vec!["vnm".into(), "GBR".into(), "VNM".into()],
        languages: vec!["VI".into()],
        ..ChildDraft::default()
    };
    let details = draft.validate(d(2026, 1, 1)).expect("valid");
    let nationalities: Vec<&str> = details
        .nationalities
        .iter()
        .map(Nationality::as_str)
        .collect();
    assert_eq!(nationalities, ["GBR", "VNM"]);
    assert_eq!(details.languages[0].as_str(), "vi");
}

#[test]
fn eighteenth_birthday_handles_leap_days() {
    let mut child = Child {
        recorded_by_local_authority: None,
        id: ChildId::generate(),
        local_authority: LocalAuthorityCode::parse("E09000019").expect("valid"),
        details: ChildDraft {
            local_child_id: "C1".into(),
            date_of_birth: Some(d(2008, 2, 29)),
            ..ChildDraft::default()
        }
        .validate(d(2026, 1, 1))
        .expect("valid"),
        version: 1,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    };
    assert_eq!(child.eighteenth_birthday(), d(2026, 3, 1));
    child.details.date_of_birth = d(2009, 7, 14);
    assert_eq!(child.eighteenth_birthday(), d(2027, 7, 14));
}

#[test]
fn a_date_of_birth_is_in_the_future_by_the_uk_date() {
    use chrono::TimeZone;
    let draft = |born: NaiveDate| ChildDraft {
        local_child_id: "C1".into(),
        date_of_birth: Some(born),
        ..ChildDraft::default()
    };
    // 23:30 UTC on 30 June is 00:30 BST on 1 July: a baby born on 1 July is born today.
    let now = Utc
        .with_ymd_and_hms(2025, 6, 30, 23, 30, 0)
        .single()
        .expect("valid instant");
    assert!(draft(d(2025, 7, 1)).validate_at(now).is_ok());
    let codes: Vec<ErrorCode> = draft(d(2025, 7, 2))
        .validate_at(now)
        .err()
        .map(|errors| errors.0.iter().map(|e| e.code).collect())
        .unwrap_or_default();
    assert_eq!(codes, [ErrorCode::InFuture]);
}

#[test]
fn a_draft_with_a_valid_id_and_birth_date_is_still_refused_for_any_other_bad_field() {
    let draft = |nationalities: Vec<&str>, languages: Vec<&str>| ChildDraft {
        local_child_id: "LL001".to_owned(),
        date_of_birth: Some(d(2011, 5, 17)),
        nationalities: nationalities.into_iter().map(str::to_owned).collect(),
        languages: languages.into_iter().map(str::to_owned).collect(),
        ..ChildDraft::default()
    };
    let today = d(2026, 1, 1);
    assert!(draft(vec!["GBR"], vec!["en"]).validate(today).is_ok());
    let errors = draft(vec!["NOT A CODE"], vec![])
        .validate(today)
        .expect_err("a bad nationality refuses the child");
    assert_eq!(errors.0.len(), 1);
    let errors = draft(vec![], vec!["not a language!"])
        .validate(today)
        .expect_err("a bad language refuses the child");
    assert_eq!(errors.0.len(), 1);
}
