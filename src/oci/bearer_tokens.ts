/**
 * The registry token dance: when a registry challenges with `Bearer
 * realm=…,service=…,scope=…`, ask that token server for a token (as
 * anonymous, with basic credentials, or by trading an identity/refresh token)
 * and keep it per realm, service and scope until shortly before it expires.
 *
 * @module
 */
import type { AuthChallenge } from "./auth_challenge.ts";
import { readBounded } from "./bounded_body.ts";
import { OciError } from "./errors.ts";
import { isLoopback } from "./registry_config.ts";
import type { BasicSecret } from "./secrets.ts";

/** What a token request may present. */
export interface TokenLogin {
  /** Basic credentials for the token server. */
  readonly basic?: BasicSecret | undefined;
  /** An identity (refresh) token, traded with an OAuth2 `refresh_token` grant. */
  readonly refreshToken?: string | undefined;
}

/** How {@linkcode BearerTokens} reaches token servers. */
export interface BearerTokensOptions {
  readonly fetch: typeof fetch;
  /** The clock, in ms. @default Date.now */
  readonly now?: () => number;
}

/** The token response, as the distribution spec describes it. */
interface TokenResponse {
  token?: string;
  "access_token"?: string;
  "expires_in"?: number;
}

/** Spec default lifetime when the server does not say. */
const DEFAULT_LIFETIME_S = 60;

/** Bearer tokens by realm, service and scope. */
export class BearerTokens {
  #fetch: typeof fetch;
  #now: () => number;
  #cache = new Map<string, { token: string; expiresAt: number }>();

  /** Makes an empty cache that fetches through `options.fetch`. */
  constructor(options: BearerTokensOptions) {
    this.#fetch = options.fetch;
    this.#now = options.now ?? Date.now;
  }

  /**
   * A token for the challenge's realm and service and the given scope, from
   * the cache or a new request.
   *
   * @param client The HTTP client of the registry (its CA), for the token server too.
   * @throws {OciError} `unauthorized` when the token server refuses, `bad_config` when
   *   credentials would go over plain HTTP to a remote token server.
   */
  async get(
    challenge: AuthChallenge,
    scope: string,
    login: TokenLogin,
    client?: Deno.HttpClient,
  ): Promise<string> {
    const realm = challenge.params.realm;
    if (realm === undefined || !/^https?:\/\//.test(realm)) {
      throw new OciError(
        "protocol",
        `The registry's Bearer challenge names the token realm "${
          realm ?? ""
        }", expected an http(s) URL`,
      );
    }
    const service = challenge.params.service ?? "";
    const key = `${realm} ${service} ${scope}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined && cached.expiresAt > this.#now()) return cached.token;
    const url = new URL(realm);
    const secretGoes = login.basic !== undefined || login.refreshToken !== undefined;
    if (secretGoes && url.protocol === "http:" && !isLoopback(url.host)) {
      throw new OciError(
        "bad_config",
        `The token server ${realm} is plain HTTP on a remote host; refusing to send credentials to it`,
      );
    }
    const response = await this.#request(url, service, scope, login, client);
    const read = await readBounded(response.body, MAX_TOKEN_RESPONSE_BYTES).catch(() => undefined);
    if (read?.overflow === true) {
      throw new OciError(
        "protocol",
        `The token server ${realm} answered more than ${MAX_TOKEN_RESPONSE_BYTES} bytes`,
      );
    }
    const body = parseTokenResponse(read?.bytes);
    const token = body.token ?? body.access_token;
    if (typeof token !== "string" || token === "") {
      throw new OciError("protocol", `The token server ${realm} answered without a token`);
    }
    const lifetime = typeof body.expires_in === "number" && body.expires_in > 0
      ? body.expires_in
      : DEFAULT_LIFETIME_S;
    // Renew a little early, so a token does not expire between check and use.
    const margin = Math.min(30, lifetime / 10);
    this.#cache.set(key, { token, expiresAt: this.#now() + (lifetime - margin) * 1000 });
    return token;
  }

  /** Drops a token the registry refused, so the next request asks again. */
  forget(challenge: AuthChallenge, scope: string): void {
    this.#cache.delete(`${challenge.params.realm} ${challenge.params.service ?? ""} ${scope}`);
  }

  async #request(
    url: URL,
    service: string,
    scope: string,
    login: TokenLogin,
    client: Deno.HttpClient | undefined,
  ): Promise<Response> {
    const init: RequestInit & { client?: Deno.HttpClient } = client === undefined ? {} : { client };
    let response: Response;
    try {
      if (login.refreshToken !== undefined) {
        const form = new URLSearchParams({
          "grant_type": "refresh_token",
          "refresh_token": login.refreshToken,
          service,
          scope,
          "client_id": "weir",
        });
        response = await this.#fetch(url, {
          ...init,
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: form.toString(),
        });
      } else {
        if (service !== "") url.searchParams.set("service", service);
        for (const s of scope.split(" ")) if (s !== "") url.searchParams.append("scope", s);
        const headers: Record<string, string> = {};
        if (login.basic !== undefined) {
          headers.authorization = basicHeader(login.basic);
          url.searchParams.set("account", login.basic.username);
        }
        response = await this.#fetch(url, { ...init, headers });
      }
    } catch (error) {
      throw new OciError(
        "unreachable",
        `Cannot reach the token server ${url.origin}${url.pathname}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (!response.ok) {
      const read = await readBounded(response.body, 200).catch(() => undefined);
      const text = new TextDecoder().decode(read?.bytes).trim();
      const who = login.basic !== undefined
        ? `user "${login.basic.username}"`
        : login.refreshToken !== undefined
        ? "the configured token"
        : "anonymous access";
      throw new OciError(
        response.status >= 500 ? "unreachable" : "unauthorized",
        `The token server ${url.origin}${url.pathname} refused ${who} for scope "${scope}" ` +
          `(HTTP ${response.status}${text === "" ? "" : `: ${text}`})`,
      );
    }
    return response;
  }
}

/** A token response is a small JSON object; anything beyond this is refused unread. */
const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

function parseTokenResponse(bytes: Uint8Array | undefined): TokenResponse {
  try {
    const body = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    return body !== null && typeof body === "object" ? body as TokenResponse : {};
  } catch {
    return {};
  }
}

/** `Basic <base64(user:password)>`. */
export function basicHeader(secret: BasicSecret): string {
  const bytes = new TextEncoder().encode(`${secret.username}:${secret.password}`);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}
