// The door scanner: camera (BarcodeDetector, else jsQR) or typed codes; online every scan is one request,
// offline it is judged on the device (Ed25519 signature checked with WebCrypto against the ticket list taken
// along) and queued in IndexedDB until it syncs. Nothing scanned is ever dropped while logged in. Offline it
// applies the server's rules in the server's order (app/checkin/service.py) and says what the server would say:
// the verdict codes and their words come from app/checkin/verdicts.py, with the ticket list. The list names
// tickets by fingerprint, never by code (app/checkin/bundle.py), and logging out wipes it from the device.

const root = document.getElementById("scanner");
const slug = root.dataset.event;
// The CSRF token as of now: after logging in again (another tab) the cookie holds a new one.
const csrf = () => document.cookie.match(/(?:^|; )usher_csrf=([^;]+)/)?.[1] ?? root.dataset.csrf;
const verdictBox = document.getElementById("verdict");
const netState = root.querySelector("[data-testid=net-state]");
const device = localStorage.getItem("usher-device") || `scanner-${crypto.randomUUID().slice(0, 8)}`;
localStorage.setItem("usher-device", device);

// --- IndexedDB: the ticket list, offline check-ins, the queue of unsynced scans ------------------------------
const dbReady = new Promise((resolve, reject) => {
  const request = indexedDB.open("usher-scanner", 1);
  request.onupgradeneeded = () => {
    const db = request.result;
    db.createObjectStore("bundles");
    db.createObjectStore("queue", { keyPath: "local_id" });
  };
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});
async function store(name, mode, work) {
  const db = await dbReady;
  return new Promise((resolve, reject) => {
    const tx = db.transaction(name, mode);
    const result = work(tx.objectStore(name));
    tx.oncomplete = () => resolve(result instanceof IDBRequest ? result.result : result);
    tx.onerror = () => reject(tx.error);
  });
}
const queued = async () => (await store("queue", "readonly", (s) => s.getAll())).filter((scan) => scan.slug === slug);

// --- the ticket list taken along ------------------------------------------------------------------------------
// {event, doors: {open_at, close_at}, verdicts: {code: words}, public_key, fingerprint: {algorithm, salt},
//  generated_at, tickets: Map(fingerprint -> {status, label, tier, name, checkedInAt})}
let bundle = null;
let publicKey = null;

