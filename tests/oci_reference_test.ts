import assert from "node:assert/strict";
import { formatReference, isLoopback, OciError, parseReference } from "../src/oci/mod.ts";

const DIGEST = `sha256:${"ab".repeat(32)}`;

Deno.test("parseReference() splits host, repository, tag and digest", () => {
  assert.deepEqual(
    parseReference("ghcr.io/azure-samples/explore-iot-operations/temperature:1.0.0"),
    {
      registry: "ghcr.io",
      repository: "azure-samples/explore-iot-operations/temperature",
      tag: "1.0.0",
    },
  );
  assert.deepEqual(parseReference("127.0.0.1:5000/graph-simple:1.0.0"), {
    registry: "127.0.0.1:5000",
    repository: "graph-simple",
    tag: "1.0.0",
  });
  assert.deepEqual(parseReference("localhost/a/b"), {
    registry: "localhost",
    repository: "a/b",
    tag: "latest",
  });
  assert.deepEqual(parseReference(`[::1]:5000/m@${DIGEST}`), {
    registry: "[::1]:5000",
    repository: "m",
    digest: DIGEST,
  });
  assert.deepEqual(parseReference(`Registry.Example:443/m:v2@${DIGEST}`), {
    registry: "registry.example:443",
    repository: "m",
    tag: "v2",
    digest: DIGEST,
  });
  // AIO graphs name modules without a host: the first part is a repository, not a registry.
  assert.deepEqual(parseReference("temperature:1.0.0"), {
    registry: "",
    repository: "temperature",
    tag: "1.0.0",
  });
  assert.deepEqual(parseReference("azure-samples/explore-iot-operations/window:1.0.0"), {
    registry: "",
    repository: "azure-samples/explore-iot-operations/window",
    tag: "1.0.0",
  });
});

Deno.test("formatReference() writes back what parseReference() read", () => {
  for (
    const text of [
      "ghcr.io/a/b:1.0.0",
      "127.0.0.1:5000/m:1",
      `host.example/m@${DIGEST}`,
      `host.example/m:t@${DIGEST}`,
      "temperature:1.0.0",
    ]
  ) {
    assert.equal(formatReference(parseReference(text)), text);
  }
  assert.equal(formatReference(parseReference("ghcr.io/a/b")), "ghcr.io/a/b:latest");
});

Deno.test("parseReference() names the part that is wrong", () => {
  const cases: [string, RegExp][] = [
    ["", /it is empty/],
    [
      "ghcr.io/Azure/temperature:1.0.0",
      /the repository path component "Azure" \(repositories are lower case\)/,
    ],
    ["ghcr.io/a/b:1.0.0+build", /found the tag "1\.0\.0\+build"/],
    ["ghcr.io/a@sha512:abcd", /only sha256 digests are supported/],
    ["ghcr.io/a@sha256:1234", /expected sha256: and 64 lower-case hex digits/],
    ["ghcr.io/:1.0.0", /the repository is missing/],
    ["ghcr.io//a:1", /the repository path component ""/],
    ["bad_host.example/a:1", /the registry host "bad_host\.example"/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseReference(text), (e: unknown) => {
      assert.ok(e instanceof OciError);
      assert.equal(e.reason, "bad_reference");
      assert.equal(e.code, "usage");
      assert.match(e.message, message);
      assert.ok(
        e.message.endsWith("expected [host[:port]/]repository[:tag][@sha256:<digest>]"),
        e.message,
      );
      return true;
    }, text);
  }
});

Deno.test("isLoopback() accepts only 127.0.0.1, ::1 and localhost", () => {
  for (const host of ["127.0.0.1", "127.0.0.1:5000", "[::1]:5000", "localhost", "LOCALHOST:80"]) {
    assert.ok(isLoopback(host), host);
  }
  for (
    const host of ["10.0.0.1", "127.0.0.2", "localhost.example.com", "ghcr.io", "0.0.0.0:5000"]
  ) {
    assert.ok(!isLoopback(host), host);
  }
});
