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

// An error summary's links go to the field itself: focus it and show its label (a fragment link alone only
// scrolls). htmx focuses the summary after a swap through its `autofocus`; the browser does on a full page.
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-error-summary] a[href^='#']");
  const field = link && document.getElementById(link.getAttribute("href").slice(1));
  if (!field) return;
  event.preventDefault();
  field.focus();
  const label = document.querySelector(`label[for="${CSS.escape(field.id)}"]`);
  (label || field).scrollIntoView({ block: "center" });
});
