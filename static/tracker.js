// Start GOV.UK Frontend's components (loaded as an ES module, allowed by the CSP nonce).
import { initAll } from "/govuk/govuk-frontend.min.js";

initAll();
