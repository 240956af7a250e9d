// The tension map: the shipped ward boundaries coloured by each ward's current level.
// No tile server and no fetch: the wards come in the page (json_script). Loaded as a
// module; colours go through Leaflet's SVG attributes and element.style (CSP-safe).
import * as L from "../vendor/leaflet/leaflet-src.esm.js";

function escapeText(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function start() {
  const el = document.getElementById("sl-tension-map");
  const data = document.getElementById("sl-tension-wards");
  for (const sw of document.querySelectorAll(".sl-map-legend__swatch[data-colour]")) {
    sw.style.backgroundColor = sw.dataset.colour;
  }
  if (!el || !data) return;
  const fc = JSON.parse(data.textContent);
  const map = L.map(el, { zoomSnap: 0.25 });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Ward boundaries: ONS, OS © Crown copyright");
  const layer = L.geoJSON(fc, {
    style: (f) => ({
      color: "#0b0c0c",
      weight: 1,
      fillColor: f.properties.colour,
      fillOpacity: 0.85,
    }),
    onEachFeature: (f, l) => {
      const p = f.properties;
      const trend = p.trend ? `, ${p.trend}` : "";
      l.bindTooltip(escapeText(`${p.name}: ${p.label}${trend}`), { sticky: true });
    },
  }).addTo(map);
  if (fc.features.length) map.fitBounds(layer.getBounds());
  el.dataset.wards = String(fc.features.length);
  el.dataset.ready = "true";
}

start();
