// Page-wide behaviour shared by every page (ES module, no build step).

// Fragments that report an error land in #flash; bring it into view so the message is not missed.
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target && event.detail.target.id === "flash") {
    event.detail.target.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }
});

// Dismiss buttons close the message they sit in (no inline handlers: the CSP forbids inline script).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-dismiss]");
  if (button) button.parentElement.remove();
});

// Protect unsaved form input when leaving the page.
let dirtyForm = null;
document.addEventListener("input", (event) => {
  const form = event.target.closest("form[method=post]:not(.inline)");
  if (form) dirtyForm = form;
});
document.addEventListener("submit", () => { dirtyForm = null; });
window.addEventListener("beforeunload", (event) => {
  if (dirtyForm && document.body.contains(dirtyForm)) event.preventDefault();
});

// Hold countdowns (`.countdown[data-expires]` with a `.remaining` inside): tick every second; when time is up,
// say so and tell the page (the seat map frees its seats).
setInterval(() => {
  for (const countdown of document.querySelectorAll(".countdown[data-expires]:not(.expired)")) {
    const left = Math.max(0, Math.round((Date.parse(countdown.dataset.expires) - Date.now()) / 1000));
    countdown.querySelector(".remaining").textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    if (left === 0) {
      countdown.classList.add("expired");
      countdown.textContent = "Your hold has expired; the seats are back on sale.";
      document.dispatchEvent(new CustomEvent("countdown-expired"));
    }
  }
}, 1000);
