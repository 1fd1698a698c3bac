//! The editor's model on the bundled scenarios' real text.

use ikelab_engine::sim::{self, library};
use toml_edit::DocumentMut;

use super::*;

fn happy_path() -> &'static str {
    library::text("happy-path").expect("bundled")
}

fn field_at(text: &str, path: &str) -> Field {
    form_fields(text)
        .into_iter()
        .flat_map(|(_, fields)| fields)
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no field {path}"))
}

fn read(text: &str, path: &str) -> String {
    read_field(
        &text.parse::<DocumentMut>().expect("TOML"),
        &field_at(text, path),
    )
}

#[test]
fn every_bundled_scenario_checks_and_its_fields_read_back_unchanged() {
    for name in library::names() {
        let text = library::text(name).expect("bundled");
        let scenario = check(text).unwrap_or_else(|p| panic!("{name}: {p:?}"));
        assert_eq!(scenario, library::load(name).expect("loads"), "{name}");
        for field in form_fields(text).into_iter().flat_map(|(_, f)| f) {
            let shown = read(text, &field.path);
            let written = write_field(text, &field, &shown).expect("writes");
            assert_eq!(
                check(&written).unwrap_or_else(|p| panic!("{name} {}: {p:?}", field.path)),
                scenario,
                "{name}: writing back {} = {shown:?} changed the scenario",
                field.path
            );
        }
    }
}

#[test]
fn a_form_edit_changes_one_value_and_keeps_the_comments() {
    let text = happy_path();
    let field = field_at(text, "initiator.secrets.psk");
    let edited = write_field(text, &field, "another-secret").expect("writes");
    assert!(
        edited.contains("# IKElab scenario"),
        "the file's comments stay"
    );
    assert!(edited.contains("calendar_time = 1767225600   # 2026-01-01T00:00:00Z"));
    let diff: Vec<_> = text
        .lines()
        .zip(edited.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        diff,
        [("psk = \"not-a-real-secret\"", "psk = \"another-secret\"")]
    );
    let scenario = check(&edited).expect("still valid");
    assert_eq!(
        scenario
            .initiator
            .secrets
            .psk
            .as_ref()
            .map(|p| p.expose().to_owned()),
        Some("another-secret".to_owned())
    );
}

#[test]
fn lists_numbers_switches_and_nat_write_their_toml_kinds() {
    let text = happy_path();
    let list = write_field(
        text,
        &field_at(text, "responder.proposals"),
        "aes128-sha256-modp3072, aes256gcm16-prfsha384-ecp384",
    )
    .expect("list");
    assert_eq!(
        read(&list, "responder.proposals"),
        "aes128-sha256-modp3072, aes256gcm16-prfsha384-ecp384"
    );
    let loss = write_field(text, &field_at(text, "network.link.loss"), "0.25").expect("number");
    assert_eq!(check(&loss).expect("valid").network.link.loss, Some(0.25));
    assert_eq!(
        write_field(text, &field_at(text, "network.link.loss"), "a lot"),
        Err("\"a lot\" is not a number (write a probability as 0.1)".to_owned())
    );
    assert_eq!(
        write_field(text, &field_at(text, "network.link.mtu"), "1.5"),
        Err("\"1.5\" is not a whole number".to_owned())
    );
    let blocked =
        write_field(text, &field_at(text, "network.firewall.block_esp"), "true").expect("switch");
    assert!(check(&blocked).expect("valid").network.firewall.block_esp);
    let nat = write_field(text, &field_at(text, "network.nat"), "true").expect("nat");
    let scenario = check(&nat).expect("valid");
    let spec = scenario.network.nat.expect("a NAT");
    assert_eq!(
        (spec.peer.as_str(), spec.public),
        ("initiator", fields::NAT_PUBLIC)
    );
    assert_eq!(read(&nat, "network.nat"), "true");
    let off = write_field(&nat, &field_at(&nat, "network.nat"), "false").expect("nat off");
    assert_eq!(check(&off).expect("valid"), check(text).expect("valid"));
    let cleared = write_field(text, &field_at(text, "network.link.latency"), "").expect("cleared");
    assert_eq!(check(&cleared).expect("valid").network.link.latency, None);
}

#[test]
fn an_invalid_proposal_is_named_at_its_field_with_the_engines_message() {
    let text = happy_path();
    let edited = write_field(
        text,
        &field_at(text, "initiator.proposals"),
        "aes256gcm16-prfsha256-x2551",
    )
    .expect("writes");
    let problems = check(&edited).expect_err("refused");
    assert_eq!(problems.len(), 1, "{problems:?}");
    let problem = &problems[0];
    assert!(problem.is_about("initiator.proposals"), "{problem:?}");
    assert!(
        !problem.is_about("initiator.proposal"),
        "a prefix of a key is not that key"
    );
    assert!(problem.message.contains("x2551"), "{problem:?}");
    let line = edited
        .lines()
        .position(|l| l.starts_with("proposals = [\"aes256gcm16-prfsha256-x2551"))
        .expect("there")
        + 1;
    assert_eq!(
        problem.line,
        Some(line),
        "the line of `proposals` in [initiator]"
    );
}

