// The scanner's service worker (scope /scan/): the app shell is cached so the scanner opens with no network.
// Pages: network first, the cached copy when offline. Static files: cache first. Never caches the JSON API.
const CACHE = "usher-scanner-v3"; // a new name whenever a shell file changes: the old copies are dropped on activate
const SHELL = [
  "/static/css/scanner.css",
  "/static/js/scanner.js",
  "/static/vendor/jsqr/jsQR-1.4.0.js",
  "/static/icons/scanner-192.png",
  "/static/icons/scanner-512.png",
  "/scan/manifest.webmanifest",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) return;
  if (request.mode === "navigate" && url.pathname.startsWith("/scan")) {
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && !response.redirected) {
            const copy = response.clone();
            event.waitUntil(caches.open(CACHE).then((cache) => cache.put(url.pathname, copy)));
          }
          return response;
        })
        .catch(async () => (await caches.match(url.pathname, { ignoreVary: true })) || Response.error()),
    );
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(request, { ignoreVary: true }).then((hit) => hit || fetch(request)));
  }
});
