/**
 * Server rendering: a route component inside the HTML document, with the island bundle.
 *
 * @module
 */
import type { ComponentChildren } from "preact";
import { renderToString } from "preact-render-to-string";

/** Where the document's assets are. */
export interface DocumentAssets {
  /** URL of the island bundle, with a version query so a rebuild is never served stale. */
  script: string | null;
  styles: string;
  icon: string;
}

/** Renders a full HTML page. `bodyData` becomes `data-*` attributes the browser code reads. */
export function renderDocument(
  title: string,
  assets: DocumentAssets,
  bodyData: Record<string, string>,
  children: ComponentChildren,
): string {
  const data = Object.fromEntries(
    Object.entries(bodyData).map(([key, value]) => [`data-${key}`, value]),
  );
  const html = renderToString(
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <title>{title}</title>
        <link rel="stylesheet" href={assets.styles} />
        <link rel="icon" href={assets.icon} type="image/svg+xml" />
        {assets.script && <script type="module" src={assets.script} defer />}
      </head>
      <body {...data}>{children}</body>
    </html>,
  );
  return `<!DOCTYPE html>${html}`;
}
