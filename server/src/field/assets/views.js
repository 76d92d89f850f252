// The field app's screens as HTML, drawn from the person's snapshot and outbox:
// their projects, a project at a glance, a form, and what waits to go.

import { FORMS, cycles, nextStage } from "./forms.js";

export const h = (s) =>
  String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

const KIND_NAMES = {
  ObservationRecorded: "Observation",
  MeasurementRecorded: "Measurement",
  CyclePlanned: "Cycle planned",
  CycleDone: "Do",
  CycleStudied: "Study",
  CycleActed: "Act",
  ActionPlanEntryAdded: "Action plan entry",
  LearningLogEntryAdded: "Learning log entry",
};

const kindOf = (event) => Object.keys(event)[0];

function describe(record) {
  const kind = kindOf(record.event);
  const body = record.event[kind];
  const what = body.text || body.objective || body.where_are_we_now || body.learning_points || body.done?.observations || body.study?.analysis || body.act?.reasons || "";
  const value = body.value ? ` ${body.value.Value ?? `${body.value.Ratio.numerator} / ${body.value.Ratio.denominator}`}` : "";
  return `${KIND_NAMES[kind] || kind}${value}${what ? `: ${what}` : ""}`;
}

/// The line at the top of every screen: what waits to go, and that it is safe here.
export function banner(waiting, notice, connection) {
  const refused = waiting.filter((r) => r.refused).length;
  const pending = waiting.length - refused;
  const parts = [];
  if (pending > 0) parts.push(`<p class="waiting" data-waiting="${pending}"><a href="#/waiting">${pending} record${pending === 1 ? "" : "s"} waiting to go</a>: safe on this phone, sent when there is signal.</p>`);
  else parts.push(`<p class="sent" data-waiting="0">Everything recorded here has reached the office.</p>`);
  if (refused > 0) parts.push(`<p class="refused-note"><a href="#/waiting">${refused} record${refused === 1 ? " was" : "s were"} refused</a>: see why.</p>`);
  if (notice) parts.push(`<p class="status" role="status">${h(notice)}</p>`);
  if (connection) parts.push(`<p class="connection">${h(connection)}</p>`);
  return parts.join("");
}

export function home(snapshot) {
  if (!snapshot) return `<h1>Your projects</h1><p>Nothing has been loaded onto this phone yet. Connect once to load your projects.</p>`;
  const projects = snapshot.projects.map(
    (p) => `<li><a class="card" href="#/p/${h(p.stream_id)}">${h(p.name)}</a></li>`,
  );
  return `<h1>Your projects</h1>${projects.length ? `<ul class="cards">${projects.join("")}</ul>` : "<p>You are not a member of any project's team.</p>"}
    <p class="fetched">Loaded ${h(new Date(snapshot.fetched_at).toLocaleString())}.</p>`;
}

function chart(series) {
  const points = (series.points || []).slice(-12);
  if (points.length === 0) return `<p class="muted">No measurements yet.</p>`;
  const values = points.map((p) => p.plotted);
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  const span = hi - lo || 1;
  const w = 300, hgt = 90, pad = 8;
  const xy = values.map((v, i) => [pad + (i * (w - 2 * pad)) / Math.max(1, values.length - 1), hgt - pad - ((v - lo) * (hgt - 2 * pad)) / span]);
  const line = xy.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ");
  const dots = xy.map(([x, y]) => `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3"/>`).join("");
  const latest = points[points.length - 1];
  return `<figure class="chart"><svg viewBox="0 0 ${w} ${hgt}" role="img" aria-label="The last ${points.length} measurements, from ${h(points[0].period_start)} to ${h(latest.period_end)}"><polyline points="${line}"/>${dots}</svg>
    <figcaption>Latest ${h(latest.plotted.toFixed(1))} (${h(latest.period_start)} to ${h(latest.period_end)}); range ${h(lo.toFixed(1))} to ${h(hi.toFixed(1))} over the last ${points.length}.</figcaption></figure>`;
}

