//! What a kubelet would report for a pod: a pure function of the pod's failure knobs (annotations), its restart policy and its age.
//!
//! | `helmd.test/behavior` | what the pod does (`N` = `helmd.test/after-seconds`) |
//! |---|---|
//! | (absent) | Running and Ready at once; a Job-like pod Succeeds after `N` s (default 0) |
//! | `never-ready` | Running, containers started but never Ready; a Job-like pod never completes |
//! | `slow-start` | Running, Ready only after `N` s (default 5); a Job-like pod then Succeeds |
//! | `fail` | Running and Ready, the containers exit with `helmd.test/exit-code` (default 1) after `N` s (default 3): restartPolicy Never → pod Failed; otherwise restarted, then crash loop |
//! | `crash-loop` | Running but never Ready; the containers exit after `N` s (default 1), wait in `CrashLoopBackOff` for 2 s, restart; `restartCount` counts the exits. restartPolicy Never → pod Failed |
//!
//! A pod is Job-like when a Job owns it or its restartPolicy is Never or OnFailure.

use std::collections::BTreeMap;

/// Annotation choosing the pod's behaviour.
pub const BEHAVIOR: &str = "helmd.test/behavior";
/// Annotation: seconds after the pod starts at which the behaviour kicks in.
pub const AFTER_SECONDS: &str = "helmd.test/after-seconds";
/// Annotation: the exit code of failing containers (default 1).
pub const EXIT_CODE: &str = "helmd.test/exit-code";
/// Seconds a crash-looping container waits in `CrashLoopBackOff` before it restarts.
pub const CRASH_BACKOFF_SECONDS: u64 = 2;

/// The behaviours [`BEHAVIOR`] selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behavior {
    /// Ready at once; Job-like pods succeed.
    Normal,
    /// Started, never Ready.
    NeverReady,
    /// Ready after a delay.
    SlowStart,
    /// Exits non-zero after a delay.
    Fail,
    /// Exits non-zero again and again.
    CrashLoop,
}

/// The knobs read from a pod's annotations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Knobs {
    /// The behaviour.
    pub behavior: Behavior,
    /// `helmd.test/after-seconds`, when set.
    pub after: Option<u64>,
    /// The exit code of failing containers.
    pub exit_code: i32,
}

impl Knobs {
    /// Reads the knobs; an unknown behaviour or a malformed number is an error
    /// message naming the annotation.
    pub fn from_annotations(
        annotations: Option<&BTreeMap<String, String>>,
    ) -> Result<Self, String> {
        let get = |key: &str| annotations.and_then(|a| a.get(key)).map(|v| v.trim());
        let behavior = match get(BEHAVIOR) {
            None | Some("") | Some("normal") => Behavior::Normal,
            Some("never-ready") => Behavior::NeverReady,
            Some("slow-start") => Behavior::SlowStart,
            Some("fail") => Behavior::Fail,
            Some("crash-loop") => Behavior::CrashLoop,
            Some(other) => {
                return Err(format!(
                    "{BEHAVIOR}: unknown behavior {other:?} (never-ready, slow-start, fail, crash-loop)"
                ));
            }
        };
        let after = match get(AFTER_SECONDS) {
            None => None,
            Some(v) => Some(
                v.parse::<u64>()
                    .map_err(|_| format!("{AFTER_SECONDS}: {v:?} is not a number of seconds"))?,
            ),
        };
        let exit_code = match get(EXIT_CODE) {
            None => 1,
            Some(v) => v
                .parse::<i32>()
                .map_err(|_| format!("{EXIT_CODE}: {v:?} is not an exit code"))?,
        };
        Ok(Self {
            behavior,
            after,
            exit_code,
        })
    }
}

/// The pod's restart policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestartPolicy {
    /// `Always` (the default).
    Always,
    /// `OnFailure`.
    OnFailure,
    /// `Never`.
    Never,
}

impl RestartPolicy {
    /// Parses the pod spec's field (absent means Always).
    pub fn parse(value: Option<&str>) -> Self {
        match value {
            Some("Never") => Self::Never,
            Some("OnFailure") => Self::OnFailure,
            _ => Self::Always,
        }
    }
}

