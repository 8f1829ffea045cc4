/**
 * `GET /api/comments` (filtered, newest first, keyset-paginated) and `GET /api/comments/:id`.
 *
 * Pages are ordered by `(created_at DESC, comment_id DESC)`, the order of the
 * `comments_*created_idx` indexes, and the cursor is the key of the last item of a page, so a
 * page never repeats or skips a row even while new comments arrive (new ones are newer and land
 * before the first page). Filters: `tag`, `source`, `language`, `from` (inclusive) and `to`
 * (exclusive) on createdAt, `q` (case-insensitive substring of the text, see {@link QParamSchema}).
 * The cursor is opaque to clients: base64url of the last key, with the timestamp at full
 * microsecond precision.
 *
 * Every parameter is validated before it reaches SQL (a bad one is a 400 naming it): text
 * without NUL or unpaired surrogates, bounded lengths, strict formats. Sources and comment ids
 * follow the tolerant-reader policy of the messages (proto's SourceSchema and CommentIdSchema),
 * no stricter: a source is any text of 1–64 characters (trimmed and lowercased, as the consumer
 * stores it), a comment id 1–128 characters of `[A-Za-z0-9_:.-]` (a UUID lowercased).
 *
 * @module
 */
import type postgres from "postgres";
import { z } from "zod";
import type { CommentsPage } from "@sentiment/proto/api";
import {
  CommentIdSchema,
  type ProcessedComment,
  SourceSchema,
  TagSchema,
} from "@sentiment/proto/messages";
import { type CommentRow, rowToComment } from "@sentiment/proto/db/comment_row";
import { commentColumns } from "./comments_store.ts";
import { apiError, BadParameter, json } from "./http.ts";
import { isoDateTime, parseQuery, parseValue, sqlText } from "./params.ts";
import type { Handler } from "./router.ts";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
export const MAX_Q_LENGTH = 200;
/**
 * A source as the consumer stores it (proto's SourceSchema: trimmed, lower case, 1–64
 * characters), and text PostgreSQL can take.
 */
export const SourceParamSchema = sqlText().pipe(SourceSchema);

/**
 * A language as the sentiment service reports it: an ISO 639 code of 2–3 lowercase letters, or
 * "und" (undetermined). Three letters are allowed though the service sends two, so a client
 * asking for a 639-2 code gets an empty page, not an error.
 */
export const LanguageParamSchema = z.string().regex(
  /^[a-z]{2,3}$/,
  'expected an ISO 639 code of 2-3 lowercase letters, or "und"',
);

/**
 * The shortest run of letters or digits `q` must hold: the trigram index (migration 6) can only
 * narrow a search by a word of three or more, and a shorter `q` would read every row.
 */
export const MIN_Q_WORD = 3;
const Q_WORD = new RegExp(String.raw`[\p{L}\p{N}]{${MIN_Q_WORD}}`, "u");

/**
 * `q`: text searched for as a case-insensitive substring of the comment (ILIKE, lower case as
 * the database's Unicode case mapping gives it; `%`, `_` and `\` match themselves). It must
 * hold a word of {@link MIN_Q_WORD} letters or digits in a row, in any script.
 */
export const QParamSchema = sqlText()
  .min(1, "must not be empty")
  .max(MAX_Q_LENGTH)
  .refine(
    (q) => Q_WORD.test(q),
    `must hold a word of at least ${MIN_Q_WORD} letters or digits (a shorter search cannot use the index)`,
  );

/** The key of the last item of a page. */
export interface CursorKey {
  /** created_at as ISO 8601 with microseconds, UTC. */
  t: string;
  id: string;
}

const CursorKeySchema = z.strictObject({
  t: isoDateTime(),
  id: CommentIdSchema,
});

export function encodeCursor(key: CursorKey): string {
  return btoa(JSON.stringify(key)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor(cursor: string): CursorKey {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]*$/.test(cursor)) throw new Error("not base64url");
    parsed = JSON.parse(atob(cursor.replace(/-/g, "+").replace(/_/g, "/")));
  } catch {
    throw new BadParameter("cursor", "cursor is not one this api issued");
  }
  const result = CursorKeySchema.safeParse(parsed);
  if (!result.success) throw new BadParameter("cursor", "cursor is not one this api issued");
  return result.data;
}

