// The field app's local data, in IndexedDB, bound to the person signed in: who is
// using this browser now (with the device token the server gave it), a snapshot of
// what they need offline, and the outbox of records made here that the server does
// not yet have. Every record of the outbox and every snapshot names its person; the
// app reads only the current person's, and signing out deletes them.

const DB_NAME = "praxis-field";
const DB_VERSION = 1;

let opened = null;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error || new Error("the local store refused the change"));
    tx.onerror = () => reject(tx.error);
  });
}

export function open() {
  if (!opened) {
    opened = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        db.createObjectStore("meta");
        const outbox = db.createObjectStore("outbox", { keyPath: "id" });
        outbox.createIndex("person", "person");
        db.createObjectStore("snapshots", { keyPath: "person_id" });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return opened;
}

async function meta(key) {
  const db = await open();
  return request(db.transaction("meta").objectStore("meta").get(key));
}

async function setMeta(key, value) {
  const db = await open();
  const tx = db.transaction("meta", "readwrite");
  tx.objectStore("meta").put(value, key);
  return done(tx);
}

/// The person using the app on this browser, with their device and token.
export function current() {
  return meta("current");
}

/// Makes `who` ({person_id, name, device_id, token, expires_at}) the current person.
/// The device is remembered per person, so signing in again keeps the same device.
export async function setCurrent(who) {
  await setMeta("current", who);
  await setMeta(`device:${who.person_id}`, who.device_id);
}

export function deviceOf(person) {
  return meta(`device:${person}`);
}

/// The next time for a record made now: a hybrid logical clock per person, so
/// records made in one millisecond, or after the phone's clock went back, still
/// come in the order they were made.
export async function tick(person) {
  const db = await open();
  const tx = db.transaction("meta", "readwrite");
  const store = tx.objectStore("meta");
  const key = `clock:${person}`;
  const last = (await request(store.get(key))) || { millis: 0, counter: 0 };
  const now = Date.now();
  const next = now > last.millis ? { millis: now, counter: 0 } : { millis: last.millis, counter: last.counter + 1 };
  store.put(next, key);
  await done(tx);
  return next;
}

/// Keeps a record made here until the server has it. Resolves once it is written
/// to the browser's store (and so survives a closed tab or a restart).
export async function keep(record) {
  const db = await open();
  const tx = db.transaction("outbox", "readwrite", { durability: "strict" });
  tx.objectStore("outbox").add(record);
  return done(tx);
}

/// The person's records waiting to go, oldest first.
export async function waiting(person) {
  const db = await open();
  const all = await request(db.transaction("outbox").objectStore("outbox").index("person").getAll(person));
  return all.sort((a, b) => a.made - b.made || (a.id < b.id ? -1 : 1));
}

/// Applies the server's answer to records sent: those it holds leave the outbox,
/// those it refused keep their reason until the person discards them.
export async function settle(results) {
  const db = await open();
  const tx = db.transaction("outbox", "readwrite", { durability: "strict" });
  const outbox = tx.objectStore("outbox");
  for (const r of results) {
    if (r.outcome === "recorded" || r.outcome === "already_recorded") {
      outbox.delete(r.id);
    } else {
      const record = await request(outbox.get(r.id));
      if (record) {
        record.refused = { problem: r.problem, fix: r.fix };
        outbox.put(record);
      }
    }
  }
  return done(tx);
}

export async function discard(id) {
  const db = await open();
  const tx = db.transaction("outbox", "readwrite");
  tx.objectStore("outbox").delete(id);
  return done(tx);
}

export async function snapshot(person) {
  const db = await open();
  return request(db.transaction("snapshots").objectStore("snapshots").get(person));
}

export async function saveSnapshot(snapshot) {
  const db = await open();
  const tx = db.transaction("snapshots", "readwrite");
  tx.objectStore("snapshots").put(snapshot);
  return done(tx);
}

/// Deletes everything held for `person` on this browser: their snapshot, their
/// records, their clock and device, and makes nobody current.
export async function forget(person) {
  const db = await open();
  const tx = db.transaction(["meta", "outbox", "snapshots"], "readwrite");
  tx.objectStore("snapshots").delete(person);
  const outbox = tx.objectStore("outbox");
  const keys = await request(outbox.index("person").getAllKeys(person));
  for (const key of keys) outbox.delete(key);
  const metaStore = tx.objectStore("meta");
  metaStore.delete(`clock:${person}`);
  metaStore.delete(`device:${person}`);
  const who = await request(metaStore.get("current"));
  if (who && who.person_id === person) metaStore.delete("current");
  return done(tx);
}
