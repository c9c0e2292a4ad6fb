import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { brokenLinks, headingSlug, markdownAnchors, markdownLinks } from '../support/markdown-links.js';

/*
 * The docs as a reader meets them in the repository: every relative link and image points at a
 * file that exists (and at a heading that exists), every page says first whom it is for, and
 * docs/ stays short enough to read. What the npm package ships is checked by
 * test/release/package.release-spec.ts.
 */
const root = process.cwd();
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const pages = readdirSync(join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => `docs/${name}`);

describe('the docs', () => {
  it('link only to files and headings that exist', () => {
    const files = ['README.md', 'CHANGELOG.md', 'bench/README.md', ...pages];
    expect(brokenLinks(files, read, (path) => existsSync(join(root, path)))).toEqual([]);
  });

  it('open each page with whom it is for', () => {
    for (const page of pages) {
      const [title, blank, first] = read(page).split('\n');
      expect([page, title.startsWith('# '), blank, first.startsWith('For ')]).toEqual([page, true, '', true]);
    }
  });

  it('stay under 150 KB of Markdown in all (the screenshots aside)', () => {
    const bytes = pages.reduce((sum, page) => sum + statSync(join(root, page)).size, 0);
    expect(bytes).toBeLessThan(150 * 1024);
  });
});

describe('the link check', () => {
  it('finds links and images outside code, also when their text wraps', () => {
    const text = [
      'See [the API](http-api.md#routes) and ![a screenshot](shots/a.png).',
      'A [link that',
      'wraps](operations.md).',
      '`[not a link](x.md)` and [`code` in the text](y.md)',
      '```ts',
      'const x = [a](b);',
      '```',
    ].join('\n');
    expect(markdownLinks(text)).toEqual([
      { target: 'http-api.md#routes', image: false, line: 1 },
      { target: 'shots/a.png', image: true, line: 1 },
      { target: 'operations.md', image: false, line: 2 },
      { target: 'y.md', image: false, line: 4 },
    ]);
  });

  it("makes GitHub's anchors of headings", () => {
    expect(headingSlug('`VerificationService` and `TokenService`')).toBe('verificationservice-and-tokenservice');
    expect(headingSlug('Roadmap / not yet')).toBe('roadmap--not-yet');
    expect(headingSlug("The project's own tests")).toBe('the-projects-own-tests');
    expect([...markdownAnchors('# A\n## B\n## B\n```\n# not a heading\n```\n<a id="c"></a>')]).toEqual([
      'a',
      'b',
      'b-1',
      'c',
    ]);
  });

  it('reports a missing file and a missing heading', () => {
    const files: Record<string, string> = { 'docs/a.md': '[x](b.md#nowhere) [y](missing.md)', 'docs/b.md': '# B' };
    const broken = brokenLinks(
      ['docs/a.md'],
      (path) => files[path],
      (path) => path in files,
    );
    expect(broken.map(({ target }) => target)).toEqual(['b.md#nowhere', 'missing.md']);
  });
});
