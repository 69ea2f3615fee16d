// Target bands for compliance shares (DOMAIN.md §1.2): green ≥ 90%, yellow 50-89%, red < 50%. Pure.
export const GREEN = 0.9;
export const YELLOW = 0.5;

/** "verde" | "giallo" | "rosso" for a share in [0, 1]; "neutro" when there is no value. */
export function band(share, green = GREEN, yellow = YELLOW) {
  if (share === null || share === undefined || Number.isNaN(share)) return "neutro";
  return share >= green ? "verde" : share >= yellow ? "giallo" : "rosso";
}

export const BAND_LABEL = {verde: "in linea", giallo: "attenzione", rosso: "critico", neutro: "n.d."};

export const pct = (x, digits = 1) => (x === null || x === undefined || Number.isNaN(x) ? "n.d." : `${(x * 100).toFixed(digits).replace(".", ",")}%`);
const formats = new Map(); // one Intl.NumberFormat per precision: toLocaleString builds a new one on every call (tables call this per cell)
export const num = (x, digits = 0) => {
  if (x === null || x === undefined || Number.isNaN(x)) return "n.d.";
  if (!formats.has(digits)) formats.set(digits, new Intl.NumberFormat("it-IT", {maximumFractionDigits: digits}));
  return formats.get(digits).format(Number(x));
};

export const CLASS_LABEL = {U: "U · Urgente (72 ore)", B: "B · Breve (10 giorni)", D: "D · Differibile (30/60 giorni)", P: "P · Programmata (120 giorni)"};
export const CLASS_COLORS = {U: "#cf222e", B: "#bf8700", D: "#1f6feb", P: "#8250df"};
