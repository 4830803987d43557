/** The sign-in form: an API key with the `console` scope, exchanged for a session. */
import type { FC } from "hono/jsx";
import { Layout } from "./layout.tsx";

export const SignInPage: FC<{ formToken: string; error?: string; notice?: string }> = (
  { formToken, error, notice },
) => (
  <Layout title="Sign in" notice={notice}>
    <form class="card sign-in" method="post" action="/console/sign-in">
      <input type="hidden" name="form_token" value={formToken} />
      {error && <p class="alert" role="alert" id="sign-in-error">{error}</p>}
      <label for="key">API key</label>
      <input
        id="key"
        name="key"
        type="password"
        autocomplete="off"
        required
        aria-describedby={error ? "sign-in-error key-help" : "key-help"}
      />
      <p id="key-help" class="muted">
        A key with the <code>console</code>{" "}
        scope (<code>deno task apikey create NAME</code>). It is exchanged for a session cookie and
        kept nowhere in the browser.
      </p>
      <button type="submit">Sign in</button>
    </form>
  </Layout>
);
