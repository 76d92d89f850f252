// The records a practitioner makes in the field, as forms and as the events they
// become. Each event has the shape the server's `Event` takes in JSON; the checks
// here are the ones a person can fix on the spot (the server checks everything
// again, with the domain's rules, when the record arrives).

export const today = () => new Date().toISOString().slice(0, 10);

/// A subject reference must be pseudonymous: no spaces, at most 32 characters,
/// with a number in it (P-0413), never a name. The same rule as the server's.
export function pseudonymous(subject) {
  return subject.length > 0 && subject.length <= 32 && !/\s/.test(subject) && /[0-9]/.test(subject);
}

function iso(d) {
  return d.toISOString().slice(0, 10);
}

/// The first and last day of the period a measure of `frequency` counts `day` in.
export function period(frequency, day) {
  const d = new Date(`${day}T00:00:00Z`);
  const shift = (date, days) => new Date(date.getTime() + days * 86400000);
  switch (frequency) {
    case "Daily":
      return [iso(d), iso(d)];
    case "Weekly": {
      const monday = shift(d, -((d.getUTCDay() + 6) % 7));
      return [iso(monday), iso(shift(monday, 6))];
    }
    case "Fortnightly": {
      const monday = shift(d, -((d.getUTCDay() + 6) % 7));
      return [iso(monday), iso(shift(monday, 13))];
    }
    case "Quarterly": {
      const q = Math.floor(d.getUTCMonth() / 3) * 3;
      return [iso(new Date(Date.UTC(d.getUTCFullYear(), q, 1))), iso(new Date(Date.UTC(d.getUTCFullYear(), q + 3, 0)))];
    }
    default:
      return [iso(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1))), iso(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)))];
  }
}

const text = (name, label, opts = {}) => ({ name, label, type: opts.long ? "textarea" : "text", ...opts });
const date = (name, label) => ({ name, label, type: "date", required: true, value: today() });

