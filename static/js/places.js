// The event page's general-admission places: "N left" kept current from the event's live stream (htmx SSE
// snapshots and deltas, as on the seat map); the quantity forms themselves work without this script.
const panel = document.getElementById("places");
if (panel) {
  const labels = new Map();
  for (const label of panel.querySelectorAll("[data-left-for]")) {
    labels.set(label.dataset.leftFor, { label, v: Number(label.dataset.v || 0) });
  }
  const setLeft = (key, left, v) => {
    const place = labels.get(key);
    if (!place || v < place.v) return; // an older delta than what we show
    place.v = v;
    place.label.textContent = left > 0 ? `${left} of ${place.label.dataset.capacity} left` : "Sold out";
  };
  panel.addEventListener("htmx:sseBeforeMessage", (event) => {
    event.preventDefault(); // we apply JSON ourselves; no HTML swap
    const data = JSON.parse(event.detail.data);
    if (event.detail.type === "snapshot") for (const [key, left, v] of data.areas || []) setLeft(key, left, v);
    else if (event.detail.type === "delta") {
      for (const change of data.changes) if (change.left !== undefined) setLeft(change.key, change.left, change.v);
    }
  });
}
