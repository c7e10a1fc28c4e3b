import type { CheckReport, TopologyReport } from '../report/report-model.ts';
import { escapeHtml } from './escape.ts';

/** Where a node sits in the picture. */
interface Point {
  x: number;
  y: number;
}

const width = 720;
const height = 300;
const router: Point = { x: width / 2, y: 175 };
const boxWidth = 170;
const boxHeight = 64;
/** Slots around the router: the tunnel's ends left and right, then below, the corners, above. */
const slots: Point[] = [
  { x: 105, y: 120 },
  { x: 615, y: 120 },
  { x: 360, y: 262 },
  { x: 105, y: 252 },
  { x: 615, y: 252 },
  { x: 360, y: 40 },
  { x: 150, y: 40 },
  { x: 570, y: 40 },
];

/** Endpoint positions: the tunnel's ends first, then the others in scenario order; more than eight go on a circle. */
function layout(topology: TopologyReport): Map<string, Point> {
  const names = [
    ...topology.tunnel,
    ...topology.endpoints.map((endpoint) => endpoint.name).filter((name) => !topology.tunnel.includes(name)),
  ];
  return new Map(
    names.map((name, index) => [
      name,
      slots[index] ?? {
        x: router.x + Math.cos((index / names.length) * 2 * Math.PI) * 300,
        y: router.y + Math.sin((index / names.length) * 2 * Math.PI) * 110,
      },
    ]),
  );
}

/** The tunnel's curve: over the router, from one end to the other. */
function tunnelCurve(from: Point, to: Point): string {
  const top = Math.min(from.y, to.y) - boxHeight / 2;
  return `M ${from.x} ${from.y - boxHeight / 2} Q ${(from.x + to.x) / 2} ${top - 95} ${to.x} ${to.y - boxHeight / 2}`;
}

const arrowColours = { tunnel: '#1a9b4b', internet: '#2a6fdb', both: '#e08a00', expected: '#7a8799' };

export interface PathOverlay {
  check: Pick<CheckReport, 'from' | 'to' | 'observed' | 'expected' | 'pass'>;
}

/**
 * The lab as an SVG picture: the internet (the router) in the middle, each endpoint linked to it by its
 * public address, the WireGuard tunnel as a dashed curve between its ends. With a check, the path the request
 * took is drawn over it: green through the tunnel, blue across the internet, a red cross where it got nowhere;
 * when that is not what was expected, the expected path is drawn dotted in grey.
 */
