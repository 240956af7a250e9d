// The map page: a Leaflet map with no tile server. The base layer is the shipped
// district, MSOA, ward or LSOA boundaries; the analysis layers (KDE, Gi*, forecasts) are
// GeoJSON from same-origin endpoints, fetched when first switched on. Loaded as a
// module; colours go through Leaflet's SVG attributes and element.style (CSP-safe).
import * as L from "../vendor/leaflet/leaflet-src.esm.js";

const el = document.getElementById("sl-map");
const status = document.getElementById("sl-map-status");
const keys = document.getElementById("sl-map-keys");

const PURPLES = ["#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f"];
const HEAT = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];
const HOT = "#d4351c";
const COLD = "#1d70b8";

function escapeText(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Numbers for people: small values keep two significant figures (0.042, not 0).
function fmt(v, digits = 1) {
  const n = Number(v);
  if (n !== 0 && Math.abs(n) < 1) return n.toLocaleString("en-GB", { maximumSignificantDigits: 2 });
  return n.toLocaleString("en-GB", { maximumFractionDigits: digits });
}

// Five classes with breaks at the 20th, 40th, 60th and 80th percentiles.
function quantileBreaks(values) {
  const v = values.filter((x) => x > 0).sort((a, b) => a - b);
  if (!v.length) return [];
  return [0.2, 0.4, 0.6, 0.8].map((q) => v[Math.min(v.length - 1, Math.floor(q * v.length))]);
}

function classOf(value, breaks) {
  let k = 0;
  while (k < breaks.length && value > breaks[k]) k += 1;
  return k;
}

// How each analysis layer looks, is described and is keyed in the legend.
const ANALYSES = {
  "ward-crime": {
    title: "Crime by ward, per 1,000 residents",
    prepare(fc) {
      this.breaks = quantileBreaks(fc.features.map((f) => f.properties.rate_per_1000));
    },
    style(f) {
      const v = f.properties.rate_per_1000;
      return { color: "#0b0c0c", weight: 1, fillColor: PURPLES[classOf(v || 0, this.breaks)], fillOpacity: 0.75 };
    },
    tip: (p) => `${p.name} (${p.code}): ${fmt(p.rate_per_1000)} per 1,000 residents (${p.count} crimes)`,
    legend() {
      return rampKeys(PURPLES, this.breaks, " per 1,000");
    },
  },
  kde: {
    title: "Density (KDE), crimes per km²",
    prepare(fc) {
      this.breaks = quantileBreaks(fc.features.map((f) => f.properties.density_per_km2));
    },
    style(f) {
      const c = PURPLES[classOf(f.properties.density_per_km2, this.breaks)];
      return { stroke: false, fillColor: c, fillOpacity: 0.75 };
    },
    tip: (p) => `${fmt(p.density_per_km2)} crimes per km² (${p.count} in the cell)`,
    legend() {
      return rampKeys(PURPLES, this.breaks, " per km²");
    },
  },
  "gistar-grid": {
    title: "Gi* hot and cold cells (500 m)",
    style(f) {
      const lab = f.properties.label;
      if (lab === "not significant") return { stroke: false, fillOpacity: 0 };
      return { stroke: false, fillColor: lab === "hot" ? HOT : COLD, fillOpacity: 0.8 };
    },
    tip: (p) => `${p.value} crimes; Gi* z ${fmt(p.z, 2)}; ${p.label}`,
    legend: () => [
      [HOT, "Hot spot (5% FDR)"],
      [COLD, "Cold spot (5% FDR)"],
    ],
  },
  "gistar-lsoa": {
    title: "Gi* hot and cold LSOAs",
    style(f) {
      const lab = f.properties.label;
      if (lab === "not significant") return { stroke: false, fillOpacity: 0 };
      return {
        color: "#0b0c0c",
        weight: 0.5,
        fillColor: lab === "hot" ? HOT : COLD,
        fillOpacity: 0.7,
      };
    },
    tip: (p) => `${p.name} (${p.id}): ${p.value} crimes; Gi* z ${fmt(p.z, 2)}; ${p.label}`,
    legend: () => [
      [HOT, "Hot LSOA (5% FDR)"],
      [COLD, "Cold LSOA (5% FDR)"],
    ],
  },
  "forecast-lsoa": {
    title: "Forecast by LSOA, next month",
    prepare(fc) {
      this.breaks = quantileBreaks(fc.features.map((f) => f.properties.forecast));
      this.month = fc.meta.forecast_month;
    },
    style(f) {
      const v = f.properties.forecast;
      if (!(v > 0)) return { stroke: false, fillOpacity: 0 };
      return { color: "#505a5f", weight: 0.3, fillColor: HEAT[classOf(v, this.breaks)], fillOpacity: 0.75 };
    },
    tip: (p) => `${p.name} (${p.id}): ${fmt(p.forecast)} crimes forecast; ${p.last} last month held`,
    legend() {
      return rampKeys(HEAT, this.breaks, ` crimes${this.month ? ` in ${this.month}` : ""}`);
    },
  },
  "forecast-grid": {
    title: "Prospective forecast (250 m cells)",
    prepare(fc) {
      this.breaks = quantileBreaks(fc.features.map((f) => f.properties.risk));
    },
    style(f) {
      return { stroke: false, fillColor: HEAT[classOf(f.properties.risk, this.breaks)], fillOpacity: 0.75 };
    },
    tip: (p) => `Risk score ${fmt(p.risk, 2)}`,
    legend() {
      return rampKeys(HEAT, this.breaks, " risk");
    },
  },
};

function rampKeys(colours, breaks, unit) {
  if (!breaks.length) return [];
  const edges = [0, ...breaks];
  return colours.map((c, k) => [
    c,
    k < breaks.length ? `${fmt(edges[k])} to ${fmt(breaks[k])}${unit}` : `over ${fmt(breaks[breaks.length - 1])}${unit}`,
  ]);
}

function layerUrl(name) {
  const q = el.dataset.query;
  return `${el.dataset.layers}${name}.geojson${q ? `?${q}` : ""}`;
}

async function fetchLayer(name) {
  const r = await fetch(layerUrl(name), { credentials: "same-origin", headers: { Accept: "application/geo+json" } });
  if (!r.ok) throw new Error(`${name}: ${r.status}`);
  return r.json();
}

function drawLegend(map, overlays) {
  keys.replaceChildren();
  let shown = 0;
  for (const [name, layer] of Object.entries(overlays)) {
    if (!map.hasLayer(layer) || !layer.loaded) continue;
    const a = ANALYSES[name];
    const title = document.createElement("p");
    title.className = "sl-map-legend__title";
    title.textContent = a.title;
    keys.append(title);
    for (const [colour, text] of a.legend()) {
      const row = document.createElement("p");
      row.className = "sl-map-legend__row";
      const sw = document.createElement("span");
      sw.className = "sl-map-legend__swatch";
      sw.style.backgroundColor = colour;
      sw.setAttribute("aria-hidden", "true");
      const label = document.createElement("span");
      label.textContent = text;
      row.append(sw, label);
      keys.append(row);
    }
    shown += 1;
  }
  if (!shown) status.textContent = "Choose a layer to show from the list of layers.";
}

function boundaryLayer(fc, weight) {
  return L.geoJSON(fc, {
    style: () => ({ color: "#505a5f", weight, fillColor: "#ffffff", fillOpacity: 0.7 }),
    onEachFeature: (f, layer) => layer.bindTooltip(escapeText(`${f.properties.name} (${f.properties.code})`), { sticky: true }),
  });
}

async function start() {
  if (!el) return;
  const map = L.map(el, { zoomSnap: 0.25, preferCanvas: false });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Boundaries: ONS, OS © Crown copyright; crime: data.police.uk");

  const [district, msoa, ward, lsoa] = await Promise.all(["district", "msoa", "ward", "lsoa"].map(fetchLayer));
  const bases = {
    "District boundary": boundaryLayer(district, 2),
    "MSOA boundaries": boundaryLayer(msoa, 1),
    "Ward boundaries": boundaryLayer(ward, 1.5),
    "LSOA boundaries": boundaryLayer(lsoa, 0.5),
  };
  bases["MSOA boundaries"].addTo(map);
  map.fitBounds(bases["District boundary"].getBounds());

  const overlays = {};
  const labels = {};
  for (const [name, a] of Object.entries(ANALYSES)) {
    const layer = L.geoJSON(null, {
      style: (f) => a.style(f),
      onEachFeature: (f, l) => l.bindTooltip(escapeText(a.tip(f.properties)), { sticky: true }),
    });
    layer.analysis = name;
    overlays[name] = layer;
    labels[a.title] = layer;
  }
  // The layer list lives beside the map (below it on narrow screens), never over the
  // district: drawn on the map it hid the north-east. Leaflet builds the control; its
  // element is then moved to the page, where its inputs keep working.
  const control = L.control.layers(bases, labels, { collapsed: false, position: "topright" }).addTo(map);
  const side = document.getElementById("sl-map-layers");
  if (side) side.append(control.getContainer());

  // One fetch per layer, however often it is switched on; callers await the same one.
  function load(layer) {
    if (!layer.loading) layer.loading = fetchInto(layer);
    return layer.loading;
  }

  async function fetchInto(layer) {
    const a = ANALYSES[layer.analysis];
    status.textContent = `Loading ${a.title}…`;
    try {
      const fc = await fetchLayer(layer.analysis);
      if (a.prepare) a.prepare(fc);
      layer.addData(fc);
      layer.loaded = true;
      el.setAttribute(`data-loaded-${layer.analysis}`, String(fc.features.length));
      const outside = (fc.meta && fc.meta.outside_area) || 0;
      status.textContent = `${a.title}: ${fc.features.length.toLocaleString("en-GB")} features drawn.`
        + (outside ? ` ${outside.toLocaleString("en-GB")} crimes lie outside the area; those within the bandwidth add density near its edge.` : "");
    } catch (err) {
      status.textContent = `Could not load ${a.title}. Try again later.`;
      layer.loading = null;
    }
    drawLegend(map, overlays);
  }

  map.on("overlayadd", (e) => {
    if (e.layer.analysis) load(e.layer).then(() => drawLegend(map, overlays));
  });
  map.on("overlayremove", () => drawLegend(map, overlays));
  map.on("baselayerchange", () => {
    for (const layer of Object.values(overlays)) if (map.hasLayer(layer)) layer.bringToFront();
  });

  overlays["gistar-lsoa"].addTo(map);
  await load(overlays["gistar-lsoa"]);
  el.dataset.ready = "true";
}

start().catch(() => {
  if (status) status.textContent = "The map could not be loaded. The tables below give the same hot spots.";
});