// What the list calls a ticket code: the hex SHA-256 of the event's salt and the code.
async function fingerprint(code) {
  const digest = await crypto.subtle.digest(bundle.fingerprint.algorithm, new TextEncoder().encode(bundle.fingerprint.salt + code));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function useBundle(raw) {
  bundle = { ...raw, tickets: new Map(raw.tickets.map(([key, status, label, tier, name, at]) => [key, { status, label, tier, name, checkedInAt: at }])) };
  root.querySelector("[data-testid=bundle-size]").textContent = bundle.tickets.size;
  try {
    publicKey = raw.public_key
      ? await crypto.subtle.importKey("raw", Uint8Array.from(atob(raw.public_key), (c) => c.charCodeAt(0)), { name: "Ed25519" }, false, ["verify"])
      : null;
  } catch { publicKey = null; } // a browser without Ed25519 still checks the list; signatures wait for sync
}

async function refreshBundle() {
  const response = await fetch(`/scan/${slug}/bundle`, { headers: { Accept: "application/json" } });
  if (!isJson(response)) throw new Error("signed out");
  const raw = await response.json();
  // Check-ins made here and not yet synced stay marked.
  for (const scan of await queued()) if (scan.verdict === "valid") for (const row of raw.tickets) if (row[0] === scan.ticket) row[5] ||= scan.scanned_at;
  await store("bundles", "readwrite", (s) => s.put(raw, slug));
  await useBundle(raw);
}

function isJson(response) {
  return response.ok && !response.redirected && (response.headers.get("content-type") || "").includes("json");
}

// --- verdicts -------------------------------------------------------------------------------------------------
// The words of a verdict code: the ticket list's, else the page's (a device that has no list yet).
const pageWords = JSON.parse(document.getElementById("verdict-words")?.textContent || "{}");
const say = (code) => bundle?.verdicts?.[code] ?? pageWords[code] ?? code;
// Times as every page shows them (app/timeutil.py): 24-hour, in the event's time zone, with the zone's name.
const clock = new Intl.DateTimeFormat("en-GB", { timeZone: root.dataset.timezone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
const time = (iso) => (iso ? `${clock.format(new Date(iso))} ${root.dataset.zoneName}` : "");

// Every scan or lookup replaces the verdict at once, first with "Checking", so an earlier "Valid" never stays up.
function showState(state, title, detail = "") {
  verdictBox.className = `verdict ${state}`;
  verdictBox.querySelector(".verdict-title").textContent = title;
  verdictBox.querySelector(".verdict-detail").textContent = detail;
}

function show(verdict) {
  const titles = { valid: "Valid", duplicate: "Already checked in", invalid: "Invalid" };
  verdictBox.className = `verdict ${verdict.result}`;
  verdictBox.querySelector(".verdict-title").textContent = titles[verdict.result];
  const who = [verdict.label, verdict.tier, verdict.attendee].filter(Boolean).join(" · ");
  let detail = who;
  if (verdict.result === "duplicate") detail = `${who} — checked in at ${time(verdict.checked_in_at)}${verdict.checked_in_by ? ` by ${verdict.checked_in_by}` : ""}${verdict.checked_in_device ? ` (${verdict.checked_in_device})` : ""}`;
  if (verdict.result === "invalid") detail = [verdict.reason, who].filter(Boolean).join(" — ");
  if (verdict.offline) detail += " (checked on this device; will sync)";
  verdictBox.querySelector(".verdict-detail").textContent = detail;
  signal(verdict.result);
}

let audio = null;
function signal(result) {
  navigator.vibrate?.(result === "valid" ? 80 : result === "duplicate" ? [60, 60, 60] : [200, 80, 200]);
  try {
    audio ||= new AudioContext();
    const tone = audio.createOscillator();
    tone.frequency.value = result === "valid" ? 880 : result === "duplicate" ? 520 : 220;
    tone.connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + (result === "valid" ? 0.12 : 0.35));
  } catch { /* no sound on this device */ }
}

// --- judging a code ---------------------------------------------------------------------------------------------
async function handle(text) {
  showState("checking", "Checking…");
  if (navigator.onLine) {
    try {
      const response = await fetch(`/scan/${slug}/check-in`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" },
        body: JSON.stringify({ code: text, device }),
      });
      if (isJson(response)) {
        const verdict = await response.json();
        const known = bundle?.tickets.get(verdict.ticket);
        if (known && verdict.result !== "invalid") known.checkedInAt ||= verdict.checked_in_at || new Date().toISOString();
        show(verdict);
        setNet(true);
        return verdict;
      }
      if (response.redirected || response.status === 401) signedOut();
    } catch { /* the network is gone: judge it here */ }
  }
  setNet(false);
  const verdict = await judgeOffline(text);
  show(verdict);
  return verdict;
}

const b64url = (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4)), (c) => c.charCodeAt(0));

// The doors window of the list; a list saved before it carried one lets the sync decide (the server judges again).
function doorsOpen(at) {
  if (!bundle.doors) return true;
  const now = Date.parse(at);
  return Date.parse(bundle.doors.open_at) <= now && now <= Date.parse(bundle.doors.close_at);
}

// The server's _resolve and _refusal, then first scan wins: the same rules in the same order. The device's clock
// stands in for the server's; at sync the server judges again at the time of the scan. `picked` is the
// fingerprint of a ticket door staff chose by name from the list (there is no code to read then).
let judging = Promise.resolve(); // the offline verdict being judged and queued (a reload for a release waits for it)
function judgeOffline(text, picked = null) {
  judging = judgeHere(text, picked);
  return judging;
}

async function judgeHere(text, picked) {
  const scannedAt = new Date().toISOString();
  let code = text.trim();
  let refused = null;
  if (!bundle) refused = "no_ticket_list";
  else if (picked) code = null;
  else if (!code) refused = "nothing_read";
  else if (code.startsWith("U1.")) {
    try {
      const [, payloadText, signatureText] = code.split(".");
      const payload = b64url(payloadText);
      const claim = JSON.parse(new TextDecoder().decode(payload));
      if (claim.o !== bundle.event.organization) refused = "other_organizer";
      else if (!bundle.public_key) refused = "not_signed";
      else if (publicKey && !(await crypto.subtle.verify({ name: "Ed25519" }, publicKey, b64url(signatureText), payload))) refused = "forged";
      else if (claim.e !== bundle.event.id) refused = "other_event";
      else code = claim.t;
    } catch { refused = "unreadable"; }
  } else if (code.length > 64) refused = "unreadable";
  const key = refused ? null : picked || (await fingerprint(code));
  const ticket = key ? bundle.tickets.get(key) : undefined;
  if (!refused) {
    if (!ticket) refused = "unknown_ticket";
    else if (ticket.status !== "valid") refused = "void";
    else if (!doorsOpen(scannedAt)) refused = "not_today";
  }
  const who = ticket ? { label: ticket.label, tier: ticket.tier, attendee: ticket.name } : {};
  let verdict;
  if (refused) verdict = { result: "invalid", verdict: refused, reason: say(refused), ...who };
  else if (ticket.checkedInAt) verdict = { result: "duplicate", verdict: "duplicate", reason: say("duplicate"), ...who, checked_in_at: ticket.checkedInAt };
  else { ticket.checkedInAt = scannedAt; verdict = { result: "valid", verdict: "valid", reason: say("valid"), ...who }; }
  verdict.offline = true;
  await store("queue", "readwrite", (s) => s.put({ local_id: crypto.randomUUID(), slug, code: text.trim(), ticket: key, scanned_at: scannedAt, verdict: verdict.result }));
  await showQueue();
  return verdict;
}

