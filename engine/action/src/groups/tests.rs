//! Table tests of resource-group planning: members with their annotations in, the
//! batches (group, member indexes) or the refusal out.

use super::*;

/// An object named `name` in `group` (if any) declaring `deps` (if any).
fn m(name: &str, group: Option<&str>, deps: Option<&str>) -> Member {
    let mut annotations = BTreeMap::new();
    if let Some(g) = group {
        annotations.insert(GROUP_ANNOTATION.to_owned(), g.to_owned());
    }
    if let Some(d) = deps {
        annotations.insert(DEPENDS_ON_ANNOTATION.to_owned(), d.to_owned());
    }
    Member {
        name: name.to_owned(),
        annotations,
    }
}

/// Each batch as its group and its members' indexes.
type Batches = Vec<(Option<String>, Vec<usize>)>;

/// The plan as batches, or the refusal.
fn check(members: &[Member]) -> Result<Option<Batches>, Refusal> {
    Ok(plan(members)?.map(|p| {
        p.batches
            .into_iter()
            .map(|b| (b.group, b.members))
            .collect()
    }))
}

fn g(name: &str) -> Option<String> {
    Some(name.to_owned())
}

fn refusal(members: &[Member]) -> Refusal {
    match plan(members) {
        Err(r) => r,
        Ok(p) => panic!("planned {p:?}"),
    }
}

#[test]
fn without_annotations_there_is_no_plan() {
    assert_eq!(check(&[m("a", None, None), m("b", None, None)]), Ok(None));
    assert_eq!(check(&[]), Ok(None));
}

#[test]
fn groups_follow_their_dependencies_and_ungrouped_objects_come_last() {
    let members = [
        m("svc", None, None),
        m("c1", Some("c"), Some(r#"["b"]"#)),
        m("a1", Some("a"), None),
        m("b1", Some("b"), Some("a")),
        m("a2", Some("a"), None),
        m("c2", Some("c"), None),
    ];
    assert_eq!(
        check(&members),
        Ok(Some(vec![
            (g("a"), vec![2, 4]),
            (g("b"), vec![3]),
            (g("c"), vec![1, 5]),
            (None, vec![0]),
        ]))
    );
}

#[test]
fn independent_groups_go_by_name_and_dependencies_by_either_list_form() {
    let members = [
        m("z", Some("zeta"), None),
        m("y", Some("alpha"), None),
        m("x", Some("mid"), Some(" zeta , alpha ")),
        m("w", Some("last"), Some(r#"[ "mid", "alpha" ]"#)),
    ];
    let plan = plan(&members).expect("plan").expect("groups");
    let order: Vec<Option<&str>> = plan.batches.iter().map(|b| b.group.as_deref()).collect();
    assert_eq!(
        order,
        [Some("alpha"), Some("zeta"), Some("mid"), Some("last")]
    );
    assert_eq!(plan.batches[2].depends_on, ["alpha", "zeta"]);
    assert_eq!(plan.batches[3].label(), "resource group \"last\"");
}

#[test]
fn a_group_alone_is_a_plan_and_an_empty_dependency_list_is_none() {
    assert_eq!(
        check(&[m("a", Some("a"), Some("")), m("b", Some("a"), Some("[]"))]),
        Ok(Some(vec![(g("a"), vec![0, 1])]))
    );
}

#[test]
fn a_cycle_is_refused_naming_it() {
    let r = refusal(&[
        m("a", Some("a"), Some("c")),
        m("b", Some("b"), Some("a")),
        m("c", Some("c"), Some("b")),
        m("d", Some("d"), Some("c")),
    ]);
    assert_eq!(r.group.as_deref(), Some("a"));
    assert_eq!(
        r.message,
        r#"resource groups form a cycle: "a" depends on "c" depends on "b" depends on "a""#
    );
}

#[test]
fn a_cycle_behind_a_waiting_group_is_found() {
    // "a" waits on the cycle b <-> c without being in it.
    let r = refusal(&[
        m("a", Some("a"), Some("b")),
        m("b", Some("b"), Some("c")),
        m("c", Some("c"), Some("b")),
    ]);
    assert_eq!(
        r.message,
        r#"resource groups form a cycle: "b" depends on "c" depends on "b""#
    );
    assert_eq!(r.group.as_deref(), Some("b"));
}

#[test]
fn a_group_depending_on_itself_is_a_cycle() {
    let r = refusal(&[m("a", Some("a"), Some("a"))]);
    assert_eq!(
        r.message,
        r#"resource groups form a cycle: "a" depends on "a""#
    );
}

#[test]
fn an_unknown_group_is_refused_naming_both() {
    let r = refusal(&[m("a", Some("app"), Some(r#"["db"]"#))]);
    assert_eq!(r.group.as_deref(), Some("app"));
    assert_eq!(
        r.message,
        r#"resource group "app" depends on resource group "db", which no object is in"#
    );
}

#[test]
fn conflicting_declarations_in_one_group_are_refused() {
    let r = refusal(&[
        m("x", Some("a"), None),
        m("y", Some("b"), None),
        m("Deployment \"one\"", Some("app"), Some("a")),
        m("Service \"two\"", Some("app"), Some(r#"["a","b"]"#)),
    ]);
    assert_eq!(r.group.as_deref(), Some("app"));
    assert_eq!(
        r.message,
        r#"resource group "app" has conflicting dependencies: Deployment "one" declares ["a"] and Service "two" declares ["a", "b"]"#
    );
    // The same set in another form is no conflict.
    assert!(
        plan(&[
            m("x", Some("a"), None),
            m("y", Some("b"), None),
            m("one", Some("app"), Some("b, a")),
            m("two", Some("app"), Some(r#"["a","b"]"#)),
        ])
        .is_ok()
    );
}

#[test]
fn malformed_declarations_are_refused() {
    let r = refusal(&[m("Job \"j\"", None, Some("a"))]);
    assert_eq!(
        r.message,
        "Job \"j\" declares helm.sh/depends-on/resource-groups without helm.sh/resource-group"
    );
    let r = refusal(&[m("x", Some("  "), None)]);
    assert_eq!(r.message, "x has an empty helm.sh/resource-group");
    let r = refusal(&[m("x", Some("a"), Some("[\"b\""))]);
    assert!(
        r.message
            .starts_with("x: helm.sh/depends-on/resource-groups: not a JSON array of group names"),
        "{}",
        r.message
    );
    let r = refusal(&[m("x", Some("a"), Some("b,,c"))]);
    assert!(r.message.contains("an empty group name"), "{}", r.message);
}
