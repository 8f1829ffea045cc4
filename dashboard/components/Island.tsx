import type { ComponentType } from "preact";

/**
 * Marks an island in the server-rendered page: the browser bundle finds the element by its
 * `data-island` name and renders the same component into it with the same props.
 */
export function Island<P extends Record<string, unknown>>(
  props: { name: string; component: ComponentType<P>; props: P; class?: string },
) {
  const Component = props.component;
  return (
    <div class={props.class} data-island={props.name} data-props={JSON.stringify(props.props)}>
      <Component {...props.props} />
    </div>
  );
}
