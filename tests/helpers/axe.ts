/**
 * axe-core (Deque's accessibility engine, from npm) run in a page of the browser tests:
 * WCAG 2.0/2.1 A and AA plus axe's best practices (landmark-unique among them). The page's
 * context must bypass the CSP: axe is injected as script text, which the console's CSP
 * rightly refuses.
 */
import axe from "axe-core";
import type { Page } from "playwright-core";

export const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/** Each violation as one line: rule, impact, and the first offending nodes. */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate("typeof axe !== 'undefined'"))) await page.evaluate(axe.source);
  return await page.evaluate(async (tags: string[]) => {
    const engine = (globalThis as unknown as { axe: typeof axe }).axe;
    const result = await engine.run({ runOnly: { type: "tag", values: tags } });
    return result.violations.map((violation) =>
      `${violation.id} (${violation.impact}): ${violation.help}: ${
        violation.nodes.slice(0, 3).map((node) => node.target.join(" ")).join(", ")
      }`
    );
  }, AXE_TAGS);
}
