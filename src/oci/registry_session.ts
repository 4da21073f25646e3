/**
 * Requests to one registry (`host[:port]`) with its authentication: the
 * first request goes anonymous (or with a configured bearer token); a 401
 * challenge says whether to send basic credentials or fetch a bearer token,
 * and later requests send what worked straight away.
 *
 * @module
 */
import { isLoopbackHost } from "../base/mod.ts";
import type { Logger } from "../telemetry/mod.ts";
import { type AuthChallenge, parseChallenge } from "./auth_challenge.ts";
import { basicHeader, type BearerTokens } from "./bearer_tokens.ts";
import { readBounded } from "./bounded_body.ts";
import { OciError } from "./errors.ts";
import type { RegistryConfig } from "./registry_config.ts";
import { type BasicSecret, basicSecret, tokenSecret } from "./secrets.ts";

/** What a session needs. */
export interface RegistrySessionOptions {
  /** `host[:port]`. */
  readonly registry: string;
  /** The matching configuration, if any (anonymous HTTPS without one). */
  readonly config?: RegistryConfig | undefined;
  readonly fetch: typeof fetch;
  readonly tokens: BearerTokens;
  readonly log: Logger;
}

/** One request to the registry. */
export interface RegistryRequest {
  readonly method: "GET" | "HEAD" | "POST" | "PUT";
  /** A path under the registry (`/v2/…`) or an absolute URL (an upload `Location`). */
  readonly target: string;
  /** The repository, for the token scope. */
  readonly repository: string;
  /** Needs push rights (a `pull,push` scope). @default false */
  readonly push?: boolean;
  readonly headers?: Record<string, string>;
  /** Bytes only, so a request can be sent again after a challenge. */
  readonly body?: Uint8Array;
}

type Init = RequestInit & { client?: Deno.HttpClient };

/** What a TLS client reports when the server answered in plain HTTP. */
const PLAIN_HTTP_ANSWER = /InvalidContentType|corrupt message|wrong version number|http request/i;

/**
 * The most specific message of an error and its causes: `fetch` says only
 * "fetch failed" and keeps why in its cause ("received corrupt message …").
 */
function innermostMessage(error: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = error; e instanceof Error && messages.length < 5; e = e.cause) {
    messages.push(e.message);
  }
  return (messages.at(-1) ?? String(error)).replace(/\s+/g, " ")
    .replace(/^error sending request for url \([^)]*\): /, "");
}

/** A registry with its credentials, HTTP client and what its last challenge said. */
export class RegistrySession {
  /** `http(s)://host[:port]`. */
  readonly baseUrl: string;
  readonly registry: string;
  #options: RegistrySessionOptions;
  #client: Deno.HttpClient | undefined;
  #clientReady: Promise<void> | undefined;
  #challenge: AuthChallenge | undefined;

  /** Makes a session; nothing is sent until the first request. */
  constructor(options: RegistrySessionOptions) {
    this.#options = options;
    this.registry = options.registry;
    this.baseUrl = `${options.config?.plainHttp === true ? "http" : "https"}://${options.registry}`;
  }

  /** A URL under the registry. */
  url(target: string): URL {
    return new URL(target, this.baseUrl);
  }

  /**
   * Sends a request, answering one authentication challenge if there is one.
   *
   * @throws {OciError} `unreachable` when the registry cannot be reached, `unauthorized`
   *   when it still answers 401 after the challenge was met (or could not be).
   */
  async send(request: RegistryRequest): Promise<Response> {
    await this.#ensureClient();
    const scope = `repository:${request.repository}:${
      request.push === true ? "pull,push" : "pull"
    }`;
    let authorization = await this.#authorization(this.#challenge, scope);
    let response = await this.#fetch(request, authorization);
    if (response.status !== 401) return response;
    const challenge = parseChallenge(response.headers.get("www-authenticate"));
    await response.body?.cancel();
    if (
      challenge !== undefined && (challenge.scheme === "basic" || challenge.scheme === "bearer")
    ) {
      if (this.#challenge !== undefined && challenge.scheme === "bearer") {
        this.#options.tokens.forget(challenge, scope);
      }
      this.#challenge = challenge;
      const asked = challenge.scheme === "bearer" ? challenge.params.scope ?? scope : scope;
      authorization = await this.#authorization(challenge, asked);
      if (authorization !== undefined) {
        response = await this.#fetch(request, authorization);
        if (response.status !== 401) return response;
        await response.body?.cancel();
      }
    }
    throw this.#unauthorized(request, challenge, authorization !== undefined);
  }

  /** Releases the HTTP client (its connections). */
  close(): void {
    this.#client?.close();
    this.#client = undefined;
  }

