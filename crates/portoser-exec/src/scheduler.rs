//! Walks the plan graph: a node starts when everything it depends on succeeded, within a
//! per-host limit; a failure skips its dependents and nothing else; Ctrl-C stops starting
//! nodes, a second one aborts the running ones. docs/apply.md tells the rules.

use crate::apply::{ApplyOptions, report_node};
use crate::record::Recorder;
use crate::report::{NodeReport, Outcome, RunReport};
use crate::{Event, EventKind, NodeFailure, NodeOutput, NodeRunner};
use portoser_plan::{Action, Plan, now_rfc3339};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::Sender;
use tokio::task::{Id, JoinSet};
use tokio::time::Instant;

enum Ran {
    Done(Result<NodeOutput, NodeFailure>),
    Aborted,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Waiting,
    Ready,
    Running,
    Done,
}

pub(crate) struct Walk<'p, 'r, R> {
    plan: &'p Plan,
    runner: Arc<R>,
    options: &'p ApplyOptions,
    events: &'p Sender<Event>,
    recorder: Recorder<'r>,
    t0: Instant,
    dependents: Vec<Vec<usize>>,
    /// Dependencies not yet succeeded.
    waiting_on: Vec<usize>,
    status: Vec<Status>,
    outcome: Vec<Option<Outcome>>,
    started: Vec<Option<Duration>>,
    duration: Vec<Option<Duration>>,
    /// Per host, ready nodes in plan order.
    ready: BTreeMap<&'p str, BTreeSet<usize>>,
    running: HashMap<&'p str, usize>,
    tasks: JoinSet<(usize, Ran, Duration)>,
    task_node: HashMap<Id, usize>,
    stopped: bool,
}

impl<'p, 'r, R: NodeRunner> Walk<'p, 'r, R> {
    pub(crate) fn new(
        plan: &'p Plan,
        runner: Arc<R>,
        options: &'p ApplyOptions,
        events: &'p Sender<Event>,
        recorder: Recorder<'r>,
    ) -> Self {
        let n = plan.nodes.len();
        Walk {
            plan,
            runner,
            options,
            events,
            recorder,
            t0: Instant::now(),
            dependents: vec![Vec::new(); n],
            waiting_on: vec![0; n],
            status: vec![Status::Waiting; n],
            outcome: vec![None; n],
            started: vec![None; n],
            duration: vec![None; n],
            ready: BTreeMap::new(),
            running: HashMap::new(),
            tasks: JoinSet::new(),
            task_node: HashMap::new(),
            stopped: false,
        }
    }

    pub(crate) async fn run(&mut self) {
        self.seed().await;
        let cancel = self.options.cancel.clone();
        loop {
            self.dispatch().await;
            if self.tasks.is_empty() {
                break;
            }
            tokio::select! {
                biased;
                () = cancel.stopping(), if !self.stopped => self.stop().await,
                joined = self.tasks.join_next_with_id() => match joined {
                    Some(Ok((_, (i, ran, took)))) => self.finished(i, ran, took).await,
                    Some(Err(e)) => {
                        let i = self.task_node.get(&e.id()).copied();
                        if let Some(i) = i {
                            let took = self.since_start(i);
                            let failure = NodeFailure::new("the node's task panicked (a bug in portoser)");
                            self.finished(i, Ran::Done(Err(failure)), took).await;
                        }
                    }
                    None => break,
                },
            }
        }
        if cancel.is_stopping() && !self.stopped {
            self.stop().await;
        }
        self.stranded().await;
    }

