// The organizer's inventory map: paints each seat's status and lets managers select seats to block or unblock.

const svg = document.getElementById("seatmap");
const form = document.getElementById("block-form");
const snapshot = JSON.parse(document.getElementById("seat-snapshot").textContent);

const circles = new Map([...svg.querySelectorAll("circle.seat")].map((el) => [el.dataset.k, el]));
for (const [key, status] of snapshot.seats) circles.get(key)?.classList.add(`s-${status}`);

if (form) {
  const holder = document.getElementById("selected-seats");
  const count = form.querySelector("[data-testid=selected-count]");
  const selected = new Set([...holder.querySelectorAll("input")].map((input) => input.value));

  const sync = () => {
    holder.replaceChildren(...[...selected].map((key) => Object.assign(document.createElement("input"),
      { type: "hidden", name: "seat", value: key })));
    for (const [key, el] of circles) el.classList.toggle("selected", selected.has(key));
    count.textContent = selected.size;
  };

  const rowKeys = new Map(); // seat key -> every key of its row, from the seat index the picker uses too
  for (const [, , rowSeats] of JSON.parse(document.getElementById("seat-index").textContent)) {
    const keys = rowSeats.map(([key]) => key);
    for (const key of keys) rowKeys.set(key, keys);
  }

  svg.addEventListener("click", (event) => {
    const el = event.target.closest("circle.seat");
    if (!el) return;
    const keys = event.shiftKey ? rowKeys.get(el.dataset.k) ?? [el.dataset.k] : [el.dataset.k];
    const adding = !selected.has(el.dataset.k);
    for (const key of keys) adding ? selected.add(key) : selected.delete(key);
    sync();
  });
  svg.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      event.target.closest("circle.seat")?.dispatchEvent(new MouseEvent("click", { bubbles: true, shiftKey: event.shiftKey }));
    }
  });
  document.getElementById("clear-selection").addEventListener("click", () => { selected.clear(); sync(); });
  sync();
}
