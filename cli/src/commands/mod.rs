//! Runs a command: reads what it names, hands the recording to `PraxisStore` (the API
//! a phone app calls) or loads the view, then hands the result to `render`. One file
//! per family of commands; none of them builds an event.

mod amend;
mod collaborative;
mod cycles;
mod measures;
mod project;
mod setup;
mod views;

use crate::args::*;
use crate::device;
use crate::render::Output;
use anyhow::Result;

pub fn run(cli: Cli) -> Result<Output> {
    let Cli {
        store,
        project: sel,
        json,
        command,
    } = cli;
    let path = device::store_path(&store)?;
    let open = || device::open(&path);
    match command {
        Command::Init(init) => setup::init(&path, &init),
        Command::Enrol(enrol) => setup::enrol(&path, &enrol),
        Command::Store(StoreCommand::Encrypt) => setup::encrypt(&path),
        Command::Audit(audit) => crate::audit::run(&path, &audit),
        Command::Sync => setup::sync(&open()?, json),
        Command::Status => views::status(&open()?),
        Command::Collaborative(c) => collaborative::run(&open()?, &sel, c),
        Command::Project(c) => project::project(&open()?, c),
        Command::Charter(a) => project::charter(&open()?, &sel, a),
        Command::Measure(c) => measures::run(&open()?, &sel, c),
        Command::Idea(a) => project::idea(&open()?, &sel, a),
        Command::Cycle(c) => cycles::run(&open()?, &sel, c),
        Command::Observe(a) => project::observe(&open()?, &sel, a),
        Command::ActionPlan(a) => project::action_plan(&open()?, &sel, a),
        Command::LearningLog(a) => project::learning_log(&open()?, &sel, a),
        Command::Report(c) => project::report(&open()?, &sel, c),
        Command::Decide(a) => project::decide(&open()?, &sel, a),
        Command::Correct(a) => amend::correct(&open()?, a),
        Command::Resolve(a) => amend::resolve(&open()?, a),
        Command::Overview => views::overview(&open()?, &sel),
        Command::Conflicts => views::conflicts(&open()?),
        Command::Held { all, action } => amend::held(&open()?, all, action),
        Command::Feed { limit } => views::feed(&open()?, &sel, limit),
        Command::History { id } => views::history(&open()?, &id),
        Command::Import { file } => amend::import(&open()?, &sel, &file),
        Command::Rebuild => amend::rebuild(&open()?),
    }
}