// --- syncing ----------------------------------------------------------------------------------------------------
let syncing = false;
let leaving = false; // logging out: the device is being wiped
async function sync() {
  if (syncing || leaving || !navigator.onLine) return;
  syncing = true;
  try {
    const scans = await queued();
    if (scans.length) {
      const response = await fetch(`/scan/${slug}/sync`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" },
        body: JSON.stringify({ device, scans: scans.map(({ local_id, code, ticket, scanned_at }) => ({ local_id, code, ticket: code ? undefined : ticket, scanned_at })) }),
      });
      if (!isJson(response)) { signedOut(); return; }
      await response.json();
      await store("queue", "readwrite", (s) => { for (const scan of scans) s.delete(scan.local_id); });
    }
    await refreshBundle();
    localStorage.setItem(`usher-synced-${slug}`, new Date().toISOString());
    document.getElementById("login-again").hidden = true;
    setNet(true);
  } catch {
    setNet(false);
  } finally {
    syncing = false;
    await showQueue();
  }
}

function signedOut() { document.getElementById("login-again").hidden = false; }

async function showQueue() {
  root.querySelector("[data-testid=unsynced]").textContent = (await queued()).length;
  const last = localStorage.getItem(`usher-synced-${slug}`);
  root.querySelector("[data-testid=last-sync]").textContent = last ? `synced ${time(last)}` : "never synced";
}

function setNet(reachable) {
  const online = navigator.onLine && reachable !== false;
  netState.textContent = online ? "online" : "offline";
  netState.dataset.state = online ? "online" : "offline";
}
window.addEventListener("online", () => { setNet(true); sync(); });
window.addEventListener("offline", () => setNet(false));
setInterval(sync, 5000);

// --- manual lookup ----------------------------------------------------------------------------------------------
document.getElementById("manual").addEventListener("submit", async (event) => {
  event.preventDefault();
  const query = document.getElementById("manual-query").value.trim();
  const results = document.getElementById("results");
  results.replaceChildren();
  if (!query) return;
  showState("checking", "Checking…");
  if (query.startsWith("U1.") || bundle?.tickets.has(await fingerprint(query))) { await handle(query); return; }
  let found = [];
  if (navigator.onLine) {
    try {
      const response = await fetch(`/scan/${slug}/lookup?q=${encodeURIComponent(query)}`, { headers: { Accept: "application/json" } });
      if (isJson(response)) found = (await response.json()).tickets;
    } catch { /* offline: the list on the device */ }
  }
  if (!found.length && bundle) {
    const needle = query.toLowerCase();
    for (const [key, t] of bundle.tickets) if (t.name.toLowerCase().includes(needle)) found.push({ ticket: key, label: t.label, tier: t.tier, attendee: t.name, status: t.status, checked_in_at: t.checkedInAt });
  }
  if (!found.length) {
    showState("nomatch", "No match", `No ticket matches “${query}”.`);
    signal("invalid");
    return;
  }
  showState("choose", found.length === 1 ? "1 ticket matches" : `${found.length} tickets match`, "Check the name, then press its button below.");
  for (const ticket of found.slice(0, 20)) {
    const item = document.createElement("li");
    const button = Object.assign(document.createElement("button"), { type: "button", className: "big", textContent: "Check in" });
    // The name tells the buttons apart for a screen reader; the row shows it to everyone.
    button.append(Object.assign(document.createElement("span"), { className: "visually-hidden", textContent: ` ${ticket.attendee}, ${ticket.label}` }));
    button.addEventListener("click", () => {
      results.replaceChildren();
      if (ticket.code) handle(ticket.code);
      else { showState("checking", "Checking…"); judgeOffline("", ticket.ticket).then(show); }
    });
    const checkedIn = ticket.checked_in_at ? ` (in at ${time(ticket.checked_in_at)})` : "";
    item.append(`${ticket.attendee} · ${ticket.label} · ${ticket.tier}${checkedIn}`, button);
    results.append(item);
  }
});

