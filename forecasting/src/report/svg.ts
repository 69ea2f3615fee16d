/** Small SVG charts written by hand (no canvas, no browser), pure: strings in, strings out. */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const W = 720, H = 320, L = 56, R = 150, T = 36, B = 44;

export interface Line { name: string; values: (number | null)[]; color: string; dash?: boolean }
export interface Band { name: string; lo: (number | null)[]; hi: (number | null)[]; color: string }

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return Math.ceil(v / p) * p;
}

/** Line chart over categorical x labels (weeks) with optional shaded bands (e.g. P10–P90). */
export function lineChart(title: string, labels: string[], lines: Line[], bands: Band[] = [], yLabel = ''): string {
  const all = [...lines.flatMap((l) => l.values), ...bands.flatMap((b) => b.hi)].filter((v): v is number => v !== null && Number.isFinite(v));
  const ymax = niceMax(Math.max(0, ...all));
  const n = Math.max(1, labels.length - 1);
  const x = (i: number) => L + ((W - L - R) * i) / n;
  const y = (v: number) => T + (H - T - B) * (1 - v / ymax);
  const path = (vs: (number | null)[]) => {
    let d = '', pen = false;
    vs.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) { pen = false; return; }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    return d;
  };
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/><text x="${L}" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`);
  for (let k = 0; k <= 4; k++) {
    const v = (ymax * k) / 4;
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${+v.toFixed(2)}</text>`);
  }
  const every = Math.max(1, Math.ceil(labels.length / 8));
  labels.forEach((lb, i) => { if (i % every === 0) parts.push(`<text x="${x(i)}" y="${H - B + 16}" text-anchor="middle">${esc(lb)}</text>`); });
  if (yLabel) parts.push(`<text x="14" y="${T + (H - T - B) / 2}" transform="rotate(-90 14 ${T + (H - T - B) / 2})" text-anchor="middle">${esc(yLabel)}</text>`);
  for (const b of bands) {
    const idx = b.lo.map((v, i) => (v !== null && b.hi[i] !== null ? i : -1)).filter((i) => i >= 0);
    if (!idx.length) continue;
    const up = idx.map((i) => `${x(i).toFixed(1)},${y(b.hi[i]!).toFixed(1)}`);
    const down = [...idx].reverse().map((i) => `${x(i).toFixed(1)},${y(b.lo[i]!).toFixed(1)}`);
    parts.push(`<polygon points="${[...up, ...down].join(' ')}" fill="${b.color}" fill-opacity="0.25" stroke="none"><title>${esc(b.name)}</title></polygon>`);
  }
  for (const l of lines) parts.push(`<path d="${path(l.values)}" fill="none" stroke="${l.color}" stroke-width="1.8"${l.dash ? ' stroke-dasharray="5,3"' : ''}><title>${esc(l.name)}</title></path>`);
  [...bands.map((b) => ({ name: b.name, color: b.color, band: true })), ...lines.map((l) => ({ name: l.name, color: l.color, band: false }))].forEach((e, i) => {
    const yy = T + 10 + i * 18;
    parts.push(e.band ? `<rect x="${W - R + 12}" y="${yy - 8}" width="16" height="10" fill="${e.color}" fill-opacity="0.25"/>` : `<line x1="${W - R + 12}" x2="${W - R + 28}" y1="${yy - 3}" y2="${yy - 3}" stroke="${e.color}" stroke-width="2"/>`);
    parts.push(`<text x="${W - R + 34}" y="${yy}">${esc(e.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Reliability diagram: mean predicted probability vs observed rate per bin, with the diagonal. */
export function calibrationChart(title: string, curves: { name: string; color: string; bins: { meanPredicted: number; observedRate: number; n: number }[] }[]): string {
  const S = 300, P = 50, size = S + 2 * P;
  const maxV = niceMax(Math.max(0.05, ...curves.flatMap((c) => c.bins.flatMap((b) => [b.meanPredicted, b.observedRate])))) ;
  const m = Math.min(1, maxV);
  const x = (v: number) => P + (S * v) / m, y = (v: number) => P + S - (S * v) / m;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${size + 240}" height="${size}" viewBox="0 0 ${size + 240} ${size}" font-family="sans-serif" font-size="11">`,
    `<rect width="${size + 240}" height="${size}" fill="white"/><text x="${P}" y="24" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<rect x="${P}" y="${P}" width="${S}" height="${S}" fill="none" stroke="#999"/>`,
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(m)}" y2="${y(m)}" stroke="#bbb" stroke-dasharray="4,3"/>`,
    `<text x="${P + S / 2}" y="${size - 12}" text-anchor="middle">mean predicted probability</text>`,
    `<text x="14" y="${P + S / 2}" transform="rotate(-90 14 ${P + S / 2})" text-anchor="middle">observed no-show rate</text>`];
  for (let k = 0; k <= 4; k++) {
    const v = (m * k) / 4;
    parts.push(`<text x="${x(v)}" y="${P + S + 14}" text-anchor="middle">${+v.toFixed(2)}</text><text x="${P - 6}" y="${y(v) + 4}" text-anchor="end">${+v.toFixed(2)}</text>`);
  }
  curves.forEach((c, i) => {
    const pts = c.bins.map((b) => `${x(b.meanPredicted).toFixed(1)},${y(b.observedRate).toFixed(1)}`);
    parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${c.color}" stroke-width="1.8"/>`);
    for (const b of c.bins) parts.push(`<circle cx="${x(b.meanPredicted).toFixed(1)}" cy="${y(b.observedRate).toFixed(1)}" r="${Math.min(6, 2 + Math.log10(1 + b.n))}" fill="${c.color}"><title>n=${b.n}</title></circle>`);
    parts.push(`<line x1="${size + 4}" x2="${size + 20}" y1="${P + 10 + i * 18}" y2="${P + 10 + i * 18}" stroke="${c.color}" stroke-width="2"/><text x="${size + 26}" y="${P + 14 + i * 18}">${esc(c.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
