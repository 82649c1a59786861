/** Hash routing (works from app:// and http:// alike, and survives reloads): `#/runs/3/results`. */
import { parseRoute, type Route } from './route.js';

export type { Route };

class Router {
  #hash = $state(typeof location === 'undefined' ? '' : location.hash);
  constructor() {
    if (typeof window !== 'undefined') window.addEventListener('hashchange', () => (this.#hash = location.hash));
  }
  get route(): Route {
    return parseRoute(this.#hash);
  }
  go(hash: string): void {
    location.hash = hash;
  }
}

export const router = new Router();
