// KPI cards with target bands. Takes data, returns DOM (htl from node_modules).
import {html} from "htl";
import {band, BAND_LABEL} from "./bands.js";

/** A KPI card: `share` (0..1) decides the band unless `bandOf` is given; `value` is the text shown. */
export function kpiCard({label, value, share = null, note = "", bandOf = null}) {
  const b = bandOf ?? (share === null ? "neutro" : band(share));
  return html`<div class="kpi ${b}" data-kpi=${label} data-band=${b}>
    <div class="label">${label}</div>
    <div class="value">${value}</div>
    <div class="kpi-note">${b === "neutro" ? note : `${BAND_LABEL[b]}${note ? ` · ${note}` : ""}`}</div>
  </div>`;
}
