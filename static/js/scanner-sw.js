// The scanner's service worker (scope /scan/): the app shell is cached so the scanner opens with no network.
// Pages: network first, the cached copy when offline. Shell files: cache first. Never caches the JSON API.
// The server fills in the shell's URLs and the release, a hash of their contents (app/checkin/release.py): a new
// release is a new script, which the browser installs on the scanner's next start online; the old shell's cache is
// dropped then and the page reloads itself (static/js/scanner.js). Pages keep a cache of their own across releases
// (an offline start needs them); unsynced scans live in IndexedDB, which no release touches.
const { release: RELEASE, shell: SHELL } = { release: "unreleased", shell: [] };
const SHELL_CACHE = `usher-scanner-shell-${RELEASE}`;
const PAGE_CACHE = "usher-scanner-pages";

self.addEventListener("install", (event) => {
  // "reload": the release's own files, never a copy from the HTTP cache.
  const files = SHELL.map((url) => new Request(url, { cache: "reload" }));
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(files)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  const kept = [SHELL_CACHE, PAGE_CACHE];
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("usher-scanner") && !kept.includes(n)).map((n) => caches.delete(n))))
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
            event.waitUntil(caches.open(PAGE_CACHE).then((cache) => cache.put(url.pathname, copy)));
          }
          return response;
        })
        .catch(async () => (await (await caches.open(PAGE_CACHE)).match(url.pathname, { ignoreVary: true })) || Response.error()),
    );
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(
      caches.open(SHELL_CACHE).then((cache) => cache.match(request, { ignoreVary: true })).then((hit) => hit || fetch(request)),
    );
  }
});
