/** The overview page and its live fragment. */
import type { Handler } from "hono";
import type { ConsoleEnv } from "./env.ts";
import type { ConsoleOverviewService } from "./overview.service.ts";
import { renderFragment, renderPage } from "./render.tsx";
import { Layout } from "./views/layout.tsx";
import { OverviewPanel } from "./views/overview_panel.tsx";

export function overviewHandlers(overview: ConsoleOverviewService) {
  const page: Handler<ConsoleEnv> = async (c) =>
    await renderPage(
      c,
      <Layout title="Overview" session={c.get("session")} section="overview">
        <OverviewPanel overview={await overview.read()} />
      </Layout>,
    );

  const fragment: Handler<ConsoleEnv> = async (c) =>
    await renderFragment(c, <OverviewPanel overview={await overview.read()} />);

  return { overview: page, overviewFragment: fragment };
}
