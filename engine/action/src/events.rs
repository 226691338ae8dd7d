//! What an action reports while it runs: stages, objects, hooks and test logs,
//! sent to whoever watches the operation (a dropped watcher loses nothing but
//! the events).

use tokio::sync::mpsc;

/// The stage an action is in (the proto's OperationStage).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Rendering the chart.
    Rendering,
    /// Checking objects against the cluster (kinds, ownership).
    Validating,
    /// Creating the chart's CRDs.
    InstallingCrds,
    /// Running pre-* hooks.
    RunningPreHooks,
    /// Applying objects.
    Applying,
    /// Waiting for objects to become ready.
    Waiting,
    /// Running post-* hooks.
    RunningPostHooks,
    /// Deleting objects.
    Deleting,
    /// Running test hooks.
    RunningTests,
    /// Undoing a failed action (rollback-on-failure).
    RecoveringFromFailure,
    /// Writing the release record.
    RecordingRelease,
}

/// An object as events name it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectRef {
    /// `apps/v1`.
    pub api_version: String,
    /// `Deployment`.
    pub kind: String,
    /// Namespace, empty when cluster-scoped.
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl ObjectRef {
    /// The reference of a resource.
    pub fn of(r: &helmd_kube::Resource) -> ObjectRef {
        ObjectRef {
            api_version: r.api_version().to_owned(),
            kind: r.kind().to_owned(),
            namespace: r.namespace.clone().unwrap_or_default(),
            name: r.name.clone(),
        }
    }
}

/// How many of a stage's objects are done (applied, ready, deleted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Count {
    /// Done so far.
    pub done: usize,
    /// In all.
    pub total: usize,
}

/// One thing that happened.
#[derive(Debug, Clone)]
pub enum Event {
    /// A stage began (or says what it is doing).
    Stage {
        /// Which.
        stage: Stage,
        /// What, in a few words.
        message: String,
        /// The object it is about, if one.
        object: Option<ObjectRef>,
        /// Its health, when judged (`helmd_kube::Health` name, lower case).
        health: Option<helmd_kube::Health>,
        /// How far the stage is through its objects, when it counts them.
        count: Option<Count>,
    },
    /// A hook changed phase.
    Hook {
        /// The hook's name.
        name: String,
        /// Its object.
        object: ObjectRef,
        /// The event it runs for (`pre-install`).
        event: String,
        /// `Running`, `Succeeded`, `Failed`.
        phase: String,
        /// Why, when it failed.
        message: String,
    },
    /// Output of a test pod (`--logs`).
    Log {
        /// Pod namespace.
        namespace: String,
        /// Pod name.
        pod: String,
        /// Container.
        container: String,
        /// The text.
        text: String,
    },
}

/// Where events go.
#[derive(Debug, Clone, Default)]
pub struct Events {
    tx: Option<mpsc::UnboundedSender<Event>>,
}

impl Events {
    /// Events sent to `tx`.
    pub fn new(tx: mpsc::UnboundedSender<Event>) -> Events {
        Events { tx: Some(tx) }
    }

    /// Sends one event (nobody listening is fine).
    pub fn send(&self, event: Event) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(event);
        }
    }

    /// A stage began.
    pub fn stage(&self, stage: Stage, message: impl Into<String>) {
        self.send(Event::Stage {
            stage,
            message: message.into(),
            object: None,
            health: None,
            count: None,
        });
    }

    /// Something happened to one of a stage's objects, `done` of `total` so far.
    pub fn object(
        &self,
        stage: Stage,
        message: impl Into<String>,
        r: &helmd_kube::Resource,
        health: Option<helmd_kube::Health>,
        (done, total): (usize, usize),
    ) {
        self.send(Event::Stage {
            stage,
            message: message.into(),
            object: Some(ObjectRef::of(r)),
            health,
            count: Some(Count { done, total }),
        });
    }
}
