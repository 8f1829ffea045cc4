/**
 * The address a request comes from, for the per-address stream limit.
 *
 * Behind a reverse proxy (the dashboard server proxies `/api/*`) every request comes from the
 * proxy's address, so one limit would cover every browser behind it. Peers listed in
 * API_TRUSTED_PROXIES may say who their client is with `X-Forwarded-For`: the address used is
 * the right-most one in that header that is not itself a trusted proxy (the left part can be
 * written by anyone). Requests from other peers are taken by their own address, whatever the
 * header says.
 *
 * @module
 */

/** The client's address: the peer's, or the one a trusted proxy forwarded for. */
export function clientAddress(
  peer: string,
  forwardedFor: string | null,
  trustedProxies: ReadonlySet<string>,
): string {
  if (forwardedFor === null || !trustedProxies.has(peer)) return peer;
  const hops = forwardedFor.split(",").map((hop) => normalizeAddress(hop.trim()));
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    if (hop === "" || !isIpAddress(hop)) return peer;
    if (!trustedProxies.has(hop)) return hop;
  }
  return peer;
}

/** IPv4-mapped IPv6 (`::ffff:127.0.0.1`) as plain IPv4; IPv6 in lower case. */
export function normalizeAddress(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith("::ffff:") && lower.includes(".") ? lower.slice(7) : lower;
}

/** A loose check, enough to refuse header garbage as an address. */
export function isIpAddress(text: string): boolean {
  return /^(\d{1,3}\.){3}\d{1,3}$/.test(text) ||
    (text.includes(":") && /^[0-9a-f:.]{2,45}$/.test(text));
}
