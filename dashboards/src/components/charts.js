// Charts (Plot from node_modules). Each returns a container marked with data-chart and the number of data rows,
// so tests can check that every chart rendered with data.
import * as Plot from "@observablehq/plot";
import {html} from "htl";

export function chart(name, rows, options) {
  const el = html`<div class="chart" data-chart=${name} data-rows=${rows.length}></div>`;
  if (!rows.length) {
    el.append(html`<p class="empty">Nessun dato per i filtri scelti.</p>`);
    return el;
  }
  el.append(Plot.plot({width: 900, height: 320, style: {fontSize: "12px"}, ...options}));
  return el;
}

export {Plot};