export function topologySvg(topology: TopologyReport, overlay?: PathOverlay, title = 'lab topology'): string {
  const at = layout(topology);
  const parts: string[] = [];
  const [dialer, listener] = topology.tunnel;
  const tunnel = dialer && listener ? tunnelCurve(at.get(dialer)!, at.get(listener)!) : undefined;
  for (const endpoint of topology.endpoints) {
    const p = at.get(endpoint.name)!;
    parts.push(`<line class="link" x1="${p.x}" y1="${p.y}" x2="${router.x}" y2="${router.y}"/>`);
    // The link's conditions are on its public side: under the NAT where there is one.
    const conditions = linkText(endpoint.link);
    const nat = endpoint.nat ? natPoint(p) : undefined;
    if (conditions)
      parts.push(
        nat
          ? `<text class="link-label" x="${nat.x}" y="${nat.y + natHeight / 2 + 11}">${escapeHtml(conditions)}</text>`
          : `<text class="link-label" x="${(p.x + router.x) / 2}" y="${(p.y + router.y) / 2 - 4}">${escapeHtml(conditions)}</text>`,
      );
  }
  if (tunnel) {
    parts.push(`<path class="tunnel" d="${tunnel}"/>`);
    const ports = topology.tunnel
      .map((name) => topology.endpoints.find((endpoint) => endpoint.name === name)?.listenPort)
      .filter(Boolean);
    const top = Math.min(at.get(dialer!)!.y, at.get(listener!)!.y) - boxHeight / 2;
    parts.push(
      `<text class="tunnel-label" x="${router.x}" y="${(top + top - 95) / 2 - 8}">WireGuard tunnel${ports.length ? ` (UDP ${ports.join(' ⇄ ')})` : ''}</text>`,
    );
  }
  if (overlay) parts.push(drawPath(overlay.check, at, tunnel));
  parts.push(
    `<circle class="router" cx="${router.x}" cy="${router.y}" r="30"/><text class="router-label" x="${router.x}" y="${router.y + 4}">internet</text><text class="router-resolver" x="${router.x}" y="${router.y + 16}">ISP resolver</text>`,
  );
  const drops = [
    topology.internet?.icmp === 'drop' ? 'ICMP errors' : '',
    topology.internet?.fragments === 'drop' ? 'fragments' : '',
  ].filter(Boolean);
  if (drops.length > 0)
    parts.push(
      `<text class="router-drops" x="${router.x}" y="${router.y + 46}">drops ${escapeHtml(drops.join(' and '))}</text>`,
    );
  for (const endpoint of topology.endpoints) {
    const p = at.get(endpoint.name)!;
    const wg = endpoint.wgIp
      ? `wg ${endpoint.wgIp}${endpoint.listenPort ? `:${endpoint.listenPort}` : ''}`
      : topology.tunnel.includes(endpoint.name)
        ? 'WireGuard'
        : 'no WireGuard';
    const tags = [
      endpoint.serves ? `serves ${endpoint.serves}` : '',
      endpoint.transparent ? 'transparent' : '',
      endpoint.resolver ? 'resolver' : '',
      endpoint.nat ? `inside ${endpoint.nat.address}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    if (endpoint.nat) {
      // The NAT: a node of its own on the endpoint's link, holding the public address.
      const n = natPoint(p);
      const details = [
        endpoint.nat.udpTimeout === undefined ? '' : `UDP ${endpoint.nat.udpTimeout} s`,
        endpoint.nat.forward.length ? `fwd ${endpoint.nat.forward.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join(' · ');
      parts.push(`<g class="nat" data-node="${escapeHtml(`${endpoint.name}-nat`)}">
<rect x="${n.x - natWidth / 2}" y="${n.y - natHeight / 2}" width="${natWidth}" height="${natHeight}" rx="5"/>
<text class="name" x="${n.x}" y="${n.y - (details ? 2 : -4)}">NAT ${escapeHtml(endpoint.publicIp)}</text>
${details ? `<text class="tags" x="${n.x}" y="${n.y + 9}">${escapeHtml(details)}</text>\n` : ''}</g>`);
    }
    const role =
      overlay?.check.from === endpoint.name ? ' client' : overlay?.check.to === endpoint.name ? ' server' : '';
    parts.push(`<g class="node${role}" data-node="${escapeHtml(endpoint.name)}">
<rect x="${p.x - boxWidth / 2}" y="${p.y - boxHeight / 2}" width="${boxWidth}" height="${boxHeight}" rx="8"/>
<text class="name" x="${p.x}" y="${p.y - 12}">${escapeHtml(endpoint.name)} · ${escapeHtml(endpoint.publicIp)}</text>
<text x="${p.x}" y="${p.y + 6}">${escapeHtml(wg)}</text>
<text class="tags" x="${p.x}" y="${p.y + 22}">${escapeHtml(tags)}</text>
</g>`);
  }
  // Without a tunnel curve above them, and with no endpoint in the top row, the picture starts lower.
  const top = tunnel || [...at.values()].some((point) => point.y < router.y - 100) ? 0 : 70;
  return `<svg class="topology" viewBox="0 ${top} ${width} ${height - top}" role="img" aria-label="${escapeHtml(title)}" xmlns="http://www.w3.org/2000/svg">
<defs>${Object.entries(arrowColours)
    .map(
      ([name, colour]) =>
        `<marker id="wglab-arrow-${name}" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="4" markerHeight="4" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="${colour}"/></marker>`,
    )
    .join('')}</defs>
${parts.join('\n')}
</svg>`;
}

const natWidth = 126;
const natHeight = 24;

/** Where an endpoint's NAT sits: on its link to the router, just outside the endpoint's box. */
function natPoint(endpoint: Point): Point {
  const dx = router.x - endpoint.x;
  const dy = router.y - endpoint.y;
  const length = Math.hypot(dx, dy) || 1;
  const [ux, uy] = [dx / length, dy / length];
  const leaves = Math.min(
    ux === 0 ? Infinity : boxWidth / 2 / Math.abs(ux),
    uy === 0 ? Infinity : boxHeight / 2 / Math.abs(uy),
  );
  const along = leaves + (natWidth * Math.abs(ux) + natHeight * Math.abs(uy)) / 2 + 1;
  return { x: endpoint.x + ux * along, y: endpoint.y + uy * along };
}

/** `MTU 1492 · delay 20ms±5ms · loss 1%`: a link's conditions as the picture labels the link. */
export function linkText(link: TopologyReport['endpoints'][number]['link']): string {
  if (!link) return '';
  return [
    link.mtu === undefined ? '' : `MTU ${link.mtu}`,
    link.delay === undefined ? '' : `delay ${link.delay}${link.jitter ? `±${link.jitter}` : ''}`,
    link.loss === undefined ? '' : `loss ${link.loss}`,
  ]
    .filter(Boolean)
    .join(' · ');
}

function drawPath(check: PathOverlay['check'], at: Map<string, Point>, tunnel: string | undefined): string {
  const from = at.get(check.from);
  const to = at.get(check.to);
  if (!from || !to) return '';
  const route = (path: string, cssClass: string, arrow: keyof typeof arrowColours) => {
    if (path === 'tunnel' && tunnel) {
      // The tunnel curve runs dialer -> listener; a request the other way reverses the arrow.
      return `<path class="${cssClass}" d="${tunnel}" ${from.x > to.x ? 'marker-start' : 'marker-end'}="url(#wglab-arrow-${arrow})"/>`;
    }
    if (path === 'internet' || path === 'tunnel') {
      return `<polyline class="${cssClass}" points="${from.x},${from.y} ${router.x},${router.y} ${to.x},${to.y}" marker-end="url(#wglab-arrow-${arrow})"/>`;
    }
    return '';
  };
  const drawn: string[] = [];
  if (check.expected.path !== check.observed.path) drawn.push(route(check.expected.path, 'expected-path', 'expected'));
  const observed = check.observed.path;
  if (observed === 'tunnel' || observed === 'internet') {
    drawn.push(route(observed, `path path-${observed}`, observed));
  } else if (observed === 'both') {
    drawn.push(route('tunnel', 'path path-both', 'both'), route('internet', 'path path-both', 'both'));
  } else {
    // none or unclear: a cross just off the client, on its way out.
    const x = from.x + (router.x - from.x) * 0.6;
    const y = from.y + (router.y - from.y) * 0.6;
    drawn.push(
      `<g class="path path-${observed}"><line x1="${from.x}" y1="${from.y}" x2="${x}" y2="${y}"/><path class="cross" d="M ${x - 11} ${y - 11} L ${x + 11} ${y + 11} M ${x + 11} ${y - 11} L ${x - 11} ${y + 11}"/></g>`,
    );
  }
  return drawn.join('\n');
}

/** The picture's styles, for the report's one stylesheet. */
export const topologyCss = `
svg.topology { width: 100%; max-width: 720px; height: auto; display: block; }
svg.topology .link { stroke: #b8c0cc; stroke-width: 3; }
svg.topology .tunnel { fill: none; stroke: #7a8799; stroke-width: 2; stroke-dasharray: 7 5; }
svg.topology text { font: 12px system-ui, sans-serif; text-anchor: middle; fill: #1d2733; }
svg.topology .tunnel-label { fill: #4b5868; font-style: italic; }
svg.topology .router { fill: #eef2f7; stroke: #7a8799; stroke-width: 2; }
svg.topology .router-label { font-weight: 600; }
svg.topology .router-drops, svg.topology .link-label { fill: #b3261e; font-size: 11px; }
svg.topology .router-resolver { fill: #555; font-size: 8px; text-anchor: middle; }
svg.topology .node rect { fill: #ffffff; stroke: #7a8799; stroke-width: 1.5; }
svg.topology .node.client rect { stroke: #1d2733; stroke-width: 3; }
svg.topology .node.server rect { stroke: #1d2733; stroke-width: 3; fill: #f6f8fb; }
svg.topology .node .name { font-weight: 600; font-size: 13px; }
svg.topology .node .tags { fill: #4b5868; font-size: 11px; }
svg.topology .nat rect { fill: #fff8e6; stroke: #b07d00; stroke-width: 1.5; }
svg.topology .nat .name { font-weight: 600; font-size: 10px; }
svg.topology .nat .tags { fill: #6b5200; font-size: 9px; }
svg.topology .path { fill: none; stroke-width: 5; stroke-linecap: round; opacity: 0.85; }
svg.topology .path-tunnel { stroke: #1a9b4b; }
svg.topology .path-internet { stroke: #2a6fdb; }
svg.topology .path-both, svg.topology .path-unclear { stroke: #e08a00; }
svg.topology .path-none line, svg.topology .path-none .cross { stroke: #d0312d; stroke-width: 5; }
svg.topology .path-unclear line, svg.topology .path-unclear .cross { stroke: #e08a00; stroke-width: 5; }
svg.topology .expected-path { fill: none; stroke: #7a8799; stroke-width: 3; stroke-dasharray: 2 6; stroke-linecap: round; }
`;
