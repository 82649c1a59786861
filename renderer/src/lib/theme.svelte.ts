/** Light/dark theme: follows the system until the user picks one (kept in localStorage). */
type Theme = 'light' | 'dark';

class ThemeState {
  #choice = $state<Theme | null>(null);
  #system = $state<Theme>('light');

  constructor() {
    if (typeof window === 'undefined') return;
    const saved = localStorage.getItem('vox-theme');
    if (saved === 'light' || saved === 'dark') this.#choice = saved;
    const mq = matchMedia('(prefers-color-scheme: dark)');
    this.#system = mq.matches ? 'dark' : 'light';
    mq.addEventListener('change', (e) => (this.#system = e.matches ? 'dark' : 'light'));
  }

  get current(): Theme {
    return this.#choice ?? this.#system;
  }

  set(t: Theme): void {
    this.#choice = t;
    localStorage.setItem('vox-theme', t);
  }

  toggle(): void {
    this.set(this.current === 'dark' ? 'light' : 'dark');
  }
}

export const theme = new ThemeState();
