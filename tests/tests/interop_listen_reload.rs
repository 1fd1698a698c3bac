//! `ikelab reload` of a running `ikelab listen` with strongSwan 5.9.8 road warriors
//! connected, in the gateway lab (`interop::gateway_lab`).
//!
//! - `reload_adds_and_removes_connections_while_a_third_keeps_pinging` (~9 s, most
//!   of it alice's 8 s of pings): connections `a` (alice) and `b` (bob); alice and
//!   bob connect and alice pings 203.0.113.1 every 0.2 s for the whole test.
//!   Carol is refused (no connection for her yet). The file is rewritten: `b` removed, `c` (carol, her own key)
//!   added; `reload` exits 0. Carol connects; bob's SA stays up and still carries
//!   his pings, but once he leaves he cannot come back (no connection for him,
//!   though his key is still in the file). Two invalid files (an unknown key; an
//!   unknown algorithm), each also putting `b` back: `reload` exits 5 naming the
//!   key on standard error, and nothing of them is applied — bob is still refused,
//!   alice and carol stay up, and carol connects again under the running
//!   configuration. Alice's ping has lost nothing at the end.
//!
//! Interop layer: root, strongSwan, iproute2, ping; `cargo build --workspace --bins
//! --features ikelab-tests/interop` first; one test at a time.

use std::time::{Duration, Instant};

use ikelab_tests::interop::gateway_lab::config::{ALICE, BOB, CAROL};
use ikelab_tests::interop::gateway_lab::{
    BackgroundPing, Diagnose, GatewayConnection, GatewayLab, Listen, ListenConfig, PROTECTED_HOST,
    PROTECTED_NET, Roadwarrior, or_report,
};

/// Alice's background pings: every 0.2 s for 8 s, longer than the test's
/// reloads and connects take (checked at the end).
const ALICE_PINGS: u32 = 40;
/// How long swanctl waits for a connection the gateway must refuse.
const REFUSED_WAIT: Duration = Duration::from_secs(10);

