// The network page's drawing: Cytoscape.js (vendored, no CDN) over the JSON the page
// carries in <script type="application/json" id="sl-network-data"> (the CSP allows no
// inline script). People are coloured by community, sized by the measure chosen, key
// players ringed and numbered; same-OCG ties are dashed. Without JavaScript the panel
// stays hidden and the tables below it are the page.
import cytoscape from "../vendor/cytoscape/cytoscape.esm.min.js";

const panel = document.getElementById("sl-network-panel");
const el = document.getElementById("sl-network");
const dataEl = document.getElementById("sl-network-data");
const status = document.getElementById("sl-network-status");
const legend = document.getElementById("sl-network-legend");
const sizeBy = document.getElementById("sl-network-size");

// Ten colours told apart by most people with colour-blindness (Okabe-Ito and GOV.UK
// colours); smaller communities are grey.
const COLOURS = [
  "#1d70b8", "#d55e00", "#009e73", "#cc79a7", "#4c2c92",
  "#e69f00", "#56b4e9", "#85994b", "#f499be", "#6f777b",
];
const OTHER = "#b1b4b6";
const MIN_SIZE = 14;
const MAX_SIZE = 56;

function colourOf(community) {
  return community < COLOURS.length ? COLOURS[community] : OTHER;
}

function swatch(extra, colour) {
  const s = document.createElement("span");
  s.className = `sl-network-swatch ${extra}`.trim();
  if (colour) s.style.backgroundColor = colour;
  return s;
}

function item(sw, text) {
  const li = document.createElement("li");
  li.append(sw, document.createTextNode(text));
  return li;
}

function drawLegend(nodes) {
  const sizes = new Map();
  for (const n of nodes) sizes.set(n.community, (sizes.get(n.community) || 0) + 1);
  const shown = [...sizes.keys()].sort((a, b) => a - b);
  legend.replaceChildren();
  for (const c of shown.filter((c) => c < COLOURS.length)) {
    legend.append(item(swatch("", colourOf(c)), `Community ${c} (${sizes.get(c)} drawn)`));
  }
  if (shown.some((c) => c >= COLOURS.length)) {
    legend.append(item(swatch("", OTHER), "Smaller communities"));
  }
  legend.append(item(swatch("sl-network-swatch--key"), "Key player (rank beside)"));
  legend.append(item(swatch("sl-network-swatch--tie"), "Co-offending tie"));
  legend.append(item(swatch("sl-network-swatch--ocg"), "Same OCG tie"));
  legend.append(item(swatch("sl-network-swatch--both"), "Both"));
}

function sizeFor(measure, nodes) {
  const values = nodes.map((n) => Number(n[measure]) || 0);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return (v) => (hi > lo ? MIN_SIZE + ((v - lo) / (hi - lo)) * (MAX_SIZE - MIN_SIZE) : (MIN_SIZE + MAX_SIZE) / 2);
}

function main() {
  if (!panel || !el || !dataEl) return;
  const data = JSON.parse(dataEl.textContent);
  panel.hidden = false;
  const elements = [
    ...data.nodes.map((n) => ({
      group: "nodes",
      // Key players show their rank; anyone selected shows their pseudonym too.
      data: { ...n, colour: colourOf(n.community), label: n.key ? String(n.key) : "", full: n.key ? `${n.key} · ${n.id}` : n.id },
      classes: n.key ? "key" : "",
    })),
    ...data.edges.map((e, i) => ({
      group: "edges",
      data: { id: `e${i}`, source: e.source, target: e.target, weight: e.weight, kind: e.kind },
      classes: e.kind === "ocg" ? "ocg" : e.kind.includes("ocg") ? "both" : "",
    })),
  ];
  const cy = cytoscape({
    container: el,
    elements,
    wheelSensitivity: 0.3,
    minZoom: 0.1,
    maxZoom: 4,
    style: [
      {
        selector: "node",
        style: {
          "background-color": "data(colour)",
          "border-width": 1,
          "border-color": "#505a5f",
          label: "data(label)",
          "font-size": 12,
          "font-weight": "bold",
          "font-family": "arial, sans-serif",
          color: "#0b0c0c",
          "text-valign": "top",
          "text-margin-y": -4,
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.85,
          "text-background-padding": 2,
        },
      },
      { selector: "node.key", style: { "border-width": 4, "border-color": "#0b0c0c", "z-index": 10 } },
      {
        selector: "edge",
        style: {
          width: "mapData(weight, 1, 5, 1, 5)",
          "line-color": "#8d9194",
          "curve-style": "haystack",
          opacity: 0.7,
        },
      },
      { selector: "edge.ocg", style: { "line-style": "dashed", "curve-style": "straight", "line-color": "#505a5f" } },
      { selector: "edge.both", style: { "line-color": "#0b0c0c" } },
      { selector: "node:selected", style: { "border-width": 4, "border-color": "#ffdd00", label: "data(full)", "z-index": 20 } },
    ],
    layout: { name: "preset" },
  });
  function resize(measure) {
    const size = sizeFor(measure, data.nodes);
    cy.batch(() => {
      cy.nodes().forEach((n) => {
        const s = size(Number(n.data(measure)) || 0);
        n.style({ width: s, height: s });
      });
    });
  }
  resize(sizeBy.value);
  sizeBy.addEventListener("change", () => resize(sizeBy.value));
  drawLegend(data.nodes);
  const layout = cy.layout({
    name: "cose",
    animate: false,
    randomize: true,
    nodeRepulsion: () => 8000,
    idealEdgeLength: () => 40,
    numIter: 1500,
    componentSpacing: 60,
  });
  layout.one("layoutstop", () => {
    cy.fit(undefined, 20);
    el.dataset.nodes = String(cy.nodes().length);
    el.dataset.edges = String(cy.edges().length);
    status.textContent = `${cy.nodes().length} people and ${cy.edges().length} ties drawn. Select a person to see their pseudonym; scroll to zoom, drag to move.`;
  });
  layout.run();
  // For tests and for people who want to know: the drawing's counts.
  window.slNetwork = cy;
}

try {
  main();
} catch (err) {
  if (status) status.textContent = "The drawing could not be made; the tables below list everyone.";
  throw err;
}
