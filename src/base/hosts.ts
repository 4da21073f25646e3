/**
 * Host names in URLs, registry hosts and OCI references: which part is the
 * host, and whether it is this machine. One definition, so the admin
 * listener, the MQTT endpoints and the registry policy agree on "loopback".
 *
 * @module
 */

/** The host name of `host`, `host:port`, `[v6]` or `[v6]:port`, lower case, without brackets. */
export function hostnameOf(authority: string): string {
  const text = authority.toLowerCase();
  if (text.startsWith("[")) {
    const end = text.indexOf("]");
    return end < 0 ? text.slice(1) : text.slice(1, end);
  }
  // More than one colon without brackets is a bare IPv6 address, not host:port.
  const colon = text.lastIndexOf(":");
  return colon < 0 || text.indexOf(":") !== colon ? text : text.slice(0, colon);
}

/** True for this machine: `127.0.0.0/8`, `::1` and `localhost`, with or without a port. */
export function isLoopbackHost(authority: string): boolean {
  const host = hostnameOf(authority);
  return host === "localhost" || host === "::1" || /^127(\.[0-9]{1,3}){3}$/.test(host);
}

/** The `host[:port]` of a URL such as `mqtt://broker:1883`, lower case; "" when there is none. */
export function authorityOf(url: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url);
  return (m?.[1] ?? "").replace(/^[^@]*@/, "").toLowerCase();
}

/** True when the first path component of an OCI reference names a registry, not a repository. */
export function looksLikeRegistryHost(component: string): boolean {
  return component.includes(".") || component.includes(":") || component === "localhost" ||
    component.startsWith("[");
}

/** The registry `host[:port]` an OCI reference names, lower case; "" when it names none. */
export function registryOfReference(ref: string): string {
  const name = ref.trim().split("@")[0]!;
  const slash = name.indexOf("/");
  if (slash <= 0) return "";
  const first = name.slice(0, slash);
  return looksLikeRegistryHost(first) ? first.toLowerCase() : "";
}
