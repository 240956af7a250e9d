// Loaded as a module: marks the page as JS-enabled for GOV.UK Frontend and starts its
// components. Kept out of the HTML so a strict Content-Security-Policy needs no inline script.
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
