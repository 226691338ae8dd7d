//! Table tests of what a kubelet endpoint answers for a pod's log: annotation choice, tailLines, limitBytes, timestamps, since, previous.

use super::*;
use serde_json::json;

const STARTED: &str = "2026-01-02T03:04:05Z";

fn pod(annotations: serde_json::Value, restarts: i32) -> Pod {
    let last = if restarts > 0 {
        json!({"terminated": {"exitCode": 1, "startedAt": "2026-01-02T03:00:00Z",
            "finishedAt": "2026-01-02T03:01:00Z"}})
    } else {
        json!({})
    };
    with_statuses(
        annotations,
        json!([
            status(
                "main",
                json!({"running": {"startedAt": STARTED}}),
                last,
                restarts
            ),
            status(
                "sidecar",
                json!({"terminated": {"exitCode": 0,
                "startedAt": "2026-01-02T03:04:01Z", "finishedAt": "2026-01-02T03:04:02Z"}}),
                json!({}),
                0
            ),
        ]),
    )
}

fn status(
    name: &str,
    state: serde_json::Value,
    last: serde_json::Value,
    restarts: i32,
) -> serde_json::Value {
    json!({"name": name, "image": "", "imageID": "", "ready": false,
        "restartCount": restarts, "state": state, "lastState": last})
}

fn with_statuses(annotations: serde_json::Value, statuses: serde_json::Value) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": "p", "namespace": "ns", "annotations": annotations},
        "spec": {
            "containers": [{"name": "main"}, {"name": "sidecar"}],
            "initContainers": [{"name": "setup"}],
        },
        "status": {"startTime": "2026-01-02T03:04:00Z", "containerStatuses": statuses},
    }))
    .expect("a pod")
}

fn query(q: serde_json::Value) -> LogQuery {
    serde_json::from_value(q).expect("a query")
}

fn now() -> Timestamp {
    "2026-01-02T03:05:05Z".parse().expect("a time")
}

/// The one place that calls `logs_of`.
fn check(pod: &Pod, container: &str, q: serde_json::Value, expected: Result<&str, (u16, &str)>) {
    let got = logs_of(pod, container, &query(q), now());
    let got = got
        .map(|b| String::from_utf8(b).expect("utf-8"))
        .map_err(|r| (r.status, r.message));
    let expected = expected
        .map(str::to_owned)
        .map_err(|(s, m)| (s, m.to_owned()));
    assert_eq!(got, expected, "container {container}");
}

#[test]
fn the_pod_wide_annotation_is_every_container_s_log_with_a_final_newline() {
    let p = pod(json!({"helmd.test/log": "one\ntwo"}), 0);
    check(&p, "main", json!({}), Ok("one\ntwo\n"));
    check(&p, "sidecar", json!({}), Ok("one\ntwo\n"));
    let p = pod(json!({"helmd.test/log": "kept\n\n"}), 0);
    check(&p, "main", json!({}), Ok("kept\n\n"));
}

#[test]
fn a_container_s_own_annotation_wins_over_the_pod_wide_one() {
    let p = pod(
        json!({"helmd.test/log": "all", "helmd.test/log.sidecar": "mine"}),
        0,
    );
    check(&p, "main", json!({}), Ok("all\n"));
    check(&p, "sidecar", json!({}), Ok("mine\n"));
    let p = pod(json!({"helmd.test/log.sidecar": "only me"}), 0);
    check(&p, "main", json!({}), Ok(""));
    check(&p, "sidecar", json!({}), Ok("only me\n"));
}

#[test]
fn a_pod_without_a_log_annotation_logs_nothing() {
    check(&pod(json!({}), 0), "main", json!({}), Ok(""));
}

#[test]
fn unknown_containers_are_not_found() {
    check(
        &pod(json!({}), 0),
        "nope",
        json!({}),
        Err((404, "container \"nope\" not found in pod \"p\"")),
    );
}

