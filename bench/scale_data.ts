/**
 * The rows of bench run 7: comments in the shape the consumer stores them, as PostgreSQL COPY
 * text, made from the project's own test texts (six languages besides English, social-media
 * posts, review snippets) so that the trigram index sees the letters real comments have.
 * A third carry an @mention from a pool of a million, which gives searches with few hits.
 *
 * @module
 */
import { join } from "node:path";
import { SOURCES, TAGS } from "@sentiment/contracts/messages";
import { createRandom } from "@sentiment/kit/random";

/** A text and its language, as the corpus files give them. */
export interface CorpusText {
  text: string;
  language: string;
}

/** Size of the @mention pool: `@u<n>` for n below it. */
export const MENTIONS = 1_000_000;

/** Reads the corpus from sentiment/testdata (tab-separated, text in the third column). */
export async function loadCorpus(projectRoot: string): Promise<CorpusText[]> {
  const dir = join(projectRoot, "sentiment", "testdata");
  const rows = async (file: string, language: (columns: string[]) => string, header: boolean) =>
    (await Deno.readTextFile(join(dir, file))).split("\n").slice(header ? 1 : 0)
      .map((line) => line.split("\t"))
      .filter((columns) => columns.length >= 3 && columns[2].trim() !== "")
      .map((columns) => ({ text: columns[2].trim(), language: language(columns) }));
  const multilingual = await rows("multilingual_comments.tsv", (c) => c[0], true);
  const social = await rows("social_comments.tsv", () => "en", true);
  const reviews = await rows("amazon_review_snippets_sample.tsv", () => "en", false);
  // Half the comments in the other six languages, half English.
  const other = Array.from({
    length: Math.ceil((social.length + reviews.length) / multilingual.length),
  }, () => multilingual).flat();
  return [...other, ...social, ...reviews];
}

/** The columns of each COPY line, in order. */
export const COPY_COLUMNS = [
  "comment_id",
  "text",
  "text_hash",
  "tag",
  "source",
  "created_at",
  "processed_at",
  "consumer_id",
  "retry_count",
  "language",
] as const;

/** Escapes a value for COPY's text format. */
export function copyEscape(value: string): string {
  return value.replace(
    /[\\\t\n\r]/g,
    (char) => char === "\\" ? "\\\\" : char === "\t" ? "\\t" : char === "\n" ? "\\n" : "\\r",
  );
}

export interface RowsOptions {
  /** Rows to make. */
  rows: number;
  corpus: readonly CorpusText[];
  /** The newest row's processed_at (epoch ms); rows are evenly spread over `spanMs` before it. */
  endMs: number;
  spanMs: number;
  seed?: number;
  /** Lines per yielded chunk. */
  chunkRows?: number;
}

/** COPY text lines, oldest row first, in chunks of `chunkRows` lines. */
export function* copyChunks(options: RowsOptions): Generator<string> {
  const { rows, corpus, endMs, spanMs, chunkRows = 5_000 } = options;
  const source = createRandom(options.seed ?? 7);
  const random = () => source.next();
  const escaped = corpus.map((item) => ({ ...item, text: copyEscape(item.text) }));
  const step = spanMs / rows;
  let lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const item = escaped[Math.floor(random() * escaped.length)];
    let text = item.text;
    if (random() < 0.2) text += " " + escaped[Math.floor(random() * escaped.length)].text;
    if (random() < 1 / 3) text += ` @u${Math.floor(random() * MENTIONS)}`;
    const processed = endMs - spanMs + i * step;
    lines.push(
      [
        `s${i}`,
        text,
        i.toString(16).padStart(64, "0"),
        TAGS[Math.floor(random() * TAGS.length)],
        SOURCES[Math.floor(random() * SOURCES.length)],
        new Date(processed - 50).toISOString(),
        new Date(processed).toISOString(),
        "bench-scale",
        "0",
        item.language,
      ].join("\t"),
    );
    if (lines.length === chunkRows) {
      yield lines.join("\n") + "\n";
      lines = [];
    }
  }
  if (lines.length > 0) yield lines.join("\n") + "\n";
}