export function project(p, waiting) {
  const may = (kind) => p.may_record.includes(kind);
  const aim = p.detail.overview.charter?.aim;
  const measures = p.measures
    .map(
      (m) => `<section class="measure" data-measure="${h(m.id)}"><h3>${h(m.definition?.name ?? "Measure")}</h3>${chart(m)}
      ${may("measurement-recorded") ? `<a class="button" href="#/p/${h(p.stream_id)}/measurement/${h(m.id)}">Record a measurement</a>` : ""}</section>`,
    )
    .join("");
  const cycleItems = cycles(p)
    .map((c) => {
      const next = nextStage(c.stage);
      const label = typeof c.stage === "string" ? c.stage : `Act (${Object.values(c.stage)[0]})`;
      const button = next && may(`cycle-${{ do: "done", study: "studied", act: "acted" }[next]}`) ? `<a class="button" href="#/p/${h(p.stream_id)}/${next}/${h(c.id)}">Record the ${next === "do" ? "Do" : next === "study" ? "Study" : "Act"}</a>` : "";
      return `<li class="cycle" data-stage="${h(label)}"><span class="stage">${h(label)}</span> ${h(c.objective)} ${button}</li>`;
    })
    .join("");
  const mine = waiting.filter((r) => r.stream === p.stream_id);
  const recent = [
    ...mine.filter((r) => kindOf(r.event) === "ObservationRecorded").map((r) => `<li class="observation pending">${h(describe(r))} <em>waiting to go</em></li>`),
    ...p.observations.map((o) => `<li class="observation">${h(o.observation.observed_on)} ${o.observation.subject ? `${h(o.observation.subject)}: ` : ""}${h(o.observation.text)}</li>`),
  ].join("");
  const actions = [
    may("observation-recorded") ? `<a class="button" href="#/p/${h(p.stream_id)}/observation">Record an observation</a>` : "",
    may("cycle-planned") ? `<a class="button" href="#/p/${h(p.stream_id)}/plan">Plan a cycle</a>` : "",
    may("action-plan-entry-added") ? `<a class="button" href="#/p/${h(p.stream_id)}/action-plan">Add to the action plan</a>` : "",
    may("learning-log-entry-added") ? `<a class="button" href="#/p/${h(p.stream_id)}/learning-log">Add to the learning log</a>` : "",
  ].join("");
  return `<p><a href="#/">Your projects</a></p><h1>${h(p.name)}</h1>
    ${aim ? `<p class="aim"><strong>Aim:</strong> ${h(aim.what)} for ${h(aim.for_whom)}, ${h(aim.how_much)} by ${h(aim.by_when)}.</p>` : ""}
    <div class="actions">${actions}</div>
    <h2>Measures</h2>${measures || "<p>No measures yet.</p>"}
    <h2>Cycles</h2>${cycleItems ? `<ul class="cycles">${cycleItems}</ul>` : "<p>No cycles yet.</p>"}
    <h2>Your recent observations</h2>${recent ? `<ul class="observations">${recent}</ul>` : "<p>None yet.</p>"}`;
}

/// A record's form; after a problem, with what was typed (`typed`) back in it.
export function form(name, p, target, problem, typed) {
  const def = FORMS[name];
  const fields = def
    .fields(p, target)
    .map((f) => {
      const id = `f-${f.name}`;
      const req = f.required ? " required" : "";
      const value = typed && f.name in typed ? typed[f.name] : (f.value ?? "");
      let input;
      if (f.type === "textarea") input = `<textarea id="${id}" name="${f.name}"${req}>${h(value)}</textarea>`;
      else if (f.type === "select") input = `<select id="${id}" name="${f.name}">${f.options.map(([v, l]) => `<option value="${h(v)}"${v === value ? " selected" : ""}>${h(l)}</option>`).join("")}</select>`;
      else input = `<input id="${id}" name="${f.name}" type="${f.type}"${f.type === "number" ? ' step="any" inputmode="decimal"' : ""} value="${h(value)}"${req}>`;
      return `<label for="${id}">${h(f.label)}</label>${input}`;
    })
    .join("");
  return `<p><a href="#/p/${h(p.stream_id)}">${h(p.name)}</a></p><h1>${h(def.title(p, target))}</h1>
    ${problem ? `<p class="problem" role="alert">${h(problem)}</p>` : ""}
    <form id="record" data-form="${h(name)}">${fields}<button type="submit">Save on this phone</button></form>`;
}

export function waitingList(waiting) {
  if (waiting.length === 0) return `<p><a href="#/">Your projects</a></p><h1>Waiting to go</h1><p>Nothing: everything recorded here has reached the office.</p>`;
  const items = waiting
    .map(
      (r) => `<li class="${r.refused ? "refused" : "pending"}" data-record="${h(r.id)}"><span>${h(describe(r))}</span>
      <small>Made ${h(new Date(r.made).toLocaleString())}</small>
      ${r.refused ? `<p class="problem">Refused: ${h(r.refused.problem)} ${h(r.refused.fix || "")}</p><button type="button" data-discard="${h(r.id)}">Discard</button>` : "<em>waiting to go</em>"}</li>`,
    )
    .join("");
  return `<p><a href="#/">Your projects</a></p><h1>Waiting to go</h1><ul class="outbox">${items}</ul>`;
}

export function signedOut(message) {
  return `<h1>Praxis in the field</h1>${message ? `<p class="problem">${h(message)}</p>` : ""}
    <p>Sign in to load your projects onto this phone. After that, it works without signal.</p>
    <p><a class="button" href="/sign-in?next=/field/">Sign in</a></p>`;
}
