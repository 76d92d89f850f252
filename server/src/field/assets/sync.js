// Talking to the server: signing this browser in as a device of the person signed in
// to Praxis, sending the records waiting in the outbox, and fetching the snapshot the
// app shows offline. Every answer the server gives about the device itself (revoked,
// token ended) is acted on here.

import * as store from "./store.js";

/// Records sent in one request; the rest follow in turn.
const BATCH = 100;

export class SignInNeeded extends Error {}
export class Revoked extends Error {}
export class Offline extends Error {}

async function call(url, options) {
  let response;
  try {
    response = await fetch(url, { cache: "no-store", ...options });
  } catch (e) {
    throw new Offline("The server cannot be reached: no signal, or it is down.");
  }
  return response;
}

/// The server's error body: {error: code, message: what happened and what to do}.
async function failure(response) {
  try {
    const body = await response.json();
    return { code: body.error || "", message: body.message || JSON.stringify(body) };
  } catch {
    return { code: "", message: `The server answered ${response.status}.` };
  }
}

async function problem(response) {
  return (await failure(response)).message;
}

/// Asks the server who is signed in to this browser and enrols the browser as their
/// device (again, if it was theirs before). Resolves to the person now current, or
/// null when nobody is signed in.
export async function enrol() {
  const session = await call("/field/session", { redirect: "manual", credentials: "same-origin" });
  if (session.status === 401 || session.type === "opaqueredirect") return null;
  if (!session.ok) throw new Error(await problem(session));
  const who = await session.json();
  const before = await store.deviceOf(who.person_id);
  const enrolled = await call("/field/device", {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ csrf: who.csrf, device_id: before || null }),
  });
  if (!enrolled.ok) throw new Error(await problem(enrolled));
  const device = await enrolled.json();
  const current = {
    person_id: device.person_id,
    name: device.name,
    device_id: device.device_id,
    token: device.token,
    expires_at: device.expires_at,
  };
  await store.setCurrent(current);
  return current;
}

async function authorised(who, url, options = {}) {
  const response = await call(url, {
    ...options,
    headers: { ...(options.headers || {}), authorization: `Bearer ${who.token}` },
  });
  if (!response.ok) {
    const { code, message } = await failure(response);
    if (code === "device_revoked") throw new Revoked(message);
    if (response.status === 401) throw new SignInNeeded(message);
    throw new Error(message);
  }
  return response;
}

/// Sends every record waiting for `who`, in batches, and settles each by the
/// server's answer. A record sent twice (an answer lost on the way back) is held
/// once: the server answers "already recorded" and it leaves the outbox.
export async function send(who) {
  const waiting = (await store.waiting(who.person_id)).filter((r) => !r.refused);
  let sent = 0;
  for (let i = 0; i < waiting.length; i += BATCH) {
    const batch = waiting.slice(i, i + BATCH);
    const response = await authorised(who, "/api/v1/field/records", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        records: batch.map((r) => ({ id: r.id, stream: r.stream, recorded_at: r.recorded_at, event: r.event })),
      }),
    });
    const answer = await response.json();
    await store.settle(answer.results);
    sent += batch.length;
  }
  return sent;
}

/// Fetches what the person needs offline and keeps it.
export async function refresh(who) {
  const response = await authorised(who, "/api/v1/field/snapshot");
  const snapshot = await response.json();
  if (snapshot.person_id !== who.person_id) throw new SignInNeeded("This device belongs to someone else.");
  snapshot.fetched_at = new Date().toISOString();
  await store.saveSnapshot(snapshot);
  return snapshot;
}

/// Ends the device's token on the server, if it can be reached.
export async function signOut(who) {
  try {
    await authorised(who, "/api/v1/field/sign-out", { method: "POST" });
  } catch {
    // Offline, or the token already ended: the local data goes either way.
  }
}
