/**
 * The documentation's relative links resolve: every `[text](target)` and image in README.md and docs/*.md that
 * is not a URL points to an existing file, and a `#fragment` names a heading of its target (GitHub's slugs).
 * Code blocks and code spans are skipped. Pure file reads: no build needed.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/ser.js';

const docsDir = join(repoRoot, 'docs');
const pages = [join(repoRoot, 'README.md'), ...readdirSync(docsDir).filter((f) => f.endsWith('.md')).map((f) => join(docsDir, f))];

/** The text outside fenced code blocks, line by line (fenced lines become empty, so line numbers hold). */
function proseLines(md: string): string[] {
  let fence: string | null = null;
  return md.split('\n').map((line) => {
    const m = /^\s*(`{3,}|~{3,})/.exec(line);
    if (m) {
      if (fence === null) fence = m[1]![0]!;
      else if (m[1]![0] === fence) fence = null;
      return '';
    }
    return fence === null ? line : '';
  });
}

/** GitHub's heading anchors (github-slugger): lower case, punctuation dropped, spaces → '-', repeats get -1, -2… */
function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of proseLines(md)) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const text = h[1]!.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

interface Link {
  page: string;
  line: number;
  target: string;
}

function links(page: string): Link[] {
  const out: Link[] = [];
  proseLines(readFileSync(page, 'utf8')).forEach((line, i) => {
    const prose = line.replace(/(`+)[^`]*?\1/g, ''); // inline code spans
    for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ page, line: i + 1, target: m[1]! });
  });
  return out;
}

const isExternal = (t: string) => /^[a-z][a-z0-9+.-]*:/i.test(t);
const where = (l: Link) => `${relative(repoRoot, l.page)}:${l.line}: ${l.target}`;

describe('documentation links', () => {
  const all = pages.flatMap(links);

  it('finds the pages and their links', () => {
    expect(pages.length).toBeGreaterThan(5);
    expect(all.filter((l) => !isExternal(l.target)).length).toBeGreaterThan(20);
  });

  it('every relative link points to an existing file', () => {
    const broken = all
      .filter((l) => !isExternal(l.target) && !l.target.startsWith('#'))
      .filter((l) => !existsSync(resolve(dirname(l.page), decodeURIComponent(l.target.split('#')[0]!))))
      .map(where);
    expect(broken).toEqual([]);
  });

  it('every #fragment names a heading of the page it points to', () => {
    const cache = new Map<string, Set<string>>();
    const broken = all
      .filter((l) => !isExternal(l.target) && l.target.includes('#'))
      .filter((l) => {
        const [path, fragment] = l.target.split('#') as [string, string];
        const file = path ? resolve(dirname(l.page), decodeURIComponent(path)) : l.page;
        if (!file.endsWith('.md') || !existsSync(file)) return false; // a missing file is the test above's
        if (!cache.has(file)) cache.set(file, anchors(readFileSync(file, 'utf8')));
        return !cache.get(file)!.has(decodeURIComponent(fragment).toLowerCase());
      })
      .map(where);
    expect(broken).toEqual([]);
  });

  it('images under docs/images stay small (< 300 KB)', () => {
    const dir = join(docsDir, 'images');
    const big = existsSync(dir) ? readdirSync(dir).filter((f) => statSync(join(dir, f)).size >= 300 * 1024) : [];
    expect(big).toEqual([]);
  });
});
