/**
 * Registry authentication against real services on 127.0.0.1: basic auth
 * against an htpasswd-protected docker-registry, and the bearer token dance
 * against a small token server and an auth-checking proxy in front of the
 * real registry (the proxy also hands out relative upload locations).
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { OciClient, OciError, type RegistryConfig } from "../src/oci/mod.ts";
import { fakeWasm, HTPASSWD_NOTE, REGISTRY_NOTE, startRegistry } from "./_registry.ts";

const PASSWORD_ENV = "WEIR_OCI_AUTH_TEST_PASSWORD";
const TOKEN_ENV = "WEIR_OCI_AUTH_TEST_IDENTITY";

Deno.test({
  name:
    "OciClient pushes and pulls with basic auth against an htpasswd registry, and says why it is refused" +
    HTPASSWD_NOTE,
  ignore: HTPASSWD_NOTE !== "",
  fn: async () => {
    const registry = await startRegistry({ users: { weir: "s3cret" } });
    const dir = await Deno.makeTempDir({ prefix: "weir-oci-auth-" });
    const clients: OciClient[] = [];
    const client = (registries: RegistryConfig[]) => {
      const c = new OciClient({ registries, cacheDir: join(dir, `cache-${clients.length}`) });
      clients.push(c);
      return c;
    };
    try {
      const h = registry.host;
      const wasm = fakeWasm(50_000);
      await writeFile(join(dir, "m.wasm"), wasm);
      await writeFile(join(dir, "password"), "s3cret\n");
      const byFile = client([{
        host: h,
        plainHttp: true,
        credentials: { username: "weir", passwordFile: join(dir, "password") },
      }]);
      await byFile.pushModule(join(dir, "m.wasm"), `${h}/secure/m:1.0.0`);

      Deno.env.set(PASSWORD_ENV, "s3cret");
      const byEnv = client([{
        host: h,
        plainHttp: true,
        credentials: { username: "weir", passwordEnv: PASSWORD_ENV },
      }]);
      const pulled = await byEnv.pullModule(`${h}/secure/m:1.0.0`);
      assert.deepEqual(new Uint8Array(await readFile(pulled.path)), wasm);

      const anonymous = client([{ host: h, plainHttp: true }]);
      await assert.rejects(anonymous.pullModule(`${h}/secure/m:1.0.0`), (e: unknown) => {
        assert.ok(e instanceof OciError);
        assert.equal(e.reason, "unauthorized");
        assert.equal(
          e.message,
          `Registry "${h}" wants credentials (basic) to pull from "${h}/secure/m", and none are configured`,
        );
        return true;
      });
      await writeFile(join(dir, "wrong"), "guess");
      const wrong = client([{
        host: h,
        plainHttp: true,
        credentials: { username: "weir", passwordFile: join(dir, "wrong") },
      }]);
      await assert.rejects(
        wrong.pullModule(`${h}/secure/m:1.0.0`),
        new RegExp(
          `refused the credentials of user "weir" to pull from "${h}/secure/m" \\(HTTP 401\\)`,
        ),
      );
      Deno.env.delete(PASSWORD_ENV);
      await assert.rejects(
        byEnv.pullModule(`${h}/secure/m:2.0.0`),
        /The password of registry "127\.0\.0\.1:\d+" is in the environment variable "WEIR_OCI_AUTH_TEST_PASSWORD", which is not set/,
      );
    } finally {
      Deno.env.delete(PASSWORD_ENV);
      clients.forEach((c) => c.close());
      await registry.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** What the token server saw. */
interface TokenRequest {
  method: string;
  who: string;
  scope: string;
}

/** A token server and a proxy that admits only requests with a token for their scope. */
function startTokenAuth(upstream: string) {
  const requests: TokenRequest[] = [];
  const grants = new Map<string, Set<string>>();
  let next = 0;
  const tokenServer = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      const url = new URL(req.url);
      let who = "anonymous";
      let scopes: string[];
      let service: string | null;
      if (req.method === "POST") {
        const form = new URLSearchParams(await req.text());
        if (
          form.get("grant_type") !== "refresh_token" || form.get("refresh_token") !== "identity-123"
        ) {
          return new Response("bad refresh token", { status: 401 });
        }
        who = "robot";
        scopes = (form.get("scope") ?? "").split(" ");
        service = form.get("service");
      } else {
        const auth = req.headers.get("authorization");
        if (auth !== null) {
          if (auth !== `Basic ${btoa("weir:s3cret")}`) {
            return new Response("bad credentials", {
              status: 401,
            });
          }
          who = "weir";
        }
        scopes = url.searchParams.getAll("scope");
        service = url.searchParams.get("service");
      }
      if (service !== "weir-test") return new Response("unknown service", { status: 400 });
      const token = `token-${++next}`;
      const granted = new Set<string>();
      for (const scope of scopes) {
        requests.push({ method: req.method, who, scope });
        const [, repo, actions] = scope.split(":");
        for (const action of (actions ?? "").split(",")) {
          if (action === "pull" || who !== "anonymous") granted.add(`${repo}:${action}`);
        }
      }
      grants.set(token, granted);
      return Response.json({ token, expires_in: 300 });
    },
  );
  const realm = `http://127.0.0.1:${tokenServer.addr.port}/token`;
  const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const repo = /^\/v2\/(.+?)\/(?:manifests|blobs)\//.exec(url.pathname)?.[1];
    const action = req.method === "GET" || req.method === "HEAD" ? "pull" : "push";
    const token = req.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
    if (repo === undefined || !grants.get(token)?.has(`${repo}:${action}`)) {
      return new Response(
        JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }),
        {
          status: 401,
          headers: {
            "www-authenticate":
              `Bearer realm="${realm}",service="weir-test",scope="repository:${repo}:${
                action === "push" ? "pull,push" : "pull"
              }"`,
          },
        },
      );
    }
    const target = new URL(url.pathname + url.search, `http://${upstream}`);
    const headers = new Headers(req.headers);
    headers.delete("authorization");
    headers.delete("host");
    const body = req.body === null ? null : new Uint8Array(await req.arrayBuffer());
    const response = await fetch(target, { method: req.method, headers, body, redirect: "manual" });
    const out = new Headers(response.headers);
    const location = out.get("location");
    // Hand out relative upload locations: clients must resolve them against the registry.
    if (location !== null) {
      const resolved = new URL(location, target);
      out.set("location", resolved.pathname + resolved.search);
    }
    return new Response(response.body, { status: response.status, headers: out });
  });
  return {
    host: `127.0.0.1:${proxy.addr.port}`,
    requests,
    async stop() {
      await proxy.shutdown();
      await tokenServer.shutdown();
    },
  };
}