/// The pod phase to report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Containers are running (or restarting).
    Running,
    /// All containers exited 0.
    Succeeded,
    /// Containers exited non-zero and will not restart.
    Failed,
}

impl Phase {
    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "Running",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
        }
    }
}

/// A container state; times are seconds after the pod started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Running since `since`.
    Running {
        /// Start offset.
        since: u64,
    },
    /// Waiting to restart.
    Waiting {
        /// `CrashLoopBackOff`.
        reason: &'static str,
    },
    /// Exited.
    Terminated {
        /// Exit code.
        exit_code: i32,
        /// `Completed` or `Error`.
        reason: &'static str,
        /// Start offset.
        started: u64,
        /// Exit offset.
        finished: u64,
    },
}

/// What every container of the pod reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The pod phase.
    pub phase: Phase,
    /// Containers (and so the pod) Ready.
    pub ready: bool,
    /// The current state.
    pub state: State,
    /// The previous instance's termination, if any.
    pub last: Option<State>,
    /// How often the container exited and was restarted.
    pub restart_count: i32,
}

/// The plan for a pod `elapsed` seconds after it started.
pub fn plan(knobs: &Knobs, restart: RestartPolicy, job_like: bool, elapsed: u64) -> Plan {
    let running = |ready| Plan {
        phase: Phase::Running,
        ready,
        state: State::Running { since: 0 },
        last: None,
        restart_count: 0,
    };
    let done = |exit_code: i32, finished: u64| Plan {
        phase: if exit_code == 0 {
            Phase::Succeeded
        } else {
            Phase::Failed
        },
        ready: false,
        state: State::Terminated {
            exit_code,
            reason: if exit_code == 0 { "Completed" } else { "Error" },
            started: 0,
            finished,
        },
        last: None,
        restart_count: 0,
    };
    match knobs.behavior {
        Behavior::Normal => {
            let after = knobs.after.unwrap_or(0);
            if job_like && elapsed >= after {
                done(0, after)
            } else {
                running(true)
            }
        }
        Behavior::NeverReady => running(false),
        Behavior::SlowStart => {
            let after = knobs.after.unwrap_or(5);
            match (elapsed >= after, job_like) {
                (false, _) => running(false),
                (true, false) => running(true),
                (true, true) => done(0, after),
            }
        }
        Behavior::Fail => {
            let after = knobs.after.unwrap_or(3);
            if elapsed < after {
                running(true)
            } else if restart == RestartPolicy::Never {
                done(knobs.exit_code, after)
            } else {
                crash_loop(knobs.exit_code, after, elapsed)
            }
        }
        Behavior::CrashLoop => {
            let run = knobs.after.unwrap_or(1);
            if restart == RestartPolicy::Never {
                if elapsed < run {
                    running(false)
                } else {
                    done(knobs.exit_code, run)
                }
            } else {
                crash_loop(knobs.exit_code, run, elapsed)
            }
        }
    }
}

/// A container that runs `run` seconds, exits with `exit_code`, backs off and restarts, forever; never Ready.
fn crash_loop(exit_code: i32, run: u64, elapsed: u64) -> Plan {
    let cycle = run + CRASH_BACKOFF_SECONDS;
    let k = elapsed / cycle;
    let offset = elapsed % cycle;
    let exit = |n: u64| State::Terminated {
        exit_code,
        reason: "Error",
        started: n * cycle,
        finished: n * cycle + run,
    };
    let count = |n: u64| i32::try_from(n).unwrap_or(i32::MAX);
    if offset < run {
        Plan {
            phase: Phase::Running,
            ready: false,
            state: State::Running { since: k * cycle },
            last: k.checked_sub(1).map(exit),
            restart_count: count(k),
        }
    } else {
        Plan {
            phase: Phase::Running,
            ready: false,
            state: State::Waiting {
                reason: "CrashLoopBackOff",
            },
            last: Some(exit(k)),
            restart_count: count(k + 1),
        }
    }
}

#[cfg(test)]
mod tests;