#[test]
fn tail_lines_and_limit_bytes_cut_the_text_as_a_kubelet_does() {
    let p = pod(json!({"helmd.test/log": "a\nbb\nccc\n"}), 0);
    check(&p, "main", json!({"tailLines": 2}), Ok("bb\nccc\n"));
    check(&p, "main", json!({"tailLines": 0}), Ok(""));
    check(&p, "main", json!({"tailLines": 10}), Ok("a\nbb\nccc\n"));
    check(&p, "main", json!({"limitBytes": 4}), Ok("a\nbb"));
    check(
        &p,
        "main",
        json!({"tailLines": 1, "limitBytes": 2}),
        Ok("cc"),
    );
    check(&p, "main", json!({"follow": true}), Ok("a\nbb\nccc\n"));
}

#[test]
fn timestamps_stamp_every_line_with_the_container_start_and_count_toward_limit_bytes() {
    let p = pod(json!({"helmd.test/log": "a\nb"}), 0);
    let stamped = format!("{STARTED} a\n{STARTED} b\n");
    check(&p, "main", json!({"timestamps": true}), Ok(&stamped));
    check(
        &p,
        "main",
        json!({"timestamps": true, "limitBytes": 22}),
        Ok(&stamped[..22]),
    );
    // A terminated container is stamped with its own start.
    check(
        &p,
        "sidecar",
        json!({"timestamps": true, "tailLines": 1}),
        Ok("2026-01-02T03:04:01Z b\n"),
    );
}

#[test]
fn since_keeps_the_text_only_when_the_container_started_inside_the_window() {
    let p = pod(json!({"helmd.test/log": "x"}), 0);
    check(&p, "main", json!({"sinceSeconds": 60}), Ok("x\n"));
    check(&p, "main", json!({"sinceSeconds": 59}), Ok(""));
    check(&p, "main", json!({"sinceTime": STARTED}), Ok("x\n"));
    check(
        &p,
        "main",
        json!({"sinceTime": "2026-01-02T03:04:06Z"}),
        Ok(""),
    );
    check(&p, "main", json!({"stream": "Stderr"}), Ok(""));
    check(&p, "main", json!({"stream": "Stdout"}), Ok("x\n"));
}

#[test]
fn previous_needs_a_terminated_instance_and_stamps_its_start() {
    let p = pod(json!({"helmd.test/log": "x"}), 0);
    check(
        &p,
        "main",
        json!({"previous": true}),
        Err((
            400,
            "previous terminated container \"main\" in pod \"p\" not found",
        )),
    );
    let p = pod(json!({"helmd.test/log": "x"}), 1);
    check(
        &p,
        "main",
        json!({"previous": true, "timestamps": true}),
        Ok("2026-01-02T03:00:00Z x\n"),
    );
}

#[test]
fn a_container_without_a_started_instance_has_no_log_yet() {
    let p = pod(json!({"helmd.test/log": "x"}), 0);
    check(
        &p,
        "setup",
        json!({}),
        Err((400, "container \"setup\" in pod \"p\" is not available")),
    );
    let waiting = json!({"waiting": {"reason": "ContainerCreating"}});
    let p = with_statuses(
        json!({"helmd.test/log": "x"}),
        json!([status("main", waiting.clone(), json!({}), 0)]),
    );
    check(
        &p,
        "main",
        json!({}),
        Err((
            400,
            "container \"main\" in pod \"p\" is waiting to start: ContainerCreating",
        )),
    );
    // Backing off after a crash, it serves the crashed instance's log.
    let crashed = json!({"terminated": {"exitCode": 1, "startedAt": "2026-01-02T03:00:00Z"}});
    let p = with_statuses(
        json!({"helmd.test/log": "x"}),
        json!([status("main", waiting, crashed, 1)]),
    );
    check(
        &p,
        "main",
        json!({"timestamps": true}),
        Ok("2026-01-02T03:00:00Z x\n"),
    );
}

#[test]
fn the_query_parses_from_what_the_apiserver_forwards() {
    let q: LogQuery = parsed(
        "follow=true&limitBytes=10&previous=true&sinceSeconds=5&tailLines=3&timestamps=true",
    );
    assert_eq!(q.tail_lines, Some(3));
    assert_eq!(q.limit_bytes, Some(10));
    assert_eq!(q.since_seconds, Some(5));
    assert!(q.follow && q.previous && q.timestamps);
}

fn parsed(q: &str) -> LogQuery {
    let uri: axum::http::Uri = format!("/containerLogs/ns/p/main?{q}")
        .parse()
        .expect("a uri");
    Query::<LogQuery>::try_from_uri(&uri).expect("a query").0
}