/// The form for each kind of record: its title, fields, and the event it makes.
/// `project` is the snapshot's project; `target` a cycle or measure id when the
/// record belongs to one.
export const FORMS = {
  observation: {
    kind: "ObservationRecorded",
    title: () => "Record an observation",
    fields: (project) => [
      { name: "kind", label: "Kind", type: "select", options: [["Observation", "Observation"], ["CaseMaterial", "Case material"]] },
      { name: "subject", label: "Subject reference (not a name, e.g. P-0413)", type: "text", required: false },
      date("observed_on", "Observed on"),
      text("text", "What you saw", { long: true, required: true }),
      {
        name: "cycle",
        label: "Part of a cycle (optional)",
        type: "select",
        options: [["", "Not linked to a cycle"], ...cycles(project).map((c) => [c.id, c.objective])],
      },
    ],
    check: (v) => (v.subject && !pseudonymous(v.subject) ? `'${v.subject}' does not look like a pseudonymous reference. Refer to the person by a reference such as P-0413 (no spaces, with a number), not by name.` : null),
    event: (v) => ({
      ObservationRecorded: { kind: v.kind, cycle: v.cycle || null, subject: v.subject || null, observed_on: v.observed_on, text: v.text },
    }),
  },
  measurement: {
    kind: "MeasurementRecorded",
    title: (project, id) => `Record a measurement: ${measure(project, id)?.definition?.name ?? "measure"}`,
    fields: (project, id) => {
      const def = measure(project, id)?.definition;
      const ratio = def && def.unit && def.unit.Ratio;
      return [
        date("day", `A day in the period (${(def?.frequency ?? "Monthly").toLowerCase()})`),
        ...(ratio
          ? [
              { name: "numerator", label: ratio.numerator, type: "number", required: true },
              { name: "denominator", label: ratio.denominator, type: "number", required: true },
            ]
          : [{ name: "value", label: `Value${def?.unit?.Unit ? ` (${def.unit.Unit})` : ""}`, type: "number", required: true }]),
        text("note", "Note", { required: false }),
      ];
    },
    check: (v, project, id, waiting) => {
      if (v.denominator !== undefined && !(Number(v.denominator) > 0 && Number(v.numerator) >= 0 && Number(v.numerator) <= Number(v.denominator))) {
        return "Give a denominator above 0 and a numerator from 0 up to the denominator.";
      }
      // Warnings, as every client gives them: the person goes ahead by saying why.
      if (v.note) return null;
      const [start, end] = period(measure(project, id)?.definition?.frequency, v.day);
      const overlaps = (s, e) => s <= end && start <= e;
      const there = (measure(project, id)?.points || []).find((p) => overlaps(p.period_start, p.period_end));
      const sent = (waiting || []).find((r) => {
        const m = r.event.MeasurementRecorded;
        return m && m.measure === id && overlaps(m.period_start, m.period_end);
      });
      if (there || sent) {
        const what = there ? `: ${Math.round(there.plotted * 100) / 100}` : ", recorded on this phone and waiting to go";
        return `This measure already has a value for ${start} to ${end}${what}. To replace it, correct that measurement; to keep both, say why in the note and save again.`;
      }
      const today = iso(new Date());
      if (start > today) return `The period starts on ${start}, after today (${today}). Check the day; to record it anyway, say why in the note and save again.`;
      return null;
    },
    event: (v, project, id) => {
      const [start, end] = period(measure(project, id)?.definition?.frequency, v.day);
      const value = v.denominator !== undefined ? { Ratio: { numerator: Number(v.numerator), denominator: Number(v.denominator) } } : { Value: Number(v.value) };
      return { MeasurementRecorded: { measure: id, period_start: start, period_end: end, value, note: v.note || "" } };
    },
  },
  plan: {
    kind: "CyclePlanned",
    title: () => "Plan a cycle",
    fields: (project) => [
      text("objective", "Objective", { required: true }),
      { name: "scale", label: "Scale", type: "select", options: [["VerySmall", "Very small test"], ["FollowUp", "Follow-up test"], ["Wider", "Wider test"], ["Implementation", "Implementation"], ["Spread", "Spread"]] },
      text("question", "Question", { required: true }),
      text("prediction", "Prediction", { required: true }),
      text("reason", "Reason for the prediction", { required: true }),
      text("who", "Who", { required: true }),
      text("what", "What", { required: true, long: true }),
      text("where_", "Where", { required: true }),
      date("when", "When"),
      text("data_to_collect", "Data to collect", { required: true }),
      { name: "change_idea", label: "Change idea tested", type: "select", options: [["", "None"], ...(project.detail.overview.change_ideas || []).map(([id, title]) => [id, title])] },
      { name: "follows", label: "Follows the cycle", type: "select", options: [["", "None (a first test)"], ...cycles(project).map((c) => [c.id, c.objective])] },
    ],
    event: (v) => ({
      CyclePlanned: {
        change_idea: v.change_idea || null,
        follows: v.follows || null,
        scale: v.scale,
        objective: v.objective,
        predictions: [{ question: v.question, prediction: v.prediction, reason: v.reason }],
        who: v.who,
        what: v.what,
        where_: v.where_,
        when: v.when,
        data_to_collect: v.data_to_collect,
      },
    }),
  },
  do: {
    kind: "CycleDone",
    title: (project, id) => `Do: ${cycle(project, id)?.objective ?? "cycle"}`,
    fields: () => [
      date("carried_out_on", "Carried out on"),
      text("carried_out_by", "Carried out by", { required: true }),
      text("observations", "What happened", { long: true, required: true }),
      text("problems", "Problems", { long: true }),
      text("surprises", "Surprises", { long: true }),
      text("data_gathered", "Data gathered", { long: true }),
    ],
    event: (v, project, id) => ({
      CycleDone: { cycle: id, done: { carried_out_on: v.carried_out_on, carried_out_by: v.carried_out_by, observations: v.observations, problems: v.problems || "", surprises: v.surprises || "", data_gathered: v.data_gathered || "" } },
    }),
  },
  study: {
    kind: "CycleStudied",
    title: (project, id) => `Study: ${cycle(project, id)?.objective ?? "cycle"}`,
    fields: () => [
      text("analysis", "Analysis", { long: true, required: true }),
      text("compared_with_predictions", "Compared with the predictions", { long: true, required: true }),
      text("learning", "What was learned", { long: true, required: true }),
    ],
    event: (v, project, id) => ({ CycleStudied: { cycle: id, study: { analysis: v.analysis, compared_with_predictions: v.compared_with_predictions, learning: v.learning } } }),
  },
  act: {
    kind: "CycleActed",
    title: (project, id) => `Act: ${cycle(project, id)?.objective ?? "cycle"}`,
    fields: () => [
      { name: "decision", label: "Decision", type: "select", options: [["Adopt", "Adopt"], ["Adapt", "Adapt"], ["Abandon", "Abandon"]] },
      text("reasons", "Reasons", { long: true, required: true }),
      text("changes", "Changes", { long: true }),
      text("next_step", "Next step", { long: true, required: true }),
    ],
    event: (v, project, id) => ({ CycleActed: { cycle: id, replaces: [], act: { decision: v.decision, reasons: v.reasons, changes: v.changes || "", next_step: v.next_step } } }),
  },
  "action-plan": {
    kind: "ActionPlanEntryAdded",
    title: () => "Add to the action plan",
    fields: () => [
      text("where_are_we_now", "Where are we now?", { long: true, required: true }),
      text("what_do_we_want_to_achieve", "What do we want to achieve?", { long: true, required: true }),
      text("how_will_we_get_there", "How will we get there?", { long: true, required: true }),
      text("who_needs_to_take_what_action", "Who needs to take what action?", { long: true, required: true }),
      text("timescales", "Timescales", { required: true }),
    ],
    event: (v) => ({ ActionPlanEntryAdded: { where_are_we_now: v.where_are_we_now, what_do_we_want_to_achieve: v.what_do_we_want_to_achieve, how_will_we_get_there: v.how_will_we_get_there, who_needs_to_take_what_action: v.who_needs_to_take_what_action, timescales: v.timescales } }),
  },
  "learning-log": {
    kind: "LearningLogEntryAdded",
    title: () => "Add to the learning log",
    fields: () => [
      text("learning_points", "Learning points", { long: true, required: true }),
      text("action_points", "Action points", { long: true, required: true }),
      text("responsibility", "Responsibility", { required: true }),
      date("implement_by", "Implement by"),
    ],
    event: (v) => ({ LearningLogEntryAdded: { learning_points: v.learning_points, action_points: v.action_points, responsibility: v.responsibility, implement_by: v.implement_by } }),
  },
};

/// The project's cycles, in Plan, Do, Study, Act order.
export function cycles(project) {
  const order = ["planned", "done, to study", "studied, to decide"];
  const byStage = project.detail.overview.cycles_by_stage || {};
  const stages = Object.keys(byStage).sort((a, b) => (order.indexOf(a) + 1 || 9) - (order.indexOf(b) + 1 || 9));
  return stages.flatMap((s) => byStage[s]);
}

export function cycle(project, id) {
  return cycles(project).find((c) => c.id === id);
}

export function measure(project, id) {
  return project.measures.find((m) => m.id === id);
}

/// The next stage a cycle can be given: Do after Plan, Study after Do, Act after Study.
export function nextStage(stage) {
  return { Plan: "do", Do: "study", Study: "act" }[typeof stage === "string" ? stage : ""] || null;
}
