//! Table tests of the pod plan: each knob, restart policy and age gives the phase, readiness and restart count a kubelet would report.

use super::*;

fn knobs(pairs: &[(&str, &str)]) -> Knobs {
    let map: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Knobs::from_annotations(Some(&map)).expect("valid knobs")
}

fn check(
    annotations: &[(&str, &str)],
    restart: RestartPolicy,
    job_like: bool,
    elapsed: u64,
    expected: (Phase, bool, i32),
) {
    let p = plan(&knobs(annotations), restart, job_like, elapsed);
    assert_eq!(
        (p.phase, p.ready, p.restart_count),
        expected,
        "{annotations:?} {restart:?} job_like={job_like} at {elapsed}s: {p:?}"
    );
}

#[test]
fn plain_pods_are_ready_at_once() {
    check(
        &[],
        RestartPolicy::Always,
        false,
        0,
        (Phase::Running, true, 0),
    );
    check(
        &[],
        RestartPolicy::Always,
        false,
        999,
        (Phase::Running, true, 0),
    );
}

#[test]
fn job_pods_succeed_after_the_delay() {
    check(
        &[],
        RestartPolicy::Never,
        true,
        0,
        (Phase::Succeeded, false, 0),
    );
    let slow = [(AFTER_SECONDS, "4")];
    check(
        &slow,
        RestartPolicy::OnFailure,
        true,
        3,
        (Phase::Running, true, 0),
    );
    check(
        &slow,
        RestartPolicy::OnFailure,
        true,
        4,
        (Phase::Succeeded, false, 0),
    );
}

#[test]
fn never_ready_pods_run_unready_forever() {
    let k = [(BEHAVIOR, "never-ready")];
    check(
        &k,
        RestartPolicy::Always,
        false,
        0,
        (Phase::Running, false, 0),
    );
    check(
        &k,
        RestartPolicy::Never,
        true,
        500,
        (Phase::Running, false, 0),
    );
}

#[test]
fn slow_start_pods_become_ready_after_the_delay() {
    let k = [(BEHAVIOR, "slow-start"), (AFTER_SECONDS, "7")];
    check(
        &k,
        RestartPolicy::Always,
        false,
        6,
        (Phase::Running, false, 0),
    );
    check(
        &k,
        RestartPolicy::Always,
        false,
        7,
        (Phase::Running, true, 0),
    );
}

#[test]
fn failing_pods_exit_non_zero_after_the_delay() {
    let k = [(BEHAVIOR, "fail"), (AFTER_SECONDS, "2"), (EXIT_CODE, "3")];
    check(&k, RestartPolicy::Never, true, 1, (Phase::Running, true, 0));
    check(&k, RestartPolicy::Never, true, 2, (Phase::Failed, false, 0));
    let p = plan(&knobs(&k), RestartPolicy::Never, true, 9);
    assert!(matches!(
        p.state,
        State::Terminated {
            exit_code: 3,
            finished: 2,
            ..
        }
    ));
    // Restarted by the kubelet when the policy allows it.
    check(
        &k,
        RestartPolicy::Always,
        false,
        2,
        (Phase::Running, false, 1),
    );
}

#[test]
fn crash_loop_counts_restarts_and_backs_off() {
    let k = [(BEHAVIOR, "crash-loop"), (AFTER_SECONDS, "1")];
    // cycle = 1 s running + 2 s back-off
    check(
        &k,
        RestartPolicy::Always,
        false,
        0,
        (Phase::Running, false, 0),
    );
    check(
        &k,
        RestartPolicy::Always,
        false,
        1,
        (Phase::Running, false, 1),
    );
    check(
        &k,
        RestartPolicy::Always,
        false,
        3,
        (Phase::Running, false, 1),
    );
    check(
        &k,
        RestartPolicy::Always,
        false,
        4,
        (Phase::Running, false, 2),
    );
    let p = plan(&knobs(&k), RestartPolicy::Always, false, 31);
    assert_eq!(
        p.state,
        State::Waiting {
            reason: "CrashLoopBackOff"
        }
    );
    assert_eq!(p.restart_count, 11);
    check(&k, RestartPolicy::Never, true, 1, (Phase::Failed, false, 0));
}

#[test]
fn bad_knobs_name_the_annotation() {
    let bad = |k: &str, v: &str| {
        let map = BTreeMap::from([(k.to_owned(), v.to_owned())]);
        Knobs::from_annotations(Some(&map)).expect_err("invalid")
    };
    assert!(bad(BEHAVIOR, "explode").contains(BEHAVIOR));
    assert!(bad(AFTER_SECONDS, "soon").contains(AFTER_SECONDS));
    assert!(bad(EXIT_CODE, "x").contains(EXIT_CODE));
}
