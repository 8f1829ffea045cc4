/**
 * Which `Host` headers the dashboard answers. A page on another site can make the browser send
 * requests to 127.0.0.1:3000 under its own name (DNS rebinding: attacker.example resolving to
 * 127.0.0.1); those carry the foreign name in `Host`, and refusing them keeps that page from
 * reading the dashboard and, through its proxy, the api (which the proxy calls with API_TOKEN).
 *
 * @module
 */

/** The loopback names the dashboard always answers to (the browser's name for it locally). */
export const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"] as const;

/** Hostnames that mean "every interface" when listening; no browser sends them as a Host. */
const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "[::]"]);

/**
 * The hostname of a `Host` header value (`name`, `name:port`, `[v6]:port`), lowercased, with
 * IPv6 addresses in brackets; null when it is not a host at all (a path, user info, spaces).
 */
export function hostnameOf(host: string): string | null {
  if (host === "" || /[\s/\\?#@]/.test(host)) return null;
  try {
    const url = new URL(`http://${host}`);
    return url.hostname === "" ? null : url.hostname.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Normalises a configured host (DASHBOARD_HOST or one entry of DASHBOARD_ALLOWED_HOSTS) the way
 * {@link hostnameOf} reads a header: `::1` and `[::1]` are the same, a port is ignored. Null for
 * a wildcard address or something that is no hostname.
 */
export function normalizeConfiguredHost(host: string): string | null {
  const trimmed = host.trim();
  if (WILDCARD_HOSTS.has(trimmed)) return null;
  // A bare IPv6 address has colons a Host header would put in brackets.
  const bracketed = trimmed.includes(":") && !trimmed.startsWith("[") &&
      trimmed.split(":").length > 2
    ? `[${trimmed}]`
    : trimmed;
  return hostnameOf(bracketed);
}

/** The set of hostnames answered: loopback, the listening host, and the configured extra ones. */
export function allowedHostnames(listenHost: string, extra: readonly string[]): Set<string> {
  const names = new Set<string>(LOOPBACK_HOSTS);
  for (const host of [listenHost, ...extra]) {
    const name = normalizeConfiguredHost(host);
    if (name !== null) names.add(name);
  }
  return names;
}

/**
 * Whether a request may be answered: its `Host` header (or, for a request built in process
 * without one, its URL's host) names one of `allowed`.
 */
export function isAllowedHost(request: Request, allowed: ReadonlySet<string>): boolean {
  const host = request.headers.get("host") ?? new URL(request.url).host;
  const name = hostnameOf(host);
  return name !== null && allowed.has(name);
}