  async #ensureClient(): Promise<void> {
    const ca = this.#options.config?.tls?.ca;
    if (ca === undefined || this.#client !== undefined) return;
    this.#clientReady ??= (async () => {
      let pem: string;
      try {
        pem = await Deno.readTextFile(ca);
      } catch (error) {
        throw new OciError(
          "bad_config",
          `Cannot read the CA file "${ca}" of registry "${this.registry}": ${
            (error as Error).message
          }`,
          { cause: error },
        );
      }
      this.#client = Deno.createHttpClient({ caCerts: [pem] });
    })();
    try {
      await this.#clientReady;
    } catch (error) {
      this.#clientReady = undefined;
      throw error;
    }
  }

  async #authorization(
    challenge: AuthChallenge | undefined,
    scope: string,
  ): Promise<string | undefined> {
    const config = this.#options.config;
    if (challenge === undefined) {
      const token = await tokenSecret(config);
      return token === undefined ? undefined : `Bearer ${token}`;
    }
    const basic: BasicSecret | undefined = await basicSecret(config);
    if (challenge.scheme === "basic") return basic === undefined ? undefined : basicHeader(basic);
    const refreshToken = basic === undefined ? await tokenSecret(config) : undefined;
    const token = await this.#options.tokens.get(
      challenge,
      scope,
      { basic, refreshToken },
      this.#client,
    );
    return `Bearer ${token}`;
  }

  async #fetch(request: RegistryRequest, authorization: string | undefined): Promise<Response> {
    const url = this.url(request.target);
    const headers: Record<string, string> = { ...request.headers };
    if (authorization !== undefined) headers.authorization = authorization;
    const init: Init = { method: request.method, headers };
    if (request.body !== undefined) init.body = request.body as Uint8Array<ArrayBuffer>;
    if (this.#client !== undefined) init.client = this.#client;
    try {
      return await this.#options.fetch(url, init);
    } catch (error) {
      const why = innermostMessage(error);
      // The usual mistake: HTTPS to a local registry that speaks plain HTTP.
      const hint = url.protocol === "https:" && PLAIN_HTTP_ANSWER.test(why) &&
          isLoopbackHost(url.hostname)
        ? `; it answers in plain HTTP: add --plain-http, or plainHttp: true for it under registries in the configuration`
        : "";
      throw new OciError(
        "unreachable",
        `Cannot reach registry "${this.registry}" (${request.method} ${url.origin}${url.pathname}): ${why}${hint}`,
        { cause: error },
      );
    }
  }

  #unauthorized(
    request: RegistryRequest,
    challenge: AuthChallenge | undefined,
    sentCredentials: boolean,
  ): OciError {
    const what = `${
      request.push === true ? "push to" : "pull from"
    } "${this.registry}/${request.repository}"`;
    if (!sentCredentials) {
      const scheme = challenge?.scheme ?? "an unknown scheme";
      return new OciError(
        "unauthorized",
        `Registry "${this.registry}" wants credentials (${scheme}) to ${what}, and none are configured`,
      );
    }
    const config = this.#options.config;
    const who = config?.credentials !== undefined
      ? `the credentials of user "${config.credentials.username}"`
      : config?.token !== undefined
      ? "the configured token"
      : "anonymous access (configure credentials for it)";
    return new OciError(
      "unauthorized",
      `Registry "${this.registry}" refused ${who} to ${what} (HTTP 401)`,
    );
  }
}

/** Error bodies are read this far at most: enough for any registry's JSON errors. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** Error text from a registry's `{errors: [{code, message}]}` body, or its status. */
export async function registryErrorText(response: Response): Promise<string> {
  const body = await readBounded(response.body, MAX_ERROR_BODY_BYTES).catch(() => undefined);
  const text = body === undefined ? "" : new TextDecoder().decode(body.bytes);
  try {
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const parts = (body.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(": "));
    if (parts.length > 0) return `HTTP ${response.status} ${parts.join("; ")}`;
  } catch {
    // not JSON: fall through to the plain text
  }
  const plain = text.trim().slice(0, 200);
  return `HTTP ${response.status}${plain === "" ? "" : ` ${plain}`}`;
}

/** An error for a response that is not what the request wanted. */
export async function responseError(response: Response, context: string): Promise<OciError> {
  const detail = await registryErrorText(response);
  const reason = response.status === 404
    ? "not_found"
    : response.status === 401 || response.status === 403
    ? "unauthorized"
    : response.status >= 500
    ? "unreachable"
    : "protocol";
  return new OciError(reason, `${context}: ${detail}`);
}
