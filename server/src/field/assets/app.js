// The field app: starts from what this browser holds (so it opens without signal),
// then, when the server can be reached, sends what waits and fetches a fresh
// snapshot. Screens are chosen by the address's #fragment.

import * as store from "./store.js";
import * as sync from "./sync.js";
import * as views from "./views.js";
import { FORMS } from "./forms.js";

const main = () => document.querySelector("main");
let who = null;
let snapshot = null;
// What the person just did ("Saved on this phone."), shown once on the next screen,
// and how the last contact with the server went.
let notice = "";
let justSaved = "";
let connection = "";
let syncing = null;
/// How often the app tries again while records wait.
const RETRY_MS = 15000;

function uuid7() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let ms = Date.now();
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/// After a sync in the background: the whole screen again, except on a form the
/// person may be filling in, where only the line about what waits changes.
async function refresh() {
  const banner = document.querySelector("#banner");
  if (who && banner && document.querySelector("#record")) {
    banner.innerHTML = views.banner(await store.waiting(who.person_id), notice, connection);
  } else {
    await render();
  }
}

async function render(problem, typed) {
  const header = document.querySelector("#who");
  if (!who) {
    header.textContent = "";
    main().innerHTML = views.signedOut(problem);
    return;
  }
  header.textContent = who.name;
  const waiting = await store.waiting(who.person_id);
  const route = location.hash.replace(/^#\/?/, "").split("/");
  let body;
  const project = route[0] === "p" && snapshot ? snapshot.projects.find((p) => p.stream_id === route[1]) : null;
  if (route[0] === "waiting") body = views.waitingList(waiting);
  else if (project && route[2] && FORMS[route[2]]) body = views.form(route[2], project, route[3], problem, typed);
  else if (project) body = views.project(project, waiting);
  else body = views.home(snapshot);
  main().innerHTML = `<div id="banner">${views.banner(waiting, notice, connection)}</div>${body}`;
  const form = document.querySelector("#record");
  if (form) form.addEventListener("submit", (e) => record(e, project, route[2], route[3]));
  for (const button of document.querySelectorAll("[data-discard]")) {
    button.addEventListener("click", async () => {
      await store.discard(button.dataset.discard);
      render();
    });
  }
}

/// Saves a record on this phone: an event with its id and time from here, kept in
/// the outbox until the server has it. The screen confirms once it is written.
async function record(e, project, name, target) {
  e.preventDefault();
  performance.mark("praxis-record");
  const def = FORMS[name];
  const values = Object.fromEntries(new FormData(e.target).entries());
  for (const k of Object.keys(values)) values[k] = String(values[k]).trim();
  const problem = def.check ? def.check(values, project, target, await store.waiting(who.person_id)) : null;
  if (problem) return render(problem, values);
  const event = def.event(values, project, target);
  await store.keep({
    id: uuid7(),
    person: who.person_id,
    stream: project.stream_id,
    recorded_at: await store.tick(who.person_id),
    made: Date.now(),
    event,
  });
  justSaved = "Saved on this phone.";
  // The move to the project's screen shows it (see the hashchange listener).
  location.hash = `#/p/${project.stream_id}`;
  trySync();
}

/// Sends what waits and fetches a fresh snapshot, if the server can be reached.
/// One at a time; a call while one runs waits for it. A token that ended is renewed
/// once from a live session (`renewed` says it was).
export function trySync(renewed = false) {
  if (!who) return Promise.resolve();
  if (!syncing) {
    syncing = (async () => {
      performance.mark("praxis-sync-start");
      let retry = false;
      try {
        const sent = await sync.send(who);
        snapshot = await sync.refresh(who);
        connection = sent > 0 ? `Sent ${sent} record${sent === 1 ? "" : "s"} to the office.` : "Up to date with the office.";
      } catch (e) {
        if (e instanceof sync.Revoked) {
          await store.forget(who.person_id);
          who = null;
          snapshot = null;
          connection = "";
          return render("This phone's access to Praxis was withdrawn, so what it held has been deleted. Ask your administrator.");
        }
        if (e instanceof sync.SignInNeeded) {
          // The token ended (a working day passed): a live session gives the same
          // device a new one; otherwise sign in again. Nothing here is lost meanwhile.
          const again = renewed ? null : await sync.enrol().catch(() => null);
          if (again && again.person_id === who.person_id) {
            who = again;
            retry = true;
          } else {
            connection = "Sign in again to send what waits: it stays safe on this phone until then.";
          }
        } else if (e instanceof sync.Offline) {
          connection = "No signal: what you record is kept on this phone.";
        } else {
          connection = e.message;
        }
      } finally {
        syncing = null;
      }
      if (retry) return trySync(true);
      await refresh();
      performance.mark("praxis-sync-end");
    })();
  }
  return syncing;
}

async function signOut() {
  const waiting = await store.waiting(who.person_id);
  const pending = waiting.filter((r) => !r.refused).length;
  if (pending > 0 && !confirm(`${pending} record(s) have not reached the office. Signing out deletes them from this phone. Sign out anyway?`)) return;
  await sync.signOut(who);
  await store.forget(who.person_id);
  who = null;
  snapshot = null;
  connection = "";
  render("You are signed out, and this phone holds nothing of yours.");
}

async function start() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" }).catch(() => {});
  }
  who = await store.current();
  if (who) snapshot = await store.snapshot(who.person_id);
  else who = await sync.enrol().catch(() => null);
  if (who && !snapshot) snapshot = await store.snapshot(who.person_id);
  await render();
  // The screen shows what this browser holds: the app is usable from here.
  performance.mark("praxis-ready");
  document.querySelector("#sync").addEventListener("click", () => trySync());
  document.querySelector("#sign-out").addEventListener("click", () => signOut());
  window.addEventListener("hashchange", async () => {
    notice = justSaved;
    justSaved = "";
    await render();
    if (notice) performance.mark("praxis-saved");
  });
  window.addEventListener("online", () => trySync());
  // A phone does not always say when the signal comes back: while records wait, try
  // again every little while the app is on screen.
  setInterval(async () => {
    if (!who || document.visibilityState !== "visible") return;
    const waiting = (await store.waiting(who.person_id)).filter((r) => !r.refused);
    if (waiting.length > 0) trySync();
  }, RETRY_MS);
  trySync();
  document.body.dataset.ready = "true";
}

start();
