/** A dependency-free SVG bar chart: one panel per figure, Switchboard and socket.io side by side. */
import type { ChartBar } from './scenarios/common.js';

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const compact = (n: number): string =>
  n >= 1e6
    ? `${(n / 1e6).toFixed(2)}M`
    : n >= 1e4
      ? `${(n / 1e3).toFixed(1)}k`
      : n >= 100
        ? n.toFixed(0)
        : n.toFixed(2);

/** Renders the bars as horizontal pairs, each pair scaled to its own larger value. */
export function renderChart(bars: ChartBar[]): string {
  const width = 760;
  const rowHeight = 62;
  const left = 150;
  const barMax = width - left - 110;
  const height = 40 + bars.length * rowHeight + 20;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    '<title>Switchboard and socket.io 4, side by side, per benchmark scenario</title>',
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<rect x="${left}" y="10" width="12" height="12" fill="#2b6cb0"/><text x="${left + 18}" y="21">Switchboard</text>`,
    `<rect x="${left + 120}" y="10" width="12" height="12" fill="#a0aec0"/><text x="${left + 138}" y="21">socket.io 4</text>`,
  ];
  bars.forEach((bar, i) => {
    const y = 40 + i * rowHeight;
    const max = Math.max(bar.switchboard, bar.socketio, Number.MIN_VALUE);
    const w = (v: number) => Math.max(1, (v / max) * barMax);
    parts.push(
      `<text x="${left - 8}" y="${y + 18}" text-anchor="end" font-weight="bold">${xmlEscape(bar.label)}</text>`,
      `<text x="${left - 8}" y="${y + 34}" text-anchor="end" fill="#555" font-size="10">${xmlEscape(bar.unit)}</text>`,
      `<rect x="${left}" y="${y + 4}" width="${w(bar.switchboard).toFixed(1)}" height="20" fill="#2b6cb0"/>`,
      `<text x="${left + w(bar.switchboard) + 6}" y="${y + 19}">${compact(bar.switchboard)}</text>`,
      `<rect x="${left}" y="${y + 28}" width="${w(bar.socketio).toFixed(1)}" height="20" fill="#a0aec0"/>`,
      `<text x="${left + w(bar.socketio) + 6}" y="${y + 43}">${compact(bar.socketio)}</text>`,
    );
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}
