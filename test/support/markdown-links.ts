import { posix } from 'node:path';

/** A link or image in a Markdown file, outside code. */
export interface MarkdownLink {
  /** The target as written: `docs/x.md#anchor`, `screenshots/a.png`, `https://...`. */
  target: string;
  image: boolean;
  line: number;
}

/** A relative link that points at nothing: the file is missing, or it has no such anchor. */
export interface BrokenLink {
  file: string;
  line: number;
  target: string;
  why: string;
}

const FENCE = /^\s*(```|~~~)/;
const LINK = /(!?)\[(?:[^\]`]|`[^`]*`)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;

/** The text with its fenced code blocks emptied (their lines kept, so line numbers hold). */
function prose(text: string): string {
  let fenced = false;
  return text
    .split('\n')
    .map((line) => {
      const fence = FENCE.test(line);
      if (fence) fenced = !fenced;
      return fenced || fence ? '' : line;
    })
    .join('\n');
}

/** Every link and image of a Markdown text, outside code blocks and code spans; link texts may wrap. */
export function markdownLinks(text: string): MarkdownLink[] {
  const body = prose(text);
  const spans = [...body.matchAll(/`[^`]*`/g)].map((span) => [span.index, span.index + span[0].length]);
  return [...body.matchAll(LINK)]
    .filter((match) => !spans.some(([start, end]) => match.index > start && match.index < end))
    .map((match) => ({
      target: match[2],
      image: match[1] === '!',
      line: body.slice(0, match.index).split('\n').length,
    }));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingSlug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors a Markdown text defines: its headings' slugs (numbered when repeated) and `<a id>`s. */
export function markdownAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of prose(text).split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const slug = headingSlug(heading[1]);
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    for (const [, id] of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id);
  }
  return anchors;
}

/**
 * The relative links and images of `files` (paths relative to the root, `/`-separated) that point
 * at no file of `exists`, or at an anchor the target Markdown file lacks. `read` gives a file's text.
 * External links (`https:`, `mailto:`) are not followed.
 */
export function brokenLinks(
  files: string[],
  read: (path: string) => string,
  exists: (path: string) => boolean,
  options: { images?: boolean } = {},
): BrokenLink[] {
  const broken: BrokenLink[] = [];
  const anchors = new Map<string, Set<string>>();
  const anchorsOf = (path: string) => {
    if (!anchors.has(path)) anchors.set(path, markdownAnchors(read(path)));
    return anchors.get(path)!;
  };
  for (const file of files) {
    for (const { target, image, line } of markdownLinks(read(file))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || (image && options.images === false)) continue;
      const [path, anchor] = target.split('#', 2);
      const resolved = path ? posix.normalize(posix.join(posix.dirname(file), decodeURI(path))) : file;
      if (!exists(resolved)) broken.push({ file, line, target, why: `no file ${resolved}` });
      else if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor)) {
        broken.push({ file, line, target, why: `no heading or <a id> "${anchor}" in ${resolved}` });
      }
    }
  }
  return broken;
}
