/**
 * Which webhook URLs the service will call: absolute https (http only when allowed), no
 * credentials, and hosts that are and resolve to public unicast addresses only (unless
 * private targets are allowed). Checked when an endpoint is saved and again before every
 * delivery, so a name that later resolves to an internal address (DNS rebinding) is refused.
 * The temporary endpoint of `deno task webhooks listen` is judged the other way round: only
 * a loopback address, written as one, is allowed (LISTENER_URL_POLICY).
 */
import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";
import { withTimeout } from "../runtime/with_timeout.ts";

export interface UrlPolicy {
  allowHttp: boolean;
  allowPrivate: boolean;
  /**
   * Only http(s) URLs whose host is a loopback IP address (127.0.0.0/8, ::1), for a local
   * listener's own endpoint; overrides the two flags above. Nothing is resolved.
   */
  loopbackOnly?: boolean;
  /** The addresses a host name resolves to; the system resolver by default. */
  resolve?: Resolver;
}

export type Resolver = (host: string) => Promise<string[]>;

/** What the dispatcher allows a `deno task webhooks listen` endpoint: its own loopback URL. */
export const LISTENER_URL_POLICY: UrlPolicy = {
  allowHttp: true,
  allowPrivate: false,
  loopbackOnly: true,
};

const RESOLVE_TIMEOUT_MS = 5000;
const MAX_URL_LENGTH = 2048;

/** The system resolver (getaddrinfo, as `fetch` uses), bounded in time. */
export const systemResolver: Resolver = async (host) => {
  const answers = await withTimeout(
    lookup(host, { all: true, verbatim: true }),
    RESOLVE_TIMEOUT_MS,
    `resolving ${host}`,
  );
  return answers.map((answer) => answer.address);
};

/** Whether an IP address is a public unicast one (not loopback, private, CGNAT, …). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // IPv4-mapped IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it carries.
  return ipaddr.process(address).range() === "unicast";
}

/** What is wrong with the URL's form, or undefined. No network access. */
export function urlFormProblem(raw: string, policy: UrlPolicy): string | undefined {
  if (raw.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an absolute URL";
  }
  const schemes = policy.allowHttp ? ["https:", "http:"] : ["https:"];
  if (!schemes.includes(url.protocol)) {
    return policy.allowHttp ? "must be an http or https URL" : "must be an https URL";
  }
  if (url.username || url.password) return "must not contain credentials";
  if (url.hash) return "must not contain a fragment";
  if (!url.hostname) return "must name a host";
  return undefined;
}

/**
 * What is wrong with the URL, its form or where it points, or undefined when the service
 * may call it. Resolves the host name unless private targets are allowed.
 */
export async function urlProblem(raw: string, policy: UrlPolicy): Promise<string | undefined> {
  if (policy.loopbackOnly) return loopbackUrlProblem(raw);
  const formProblem = urlFormProblem(raw, policy);
  if (formProblem || policy.allowPrivate) return formProblem;
  const host = hostOf(new URL(raw));
  if (ipaddr.isValid(host)) {
    return isPublicAddress(host) ? undefined : "must not point to a private or local address";
  }
  if (host === "localhost" || host.endsWith(".localhost")) {
    return "must not point to a private or local address";
  }
  let addresses: string[];
  try {
    addresses = await (policy.resolve ?? systemResolver)(host);
  } catch {
    return "has a host name that does not resolve";
  }
  if (addresses.length === 0) return "has a host name that does not resolve";
  if (!addresses.every(isPublicAddress)) {
    return "must not point to a private or local address (its host resolves to one)";
  }
  return undefined;
}

/** What keeps the URL from being a loopback-only listener's, or undefined. */
function loopbackUrlProblem(raw: string): string | undefined {
  const formProblem = urlFormProblem(raw, { allowHttp: true, allowPrivate: false });
  if (formProblem) return formProblem;
  const host = hostOf(new URL(raw));
  const loopback = ipaddr.isValid(host) && ipaddr.process(host).range() === "loopback";
  return loopback ? undefined : "must point to a loopback address (a local listener's own)";
}

/** The host name of a URL without IPv6 brackets or a trailing dot, lower case. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "").toLowerCase();
}