#[test]
fn reload_adds_and_removes_connections_while_a_third_keeps_pinging() {
    let started = Instant::now();
    let lab = or_report(GatewayLab::build("lsnreload", 3, false), &[]);
    let (a, b, c) = (
        GatewayConnection::new("a", ALICE.id),
        GatewayConnection::new("b", BOB.id),
        GatewayConnection::new("c", CAROL.id),
    );
    let first = ListenConfig::new(vec![a.clone(), b.clone()], &[ALICE, BOB]);
    // Bob's key stays: only his connection goes.
    let second = ListenConfig::new(vec![a, c], &[ALICE, BOB, CAROL]);
    let listen = or_report(lab.start_listen(&first, &[]), &[]);
    let [alice, bob, carol] = [(1, ALICE), (2, BOB), (3, CAROL)].map(|(n, client)| {
        or_report(
            lab.start_roadwarrior(lab.client(n), client, &[PROTECTED_NET]),
            &[&listen],
        )
    });
    let all: [&dyn Diagnose; 4] = [&listen, &alice, &bob, &carol];

    for rw in [&alice, &bob] {
        or_report(rw.initiate(), &all);
    }
    or_report(listen.wait_for_count("client '", 2), &all[1..]);
    let vip = or_report(alice.virtual_ip(), &all);
    let mut pings = or_report(
        BackgroundPing::start(
            &alice.host.netns,
            Some(vip),
            PROTECTED_HOST,
            ALICE_PINGS,
            "0.2",
            lab.dir().join("alice-ping.txt"),
        ),
        &all,
    );
    refused(&carol, &listen, "before the reload");

    // `b` out, `c` in.
    or_report(listen.rewrite_config(&second.render()), &[]);
    let out = or_report(listen.reload(), &all);
    assert!(
        out.status.success() && out.stdout.contains("reloaded"),
        "reload: {out:?}\n{}",
        listen.diagnostics_with(&[])
    );
    or_report(listen.wait_for_log("reload: "), &[]);
    or_report(carol.initiate(), &all);
    or_report(
        listen.wait_for_log(&format!("client '{}' up on 'c'", CAROL.id)),
        &all[1..],
    );
    // Bob's SA was made with `b`, which is gone: it stays up and carries his pings …
    let ping = or_report(bob.ping(PROTECTED_HOST, 3), &all);
    assert!(ping.all_answered(), "bob after the reload: {}", ping.output);
    let ping = or_report(carol.ping(PROTECTED_HOST, 3), &all);
    assert!(ping.all_answered(), "carol: {}", ping.output);
    // … but once he leaves he cannot come back.
    or_report(bob.terminate().map(|_| ()), &all);
    refused(&bob, &listen, "after `b` was removed");

    // Invalid files, each also putting `b` back: refused whole.
    let mut unknown_key = second.clone();
    unknown_key.connections[1]
        .extra
        .push(("mobik".to_owned(), "true".to_owned()));
    let mut bad_proposal = second.clone();
    bad_proposal.connections[1].proposals = vec!["aes256gcm16-prfsha256-x99999".to_owned()];
    for (mut invalid, key) in [
        (unknown_key, "mobik"),
        (bad_proposal, "connections.c.proposals"),
    ] {
        invalid
            .connections
            .push(GatewayConnection::new("b", BOB.id));
        or_report(listen.rewrite_config(&invalid.render()), &[]);
        let out = or_report(listen.reload(), &all);
        assert_eq!(
            out.status.code(),
            Some(5),
            "reload of an invalid file ({key}): {out:?}"
        );
        assert!(
            out.stderr.contains(key),
            "reload names `{key}` on standard error: {out:?}"
        );
    }
    or_report(listen.wait_for_log("reload refused"), &[]);
    let sas = or_report(
        listen.wait_for_sas("alice and carol up", |sas| {
            [ALICE.id, CAROL.id].iter().all(|id| {
                sas.iter()
                    .any(|sa| sa.remote_id == *id && sa.state == "ESTABLISHED")
            })
        }),
        &all[1..],
    );
    refused(&bob, &listen, "after the invalid files");
    or_report(carol.terminate().map(|_| ()), &all);
    or_report(carol.initiate(), &all);
    or_report(
        listen.wait_for_count(&format!("client '{}' up on 'c'", CAROL.id), 2),
        &all[1..],
    );

    assert!(
        pings.running(),
        "alice's pings ended before the test's reloads did: make ALICE_PINGS longer"
    );
    let elapsed = started.elapsed();
    let ping = or_report(pings.finish(), &all);
    assert!(
        ping.all_answered() && ping.transmitted == ALICE_PINGS,
        "alice's pings through the reloads: {}\n{sas}\n{}",
        ping.output,
        listen.diagnostics_with(&[])
    );
    let (down, exit) = or_report(listen.down(), &[]);
    assert!(down.status.success() && exit.and_then(|s| s.code()) == Some(0));
    drop((alice, bob, carol));
    or_report(lab.close(), &[]);
    eprintln!(
        "reload: the sequence {elapsed:?}, whole test {:?}",
        started.elapsed()
    );
}

/// `rw` cannot connect: swanctl's initiate fails and the gateway lists no SA for
/// its identity.
fn refused(rw: &Roadwarrior, listen: &Listen, when: &str) {
    let out = or_report(rw.try_initiate(REFUSED_WAIT), &[listen, rw]);
    let name = rw.client.name;
    assert!(
        !out.status.success(),
        "{name} connected {when}: {out:?}\n{}",
        listen.diagnostics_with(&[rw])
    );
    let sas = or_report(listen.sas(), &[rw]);
    assert!(
        !sas.iter()
            .any(|sa| sa.remote_id == rw.client.id && sa.state == "ESTABLISHED"),
        "the gateway lists {name} {when}: {sas:#?}"
    );
}
