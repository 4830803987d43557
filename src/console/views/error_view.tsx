/** The plain error shown in place of a page or fragment: a sentence and the request id. */
import type { FC } from "hono/jsx";

export const ErrorView: FC<{ status: number; message: string; requestId: string }> = (
  { status, message, requestId },
) => (
  <section class="error" role="alert">
    <h2>{status === 500 ? "Something went wrong" : `Error ${status}`}</h2>
    <p>{message}</p>
    <p class="muted">
      Request id <code>{requestId}</code>
    </p>
  </section>
);
