import type { ComponentChildren } from "preact";

/** A titled section of the page. */
export function Panel(
  props: { id: string; title: string; note?: string; class?: string; children: ComponentChildren },
) {
  return (
    <section class={`panel ${props.class ?? ""}`} aria-labelledby={`${props.id}-title`}>
      <header class="panel-header">
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        {props.note && <p class="panel-note">{props.note}</p>}
      </header>
      {props.children}
    </section>
  );
}