#[test]
fn a_value_of_the_wrong_type_or_an_unknown_key_is_named_where_it_is_written() {
    let text = happy_path().replacen("latency = \"10ms\"", "latency = \"10 parsecs\"", 1);
    let problems = check(&text).expect_err("refused");
    assert_eq!(
        problems[0].path.as_deref(),
        Some("network.link.latency"),
        "{problems:?}"
    );
    let line = text
        .lines()
        .position(|l| l.contains("parsecs"))
        .expect("there")
        + 1;
    assert_eq!(problems[0].line, Some(line));
    let typo = happy_path().replacen("tries = 5", "tires = 5", 1);
    let problems = check(&typo).expect_err("refused");
    assert_eq!(
        problems[0].path.as_deref(),
        Some("initiator.retransmit.tires"),
        "{problems:?}"
    );
    assert!(
        problems[0].message.contains("unknown field"),
        "{problems:?}"
    );
    let broken = check("version = 1\nname = \"x\"\ntitle = [").expect_err("refused");
    assert_eq!(broken[0].line, Some(3), "{broken:?}");
}

#[test]
fn a_scenario_problem_outside_the_peers_names_its_key() {
    let text = happy_path().replacen("latency = \"10ms\"", "latency = \"10ms\"\nloss = 1.5", 1);
    let problems = check(&text).expect_err("refused");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].is_about("network.link.loss"), "{problems:?}");
    assert_eq!(
        problems[0].message,
        "network.link.loss = 1.5 is not a probability in [0, 1]"
    );
}

#[test]
fn a_link_round_trips_and_leaves_secrets_out_unless_asked() {
    let text = write_field(
        happy_path(),
        &field_at(happy_path(), "network.link.loss"),
        "0.1",
    )
    .expect("writes");
    let with = link::encode(&text, true);
    assert!(
        with.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{with}"
    );
    assert!(
        with.len() < text.len(),
        "deflated: {} of {} octets",
        with.len(),
        text.len()
    );
    assert_eq!(
        link::decode(&with),
        Ok(link::Decoded {
            text: text.clone(),
            secrets_from: None
        })
    );

    let with_psk = write_field(
        &text,
        &field_at(&text, "responder.secrets.psk"),
        "sent-by-the-teacher",
    )
    .expect("writes");
    let without = link::encode(&with_psk, false);
    let decoded = link::decode(&without).expect("decodes");
    assert!(
        !decoded.text.contains("sent-by-the-teacher"),
        "the PSK stayed out"
    );
    assert_eq!(decoded.secrets_from.as_deref(), Some("happy-path"));
    let scenario = check(&decoded.text).expect("runs with the bundled secrets");
    assert_eq!(scenario.network.link.loss, Some(0.1), "the edit travelled");
    assert_eq!(
        scenario
            .responder
            .secrets
            .psk
            .as_ref()
            .map(|p| p.expose().to_owned()),
        Some("not-a-real-secret".to_owned())
    );
}

#[test]
fn a_broken_link_says_so() {
    for payload in ["", "%%%", "AAAA", &link::encode("x", true)[..2]] {
        let err = link::decode(payload);
        if payload.is_empty() {
            // Nothing deflated is the empty text: decodes, and does not parse later.
            assert!(
                err.is_err() || err.as_ref().is_ok_and(|d| d.text.is_empty()),
                "{err:?}"
            );
            continue;
        }
        assert!(
            err.as_ref().is_err_and(|e| e.contains("cannot be read")),
            "{payload}: {err:?}"
        );
    }
}

#[test]
fn an_edited_run_is_the_same_as_the_cli_run_of_the_saved_text() {
    let text =
        write_field(happy_path(), &field_at(happy_path(), "network.nat"), "true").expect("writes");
    let scenario = check(&text).expect("valid");
    let page = sim::run(&scenario, 7).trace.to_json().expect("json");
    let cli = sim::run(
        &ikelab_engine::sim::Scenario::from_toml(&text).expect("reads"),
        7,
    )
    .trace
    .to_json()
    .expect("json");
    assert_eq!(page, cli);
}

#[test]
fn runs_too_long_or_too_many_packets_for_the_page_are_refused_at_their_key() {
    let long = happy_path().replacen("duration = \"30s\"", "duration = \"60d\"", 1);
    let problems = check(&long).expect_err("refused");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].is_about("duration"), "{problems:?}");
    assert!(problems[0].message.contains("up to 6 h"), "{problems:?}");
    let many = format!(
        "{}\n[[script]]\nat = \"1s\"\naction = \"ping\"\ncount = 100000\n",
        happy_path().split("\n[expect").next().expect("text")
    );
    let problems = check(&many).expect_err("refused");
    assert!(
        problems.iter().any(|p| p.is_about("script[2].count")),
        "{problems:?}"
    );
    // The limits themselves still run.
    let at_limit = happy_path().replacen("duration = \"30s\"", "duration = \"6h\"", 1);
    assert!(check(&at_limit).is_ok());
}
