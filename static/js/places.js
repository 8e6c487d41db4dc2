// The event page's general-admission places: "N left" and the availability badges (of the event and of each tier)
// kept current from the event's live stream (htmx SSE snapshots and deltas, as on the seat map); the quantity
// forms and the badges as of loading work without this script.
const panel = document.getElementById("places");
if (panel) {
  const labels = new Map(); // area key -> its "N left" label
  const areas = new Map(); // area key -> {left, v}: the places left as the stream last said
  for (const label of panel.querySelectorAll("[data-left-for]")) {
    labels.set(label.dataset.leftFor, label);
    areas.set(label.dataset.leftFor, { left: null, v: Number(label.dataset.v || 0) });
  }
  const badges = [...document.querySelectorAll("[data-areas]")];

  // The server says from how many places left a badge reads "few left" (data-few-at); seats count as of loading.
  const showBadge = (badge) => {
    const known = badge.dataset.areas.split(" ").map((key) => areas.get(key)?.left ?? null);
    if (known.includes(null)) return;
    const left = known.reduce((sum, n) => sum + n, Number(badge.dataset.seatsLeft));
    const soldOut = left <= 0;
    badge.hidden = !soldOut && left > Number(badge.dataset.fewAt);
    badge.classList.toggle("badge", !badge.hidden); // .badge sets a display that would override `hidden`
    badge.classList.toggle("danger", soldOut);
    badge.textContent = soldOut ? "Sold out" : `Few left: ${left}`;
  };

  const setLeft = (key, left, v) => {
    const area = areas.get(key);
    if (area && v < area.v) return; // an older delta than what we show
    areas.set(key, { left, v });
    const label = labels.get(key);
    if (label) label.textContent = left > 0 ? `${left} of ${label.dataset.capacity} left` : "Sold out";
  };
  panel.addEventListener("htmx:sseBeforeMessage", (event) => {
    event.preventDefault(); // we apply JSON ourselves; no HTML swap
    const data = JSON.parse(event.detail.data);
    if (event.detail.type === "snapshot") for (const [key, left, v] of data.areas || []) setLeft(key, left, v);
    else if (event.detail.type === "delta") {
      for (const change of data.changes) if (change.left !== undefined) setLeft(change.key, change.left, change.v);
    }
    badges.forEach(showBadge);
  });
}
