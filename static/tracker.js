// Start GOV.UK Frontend's components (loaded as an ES module, allowed by the CSP nonce).
import { initAll } from "/govuk/govuk-frontend.min.js";

initAll();

// A long import's progress: the page names its JSON status; poll it, move the bar, and reload
// the page (which then shows the outcome) when the import has finished.
const bar = document.querySelector("[data-import-status]");
if (bar) {
  const words = document.getElementById("import-progress-words");
  const poll = async () => {
    try {
      const response = await fetch(bar.dataset.importStatus, { headers: { Accept: "application/json" } });
      const status = await response.json();
      if (status.state !== "running") {
        window.location.reload();
        return;
      }
      bar.max = status.total || 1;
      bar.value = status.done || 0;
      if (words) words.textContent = `${status.stage}: ${status.done} of ${status.total}`;
    } catch (error) {
      // The next poll tries again.
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 500);
}
