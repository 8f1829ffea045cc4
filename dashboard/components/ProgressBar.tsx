/** A labelled progress bar (the native element is accessible as is). */
export function ProgressBar(props: { label: string; value: number; max: number }) {
  return (
    <div class="progress">
      <label>
        <span>{props.label}</span>
        <progress value={props.value} max={Math.max(props.max, 1)}>
          {props.value} / {props.max}
        </progress>
      </label>
    </div>
  );
}
