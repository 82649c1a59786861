/** Hash routes of the app (pure, unit-tested): `#/runs/3/results` → { view: 'results', id: 3 }. */
export type Route =
  | { view: 'experiments' }
  | { view: 'compare'; ids: number[] }
  | { view: 'new' }
  | { view: 'monitor'; id: number }
  | { view: 'results'; id: number }
  | { view: 'dataset'; id: number | null }
  | { view: 'sweeps'; id: number | null }
  | { view: 'live' }
  | { view: 'settings' };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  const params = new URLSearchParams(query);
  const id = (s: string | undefined) => (s && /^\d+$/.test(s) ? Number(s) : null);
  switch (parts[0]) {
    case 'compare':
      return { view: 'compare', ids: (params.get('ids') ?? '').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0) };
    case 'new':
      return { view: 'new' };
    case 'runs': {
      const n = id(parts[1]);
      if (n === null) return { view: 'experiments' };
      return parts[2] === 'results' ? { view: 'results', id: n } : { view: 'monitor', id: n };
    }
    case 'datasets':
      return { view: 'dataset', id: id(parts[1]) };
    case 'sweeps':
      return { view: 'sweeps', id: id(parts[1]) };
    case 'live':
      return { view: 'live' };
    case 'settings':
      return { view: 'settings' };
    default:
      return { view: 'experiments' };
  }
}