// --- the camera -------------------------------------------------------------------------------------------------
const video = document.getElementById("camera");
let lastText = "";
let lastAt = 0;

async function startCamera() {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  video.srcObject = stream;
  await video.play();
  const [track] = stream.getVideoTracks();
  const torch = document.getElementById("torch");
  if (track.getCapabilities?.().torch) {
    torch.hidden = false;
    torch.onclick = async () => {
      const on = torch.getAttribute("aria-pressed") !== "true";
      await track.applyConstraints({ advanced: [{ torch: on }] });
      torch.setAttribute("aria-pressed", String(on));
    };
  }
  const detector = "BarcodeDetector" in window ? new BarcodeDetector({ formats: ["qr_code"] }) : null;
  const canvas = document.getElementById("frame");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const tick = async () => {
    if (video.readyState >= 2) {
      let text = null;
      try {
        if (detector) text = (await detector.detect(video))[0]?.rawValue ?? null;
      } catch { /* fall back to jsQR below */ }
      if (!text && window.jsQR) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0);
        text = window.jsQR(context.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height)?.data ?? null;
      }
      const now = Date.now();
      if (text && (text !== lastText || now - lastAt > 3000)) {
        lastText = text;
        lastAt = now;
        await handle(text);
      }
    }
    setTimeout(tick, 150);
  };
  tick();
}
document.getElementById("start-camera").addEventListener("click", () => startCamera().catch((error) => {
  show({ result: "invalid", reason: `No camera: ${error.message}. Use the search below.` });
}));

// --- logging out: nothing of the door stays on the device ------------------------------------------------------
// The server's answer also says Clear-Site-Data; this covers browsers that ignore it. Unsynced scans are synced
// first; if that fails, a second press discards them.
const logoutForm = document.getElementById("logout");
logoutForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  await sync();
  const unsynced = await store("queue", "readonly", (s) => s.count());
  const warning = document.getElementById("logout-unsynced");
  if (unsynced && warning.hidden) {
    warning.querySelector("[data-testid=logout-unsynced-count]").textContent = unsynced;
    warning.hidden = false;
    return;
  }
  leaving = true;
  await wipeDevice();
  logoutForm.submit();
});

async function wipeDevice() {
  (await dbReady).close();
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase("usher-scanner");
    request.onsuccess = request.onerror = request.onblocked = resolve;
  });
  for (const name of await caches.keys()) await caches.delete(name);
  for (const registration of (await navigator.serviceWorker?.getRegistrations()) ?? []) await registration.unregister();
  for (const key of Object.keys(localStorage)) if (key.startsWith("usher-")) localStorage.removeItem(key);
}

// --- releases: a new one takes over on the next start online ------------------------------------------------------
// The server names each release in the service worker's script (app/checkin/release.py), so a release is a new
// worker: it caches the new files, drops the old ones and takes over this page, which then reloads once to run
// them. Unsynced scans stay in IndexedDB meanwhile; the reload waits for a scan being judged to be stored.
if ("serviceWorker" in navigator) {
  const installedBefore = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener("controllerchange", async () => {
    if (!installedBefore || leaving) return; // the first install, or the device being wiped: nothing to reload
    await judging;
    sessionStorage.setItem("usher-scanner-updated", "true");
    location.reload();
  });
  navigator.serviceWorker.register("/scan/sw.js", { scope: "/scan/" }).then((registration) => registration.update()).catch(() => {});
}
if (sessionStorage.getItem("usher-scanner-updated")) {
  sessionStorage.removeItem("usher-scanner-updated");
  document.getElementById("updated").hidden = false;
}

// --- start -------------------------------------------------------------------------------------------------------
(async () => {
  setNet(navigator.onLine);
  const saved = await store("bundles", "readonly", (s) => s.get(slug));
  if (saved?.fingerprint) await useBundle(saved);
  else if (saved) await store("bundles", "readwrite", (s) => s.delete(slug)); // a list from before fingerprints held codes
  await sync();
  root.dataset.ready = "true";
})();