    /// Wires the graph, completes no-op nodes at once, fails nodes that wait on unknown ids.
    async fn seed(&mut self) {
        let index: HashMap<&str, usize> = self
            .plan
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.as_str(), i))
            .collect();
        let mut unknown = Vec::new();
        for (i, node) in self.plan.nodes.iter().enumerate() {
            for dep in &node.depends_on {
                match index.get(dep.as_str()) {
                    Some(&d) => {
                        self.dependents[d].push(i);
                        self.waiting_on[i] += 1;
                    }
                    None => unknown.push((i, dep.clone())),
                }
            }
        }
        for i in 0..self.plan.nodes.len() {
            if self.plan.nodes[i].action == Action::NoOp {
                // Unchanged: nothing to run, no event, nothing recorded.
                self.settle(i, Outcome::Unchanged);
            }
        }
        for (i, dep) in unknown {
            if self.status[i] != Status::Done {
                let f = NodeFailure::new(format!("depends on `{dep}`, which is not in the plan"));
                self.fail(i, f, Duration::ZERO).await;
            }
        }
        for i in 0..self.plan.nodes.len() {
            self.make_ready_if_free(i);
        }
    }

    fn make_ready_if_free(&mut self, i: usize) {
        // No-op nodes never run: `seed` settles them, whatever they wait for.
        let runs = self.plan.nodes[i].action != Action::NoOp;
        if runs && self.status[i] == Status::Waiting && self.waiting_on[i] == 0 {
            self.status[i] = Status::Ready;
            let host = self.plan.nodes[i].host.as_str();
            self.ready.entry(host).or_default().insert(i);
        }
    }

    /// Starts ready nodes while their host has room (nothing new once stopping).
    async fn dispatch(&mut self) {
        if self.stopped || self.options.cancel.is_stopping() {
            return;
        }
        let limit = self.options.per_host_limit.max(1);
        let mut starting = Vec::new();
        for (host, queue) in self.ready.iter_mut() {
            let running = self.running.entry(host).or_default();
            while *running < limit {
                let Some(i) = queue.pop_first() else { break };
                *running += 1;
                starting.push(i);
            }
        }
        self.ready.retain(|_, q| !q.is_empty());
        for i in starting {
            self.start(i).await;
        }
    }

    async fn start(&mut self, i: usize) {
        self.status[i] = Status::Running;
        self.started[i] = Some(self.t0.elapsed());
        let node = self.plan.nodes[i].clone();
        self.emit(i, EventKind::Started).await;
        let runner = Arc::clone(&self.runner);
        let cancel = self.options.cancel.clone();
        let limit = self.options.node_timeout;
        let handle = self.tasks.spawn(async move {
            let began = Instant::now();
            let ran = tokio::select! {
                biased;
                () = cancel.aborted() => Ran::Aborted,
                r = tokio::time::timeout(limit, runner.run(&node, &cancel)) => match r {
                    Ok(result) => Ran::Done(result),
                    Err(_) => Ran::Done(Err(NodeFailure::new(format!(
                        "did not finish within {}", crate::render::secs(limit)
                    )))),
                },
            };
            (i, ran, began.elapsed())
        });
        self.task_node.insert(handle.id(), i);
    }

    async fn finished(&mut self, i: usize, ran: Ran, took: Duration) {
        let host = self.plan.nodes[i].host.as_str();
        if let Some(r) = self.running.get_mut(host) {
            *r = r.saturating_sub(1);
        }
        self.duration[i] = Some(took);
        match ran {
            Ran::Done(Ok(out)) => {
                let kind = EventKind::Succeeded {
                    duration: took,
                    message: out.message.clone(),
                };
                self.emit(i, kind).await;
                self.settle(
                    i,
                    Outcome::Succeeded {
                        message: out.message,
                    },
                );
            }
            Ran::Done(Err(f)) => self.fail(i, f, took).await,
            Ran::Aborted => {
                self.emit(i, EventKind::Cancelled { was_running: true })
                    .await;
                self.settle(i, Outcome::Cancelled { was_running: true });
            }
        }
    }

    async fn fail(&mut self, i: usize, failure: NodeFailure, took: Duration) {
        let kind = EventKind::Failed {
            duration: took,
            error: failure.clone(),
        };
        self.emit(i, kind).await;
        let recovery = failure.recovery;
        self.settle(i, Outcome::Failed(failure));
        if let Some(recovery) = recovery {
            self.recorder.recovered(i, recovery);
        }
        let because = self.plan.nodes[i].id.clone();
        let mut stack = self.dependents[i].clone();
        while let Some(d) = stack.pop() {
            if matches!(self.status[d], Status::Waiting | Status::Ready) {
                self.unready(d);
                let kind = EventKind::Skipped {
                    because: because.clone(),
                };
                self.emit(d, kind).await;
                self.settle(
                    d,
                    Outcome::Skipped {
                        because: because.clone(),
                    },
                );
                stack.extend(self.dependents[d].iter().copied());
            }
        }
    }

    fn unready(&mut self, i: usize) {
        let host = self.plan.nodes[i].host.as_str();
        if let Some(q) = self.ready.get_mut(host) {
            q.remove(&i);
        }
    }

    /// Marks a node done; success frees its dependents. Tells the recorder.
    fn settle(&mut self, i: usize, outcome: Outcome) {
        if self.status[i] == Status::Done {
            // Decided once; a second decision would free its dependents twice.
            return;
        }
        self.status[i] = Status::Done;
        let freed = matches!(outcome, Outcome::Succeeded { .. } | Outcome::Unchanged);
        let ran = !matches!(outcome, Outcome::Unchanged);
        self.outcome[i] = Some(outcome);
        if freed {
            for d in self.dependents[i].clone() {
                self.waiting_on[d] = self.waiting_on[d].saturating_sub(1);
                self.make_ready_if_free(d);
            }
        }
        if ran {
            self.recorder.node_done(i, freed);
        }
    }

    /// First Ctrl-C: every node not started is cancelled; running ones go on.
    async fn stop(&mut self) {
        self.stopped = true;
        for i in 0..self.plan.nodes.len() {
            if matches!(self.status[i], Status::Waiting | Status::Ready) {
                self.unready(i);
                self.emit(i, EventKind::Cancelled { was_running: false })
                    .await;
                self.settle(i, Outcome::Cancelled { was_running: false });
            }
        }
    }

    /// Nodes still waiting when nothing runs wait on a cycle (the planner reports E0401 and
    /// the CLI should not apply such a plan): fail them rather than hang.
    async fn stranded(&mut self) {
        for i in 0..self.plan.nodes.len() {
            if self.status[i] == Status::Waiting {
                let f = NodeFailure::new("never became ready: it waits on a dependency cycle");
                self.fail(i, f, Duration::ZERO).await;
            }
        }
    }

    fn since_start(&self, i: usize) -> Duration {
        let started = self.started[i].unwrap_or_default();
        self.t0.elapsed().saturating_sub(started)
    }

    async fn emit(&mut self, i: usize, kind: EventKind) {
        let event = Event {
            at: now_rfc3339(),
            elapsed: self.t0.elapsed(),
            node: self.plan.nodes[i].id.clone(),
            kind,
        };
        self.recorder.event(&event);
        // Nobody listening is fine: the history has it.
        let _ = self.events.send(event).await;
    }

    pub(crate) fn finish(self, started_at: String) -> RunReport {
        let Walk {
            plan,
            recorder,
            t0,
            outcome,
            started,
            duration,
            stopped,
            ..
        } = self;
        let run_id = recorder.run_id();
        let nodes: Vec<NodeReport> = plan
            .nodes
            .iter()
            .zip(outcome)
            .zip(started.into_iter().zip(duration))
            .map(|((node, o), (s, d))| {
                let o = o.unwrap_or(Outcome::Cancelled { was_running: false });
                report_node(node, o, s, d)
            })
            .collect();
        let mut report = RunReport {
            run_id: Some(run_id),
            started_at,
            finished_at: now_rfc3339(),
            duration: t0.elapsed(),
            nodes,
            state_changes: Vec::new(),
            state_errors: Vec::new(),
            cancelled: stopped,
        };
        // Errors so far count for the outcome written to the history.
        report.state_errors = recorder.errors.clone();
        let outcome = report.outcome().as_str();
        let (changes, errors) = recorder.finish(&report.finished_at, outcome);
        report.state_changes = changes;
        report.state_errors = errors;
        report
    }
}
