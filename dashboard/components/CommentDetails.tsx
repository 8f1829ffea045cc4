import { useEffect, useRef } from "preact/hooks";
import type { StoredComment } from "../lib/comments.ts";
import { formatDateTime, formatLanguage, formatScore, formatSource, TAG_META } from "./format.ts";

/**
 * One comment in full, in a modal dialog: its text, tag, and what the sentiment service said
 * about it (score, language, reasons), each shown only when the comment has it. Every text that
 * came from outside is in a `<bdi>`: a right-to-left override inside it cannot reorder what
 * follows on the line.
 */
export function CommentDetails(props: { comment: StoredComment | null; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const { comment, onClose } = props;
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (comment && !element.open) element.showModal();
    if (!comment && element.open) element.close();
  }, [comment]);
  return (
    <dialog
      ref={dialog}
      class="comment-details"
      aria-labelledby="comment-details-title"
      onClose={onClose}
    >
      {comment && (
        <article data-comment-id={comment.commentId}>
          <header class="details-header">
            <h3 id="comment-details-title">
              <span class={`badge ${TAG_META[comment.tag].className}`}>
                {TAG_META[comment.tag].label}
              </span>{" "}
              comment
            </h3>
            <button type="button" class="details-close" onClick={onClose}>Close</button>
          </header>
          <p class="details-text">
            <span class="quote" aria-hidden="true">“</span>
            <bdi dir="auto">{comment.text}</bdi>
            <span class="quote quote-end" aria-hidden="true">”</span>
          </p>
          <p class="details-posted muted">
            Posted on <bdi class="details-source">{formatSource(comment.source)}</bdi> at{" "}
            <time dateTime={comment.createdAt}>
              {formatDateTime(Date.parse(comment.createdAt))}
            </time>
          </p>
          <dl class="details-fields">
            {comment.score !== undefined && (
              <div data-field="score">
                <dt>Score</dt>
                <dd>
                  {formatScore(comment.score)}{" "}
                  <span class="muted">(−1 most negative, +1 most positive)</span>
                </dd>
              </div>
            )}
            {comment.language !== undefined && (
              <div data-field="language">
                <dt>Language</dt>
                <dd>{formatLanguage(comment.language)}</dd>
              </div>
            )}
            {comment.reasons !== undefined && comment.reasons.length > 0 && (
              <div data-field="reasons">
                <dt>Why this tag</dt>
                <dd>
                  <ul class="details-reasons">
                    {comment.reasons.map((reason, index) => (
                      <li key={index}>
                        <bdi>{reason}</bdi>
                      </li>
                    ))}
                  </ul>
                </dd>
              </div>
            )}
            <div data-field="id">
              <dt>Comment id</dt>
              <dd>
                <code>{comment.commentId}</code> <span class="muted">(#{comment.seq})</span>
              </dd>
            </div>
          </dl>
        </article>
      )}
    </dialog>
  );
}