Deno.test({
  name:
    "OciClient does the bearer token dance: basic login, anonymous pull, identity token; tokens cached per scope" +
    REGISTRY_NOTE,
  ignore: REGISTRY_NOTE !== "",
  fn: async () => {
    const registry = await startRegistry();
    const auth = startTokenAuth(registry.host);
    const dir = await Deno.makeTempDir({ prefix: "weir-oci-bearer-" });
    const clients: OciClient[] = [];
    const client = (extra: Partial<RegistryConfig> = {}) => {
      const c = new OciClient({
        registries: [{ host: auth.host, plainHttp: true, ...extra }],
        cacheDir: join(dir, `cache-${clients.length}`),
      });
      clients.push(c);
      return c;
    };
    try {
      const h = auth.host;
      const wasm = fakeWasm(80_000);
      await writeFile(join(dir, "m.wasm"), wasm);
      await writeFile(join(dir, "password"), "s3cret");
      const user = client({
        credentials: { username: "weir", passwordFile: join(dir, "password") },
      });
      const pushed = await user.pushModule(join(dir, "m.wasm"), `${h}/team/m:1.0.0`);
      const pulled = await user.pullModule(`${h}/team/m:1.0.0`);
      assert.equal(pulled.digest, pushed.digest);
      assert.deepEqual(new Uint8Array(await readFile(pulled.path)), wasm);
      await user.pullModule(`${h}/team/m:1.0.0`);
      // One token per scope (the blob HEAD of the push was challenged for pull), reused after.
      assert.deepEqual(auth.requests, [
        { method: "GET", who: "weir", scope: "repository:team/m:pull" },
        { method: "GET", who: "weir", scope: "repository:team/m:pull,push" },
      ]);

      auth.requests.length = 0;
      const anonymous = client();
      const anonymousPull = await anonymous.pullModule(`${h}/team/m:1.0.0`);
      assert.equal(anonymousPull.digest, pushed.digest);
      assert.deepEqual(auth.requests, [{
        method: "GET",
        who: "anonymous",
        scope: "repository:team/m:pull",
      }]);
      await assert.rejects(
        anonymous.pushModule(join(dir, "m.wasm"), `${h}/team/m:2.0.0`),
        (e: unknown) => {
          assert.ok(e instanceof OciError);
          assert.equal(e.reason, "unauthorized");
          assert.match(
            e.message,
            /refused anonymous access \(configure credentials for it\) to push to/,
          );
          return true;
        },
      );

      auth.requests.length = 0;
      Deno.env.set(TOKEN_ENV, "identity-123");
      const robot = client({ token: { env: TOKEN_ENV } });
      await robot.pushModule(join(dir, "m.wasm"), `${h}/robots/m:1.0.0`);
      // Challenged, the configured token is traded at the token server (OAuth2 refresh_token grant).
      assert.deepEqual(auth.requests, [
        { method: "POST", who: "robot", scope: "repository:robots/m:pull" },
        { method: "POST", who: "robot", scope: "repository:robots/m:pull,push" },
      ]);

      await writeFile(join(dir, "wrong"), "guess");
      const wrong = client({ credentials: { username: "weir", passwordFile: join(dir, "wrong") } });
      await assert.rejects(wrong.pullModule(`${h}/team/m:1.0.0`), (e: unknown) => {
        assert.ok(e instanceof OciError);
        assert.equal(e.reason, "unauthorized");
        assert.match(
          e.message,
          /The token server http:\/\/127\.0\.0\.1:\d+\/token refused user "weir" for scope "repository:team\/m:pull" \(HTTP 401: bad credentials\)/,
        );
        return true;
      });
    } finally {
      Deno.env.delete(TOKEN_ENV);
      clients.forEach((c) => c.close());
      await auth.stop();
      await registry.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
