/**
 * The HTML of `rnnlm view`'s page, in chunks (a large model is never one
 * string): a head with a Content-Security-Policy that allows the page's own
 * inline script and styles, WebAssembly, and data: images, and nothing from
 * anywhere else (no request can leave the page); two JSON data blocks (the
 * page's data, then the checkpoint); the bundled script.
 *
 * Data blocks are raw text to the HTML parser up to the first "</script":
 * every '<' in them is written \u003c, which JSON reads back as '<' (JSON
 * has '<' only inside strings). The bundle is checked at build time to hold
 * no "</script" or "<!--".
 */

export interface PageParts {
  /** The page's script (dist/page/page.js). */
  bundle: string;
  /** The checkpoint's JSON text, in chunks. */
  checkpoint: Iterable<string>;
  /** #rnnlm-data: title, subtitle, text, card, parameters (see src/page/main.ts). */
  data: { title: string; subtitle: string; text: string; card: { info: string; curve: string | null }; parameters: number };
}

export const PAGE_CSP = "default-src 'none'; script-src 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'unsafe-inline'; img-src data:";

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON text made safe inside <script type="application/json">. */
export const scriptSafe = (json: string): string => json.replace(/</g, '\\u003c');

export function* pageHtml(p: PageParts): Generator<string, void, undefined> {
  yield '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n';
  yield `<meta http-equiv="Content-Security-Policy" content="${PAGE_CSP}">\n`;
  yield '<meta name="viewport" content="width=device-width, initial-scale=1">\n';
  yield `<meta name="generator" content="rnnlm view">\n<title>${escapeHtml(p.data.title)}</title>\n</head>\n`;
  yield '<body data-ready="false">\n<noscript>This page runs the model in JavaScript: allow scripts for this file to see it.</noscript>\n';
  yield `<script type="application/json" id="rnnlm-data">${scriptSafe(JSON.stringify(p.data))}</script>\n`;
  yield '<script type="application/json" id="rnnlm-model">';
  for (const chunk of p.checkpoint) yield scriptSafe(chunk);
  yield '</script>\n<script>';
  yield p.bundle;
  yield '</script>\n</body>\n</html>\n';
}
