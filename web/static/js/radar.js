// The radar chart of the ten rule grades as inline SVG (no library): one
// axis per rule, A on the rim and D near the centre, like the seeds'
// diagnosis report. Labels are text nodes.
import {svg} from './dom.js';

const POINTS = {A: 4, B: 3, C: 2, D: 1};

export function radar(rules, labelOf, title, description) {
  const size = 420;
  const c = size / 2;
  const r = 130;
  const n = rules.length;
  const angle = (i) => (Math.PI * 2 * i) / n - Math.PI / 2;
  const at = (i, value) => [c + Math.cos(angle(i)) * r * value / 4,
    c + Math.sin(angle(i)) * r * value / 4];
  const children = [svg('title', {id: 'radar-title'}, title),
    svg('desc', {id: 'radar-desc'}, description)];
  for (let ring = 1; ring <= 4; ring++) {
    const pts = rules.map((_, i) => at(i, ring).join(',')).join(' ');
    children.push(svg('polygon', {points: pts, class: 'ring'}));
    children.push(svg('text', {x: c + 3, y: c - (r * ring) / 4 + 4, class: 'ring-label'},
      'DCBA'[ring - 1]));
  }
  rules.forEach((rule, i) => {
    const [x, y] = at(i, 4);
    children.push(svg('line', {x1: c, y1: c, x2: x, y2: y, class: 'axis'}));
    const [lx, ly] = at(i, 4.85);
    const anchor = Math.abs(lx - c) < 10 ? 'middle' : lx > c ? 'start' : 'end';
    children.push(svg('text', {x: lx, y: ly + 4, 'text-anchor': anchor, class: 'label'},
      `${labelOf(rule)} ${rule.grade}`));
  });
  const shape = rules.map((rule, i) => at(i, POINTS[rule.grade] || 1).join(',')).join(' ');
  children.push(svg('polygon', {points: shape, class: 'grades'}));
  // Room beside the circle for the longest label ("Use of removable media
  // D" at 16px is about 190 units; -150 cut its first letter off).
  return svg('svg', {viewBox: `-220 0 ${size + 440} ${size}`, role: 'img',
    'aria-labelledby': 'radar-title radar-desc', class: 'radar'}, children);
}

// The overall grade over time as a small line chart (oldest left), A at the
// top. `values` are points 1-4.
export function trendChart(values, title, description) {
  const w = 300;
  const hgt = 110;
  const x = (i) => 20 + (i * (w - 30)) / Math.max(1, values.length - 1);
  const y = (v) => 10 + ((4 - v) * (hgt - 20)) / 3;
  const children = [svg('title', {id: 'trend-title'}, title), svg('desc', {id: 'trend-desc'}, description)];
  ['A', 'B', 'C', 'D'].forEach((g, i) => {
    children.push(svg('line', {x1: 18, x2: w, y1: y(4 - i), y2: y(4 - i), class: 'ring'}));
    children.push(svg('text', {x: 2, y: y(4 - i) + 4, class: 'ring-label'}, g));
  });
  children.push(svg('polyline', {points: values.map((v, i) => `${x(i)},${y(v)}`).join(' '), class: 'trend'}));
  return svg('svg', {viewBox: `0 0 ${w} ${hgt}`, role: 'img', class: 'trend-chart',
    'aria-labelledby': 'trend-title trend-desc'}, children);
}
