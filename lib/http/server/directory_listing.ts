/**
 * The HTML page listing a directory's entries for the static file server.
 *
 * @module
 */
import { formatBytes } from "../../bytes/units.ts";

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Builds the listing page of directory `dir`, shown at URL path `urlPath` (ending in `/`).
 * Directories come first, then files, each sorted by name; at most `max` entries.
 */
export function directoryListing(dir: string, urlPath: string, max: number): string {
  const rows: { name: string; isDir: boolean; size: number; mtime?: Date }[] = [];
  let more = false;
  for (const e of Deno.readDirSync(dir)) {
    if (rows.length >= max) {
      more = true;
      break;
    }
    let info: Deno.FileInfo | undefined;
    try {
      info = Deno.statSync(`${dir}/${e.name}`);
    } catch { /* dangling link */ }
    rows.push({
      name: e.name,
      isDir: info?.isDirectory ?? false,
      size: info?.size ?? 0,
      mtime: info?.mtime ?? undefined,
    });
  }
  rows.sort((a, b) =>
    a.isDir === b.isDir ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.isDir ? -1 : 1
  );
  const title = escapeHtml(`Index of ${urlPath}`);
  const lines = [
    "<!DOCTYPE html>",
    `<html><head><meta charset="utf-8"><title>${title}</title></head><body>`,
    `<h1>${title}</h1>`,
    "<table>",
    "<tr><th>Name</th><th>Size</th><th>Modified</th></tr>",
  ];
  if (urlPath !== "/") lines.push('<tr><td><a href="../">../</a></td><td></td><td></td></tr>');
  for (const r of rows) {
    const href = encodeURIComponent(r.name) + (r.isDir ? "/" : "");
    const label = escapeHtml(r.name + (r.isDir ? "/" : ""));
    const size = r.isDir ? "-" : formatBytes(r.size);
    const when = r.mtime ? r.mtime.toISOString().replace("T", " ").slice(0, 19) : "";
    lines.push(`<tr><td><a href="${href}">${label}</a></td><td>${size}</td><td>${when}</td></tr>`);
  }
  lines.push("</table>");
  if (more) lines.push(`<p>Only the first ${max} entries are shown.</p>`);
  lines.push("</body></html>", "");
  return lines.join("\n");
}
