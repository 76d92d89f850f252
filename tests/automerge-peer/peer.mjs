// A foreign Automerge peer: the JavaScript implementation of Automerge, which knows
// nothing of Praxis but its HTTP routes. It syncs one stream from a fresh, empty
// document through the per-stream route with standard sync messages, then loads the
// whole stream as the fast path serves it, and prints what it holds as JSON.
//
//   node peer.mjs <server URL> <device token> <stream id>
import * as Automerge from "@automerge/automerge";

const [url, token, stream] = process.argv.slice(2);
if (!url || !token || !stream) {
  console.error("usage: node peer.mjs <server URL> <device token> <stream id>");
  process.exit(2);
}
const auth = { authorization: `Bearer ${token}` };

let doc = Automerge.init();
let state = Automerge.initSyncState();
let rounds = 0;
for (;;) {
  const [next, message] = Automerge.generateSyncMessage(doc, state);
  state = next;
  if (!message) break;
  if (++rounds > 64) {
    console.error("the sync did not settle in 64 rounds");
    process.exit(1);
  }
  const response = await fetch(`${url}/api/v1/streams/${stream}/sync`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/octet-stream" },
    body: message,
  });
  if (response.status === 204) continue;
  if (!response.ok) {
    console.error(`the sync was refused: ${response.status} ${await response.text()}`);
    process.exit(1);
  }
  const reply = new Uint8Array(await response.arrayBuffer());
  [doc, state] = Automerge.receiveSyncMessage(doc, state, reply);
}

const whole = await fetch(`${url}/api/v1/streams/${stream}/changes`, { headers: auth });
if (!whole.ok) {
  console.error(`the whole stream was refused: ${whole.status} ${await whole.text()}`);
  process.exit(1);
}
const loaded = Automerge.load(new Uint8Array(await whole.arrayBuffer()));
const lengths = (d) => (d.events ?? []).map((e) => e.length);

console.log(
  JSON.stringify({
    rounds,
    synced: lengths(doc),
    synced_heads: Automerge.getHeads(doc).sort(),
    loaded: lengths(loaded),
    loaded_heads: Automerge.getHeads(loaded).sort(),
    listed_heads: (whole.headers.get("x-praxis-heads") ?? "").split(",").filter((h) => h),
  }),
);