export const CommentsQuerySchema = z.strictObject({
  tag: TagSchema.optional(),
  source: SourceParamSchema.optional(),
  language: LanguageParamSchema.optional(),
  from: isoDateTime().optional(),
  to: isoDateTime().optional(),
  q: QParamSchema.optional(),
  limit: z.string().regex(/^\d{1,4}$/, "expected a whole number")
    .transform(Number)
    .pipe(z.int().min(1).max(MAX_PAGE_SIZE))
    .optional(),
  cursor: z.string().max(500).optional(),
});

export interface CommentsFilter {
  tag?: ProcessedComment["tag"];
  source?: string;
  language?: string;
  from?: string;
  to?: string;
  q?: string;
  limit: number;
  after?: CursorKey;
}

/** Validates the query string; throws BadParameter naming the first bad parameter. */
export function parseCommentsQuery(url: URL): CommentsFilter {
  const query = parseQuery(url, CommentsQuerySchema);
  if (query.from && query.to && Date.parse(query.from) > Date.parse(query.to)) {
    throw new BadParameter("to", "to must not be before from");
  }
  return {
    tag: query.tag,
    source: query.source,
    language: query.language,
    from: query.from,
    to: query.to,
    q: query.q,
    limit: query.limit ?? DEFAULT_PAGE_SIZE,
    after: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
  };
}

export interface CommentsReader {
  page(filter: CommentsFilter): Promise<CommentsPage>;
  byId(commentId: string): Promise<ProcessedComment | null>;
}

/** Escapes LIKE wildcards so `q` matches literally. */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

export function commentsReader(sql: postgres.Sql): CommentsReader {
  const empty = sql``;
  const columns = commentColumns(sql);
  return {
    page: (filter) => readPage(filter),
    async byId(commentId) {
      const [row] = await sql<CommentRow[]>`
        SELECT ${columns} FROM comments WHERE comment_id = ${commentId}::text`;
      return row ? rowToComment(row) : null;
    },
  };

  // Timestamps go as text (`::text::timestamptz`): typed as timestamptz, postgres.js would
  // pass them through a JS Date, which keeps milliseconds only; a cursor needs microseconds.
  async function readPage(filter: CommentsFilter): Promise<CommentsPage> {
    const rows = await sql<(CommentRow & { created_key: string })[]>`
        SELECT ${columns},
               to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                 AS created_key
          FROM comments
         WHERE true
           ${filter.tag ? sql`AND tag = ${filter.tag}` : empty}
           ${filter.source ? sql`AND source = ${filter.source}` : empty}
           ${filter.language ? sql`AND language = ${filter.language}` : empty}
           ${filter.from ? sql`AND created_at >= ${filter.from}::text::timestamptz` : empty}
           ${filter.to ? sql`AND created_at < ${filter.to}::text::timestamptz` : empty}
           ${filter.q ? sql`AND text ILIKE ${likePattern(filter.q)}` : empty}
           ${
      filter.after
        ? sql`AND (created_at, comment_id) < (${filter.after.t}::text::timestamptz, ${filter.after.id}::text)`
        : empty
    }
         ORDER BY created_at DESC, comment_id DESC
         LIMIT ${filter.limit + 1}`;
    const more = rows.length > filter.limit;
    const items = rows.slice(0, filter.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(rowToComment),
      nextCursor: more && last ? encodeCursor({ t: last.created_key, id: last.comment_id }) : null,
    };
  }
}

export function listCommentsHandler(reader: CommentsReader): Handler {
  return async (_request, { url }) => json(await reader.page(parseCommentsQuery(url)));
}

export function commentByIdHandler(reader: CommentsReader): Handler {
  return async (_request, { params, url }) => {
    parseQuery(url, z.strictObject({}));
    const commentId = parseValue(CommentIdSchema, params.commentId ?? "", "commentId");
    const comment = await reader.byId(commentId);
    if (!comment) return apiError(404, `comment ${commentId} not found`, "commentId");
    return json(comment);
  };
}
