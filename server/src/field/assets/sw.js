// The field app's service worker: keeps the app's shell (its HTML, scripts, styles,
// manifest and icons, which hold no one's data) so the app opens without signal.
// Online, each shell file is fetched fresh and kept; offline (or when the server is
// slow to answer), the kept copy is used. Nothing else is ever cached: the API's
// answers, the session and every other page go to the network only, and each
// person's data lives in IndexedDB, bound to them (see store.js).

const CACHE = "praxis-field-shell";
const SHELL = [
  "/field/",
  "/field/app.css",
  "/field/app.js",
  "/field/store.js",
  "/field/sync.js",
  "/field/forms.js",
  "/field/views.js",
  "/field/manifest.webmanifest",
  "/field/icon-192.png",
  "/field/icon-512.png",
];
/// How long to wait for the server before using the kept copy.
const PATIENCE_MS = 3000;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

function shellPath(request) {
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || request.method !== "GET") return null;
  const path = url.pathname === "/field" || url.pathname === "/field/index.html" ? "/field/" : url.pathname;
  return SHELL.includes(path) ? path : null;
}

async function fresh(path) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), PATIENCE_MS);
  try {
    const response = await fetch(path, { cache: "no-store", signal: controller.signal });
    if (response.ok) {
      const cache = await caches.open(CACHE);
      await cache.put(path, response.clone());
    }
    return response;
  } finally {
    clearTimeout(timer);
  }
}

self.addEventListener("fetch", (event) => {
  const path = shellPath(event.request);
  if (!path) return;
  event.respondWith(
    fresh(path).catch(async () => {
      const kept = await caches.match(path);
      return kept || new Response("Praxis is not loaded on this phone yet: open it once with signal.", { status: 503, headers: { "content-type": "text/plain; charset=utf-8" } });
    }),
  );
});
