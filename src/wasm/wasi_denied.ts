/**
 * The WASI 0.2 interfaces Weir links but does not grant: sockets, http, and
 * the filesystem behind the (empty) preopens. Stock toolchains import them
 * whether a module uses them or not (componentize-py's CPython imports every
 * `wasi:sockets` interface), so refusing them would refuse modules built the
 * way AIO documents. Instead every call answers the interface's own "denied"
 * error (sockets `access-denied`, filesystem `access`, http
 * `HTTP-request-denied`, headers `forbidden`, `result`s without an error type
 * their bare `err`). Calls with no `result` to carry an error answer an inert
 * value (false, none, a ready pollable, an empty header list), so a module
 * sees a refused operation and never a host trap. Nothing here touches the
 * network or the filesystem, and it needs no Deno permission.
 *
 * The table is keyed as jco's generated bindings ask: the interface without
 * its version, functions in camelCase, resources as PascalCase classes whose
 * methods are camelCase and whose `[static]` functions are static methods. A
 * module reaches a method only through a handle these functions hand out,
 * and every one that hands out a socket, a stream or a descriptor is denied;
 * the methods answer anyway, in case a module forges a handle.
 *
 * @module
 */
import { Pollable } from "./wasi.ts";

/** Makes a call's answer; `make` builds an instance of another denied resource. */
type Answer = (make: (resource: string) => object) => unknown;

interface ResourceSpec {
  /** `[method]` functions by jco name. */
  readonly methods?: Readonly<Record<string, Answer>>;
  /** `[static]` functions by jco name. */
  readonly statics?: Readonly<Record<string, Answer>>;
}

interface InterfaceSpec {
  /** Free functions by jco name. */
  readonly functions?: Readonly<Record<string, Answer>>;
  /** Resources by jco class name (their constructors build inert instances). */
  readonly resources?: Readonly<Record<string, ResourceSpec>>;
}

/** The `err` side of a `result`. */
function err(val: unknown): Answer {
  return () => ({ tag: "err", val });
}

/** A plain value, for calls without a `result`. */
function value(val: unknown): Answer {
  return () => val;
}

/** A fresh inert instance of another denied resource. */
function instance(resource: string): Answer {
  return (make) => make(resource);
}

/** `result<_, error-code>` of wasi:sockets. */
const SOCKETS = err("access-denied");
/** `result<_, error-code>` of wasi:filesystem. */
const FILES = err("access");
/** `result<_, error-code>` of wasi:http. */
const HTTP = err({ tag: "HTTP-request-denied" });
/** `result<_, header-error>` of wasi:http (header changes). */
const HEADERS = err({ tag: "forbidden" });
/** A `result` with no error type. */
const REFUSED = err(undefined);
const NONE = value(undefined);
const NO = value(false);
const EMPTY: Answer = () => [];
const READY: Answer = () => new Pollable();
/** `option<result<result<_, error-code>>>` of an http future: ready, and denied. */
const SETTLED_DENIED = value({
  tag: "ok",
  val: { tag: "err", val: { tag: "HTTP-request-denied" } },
});

/** The same answer for each name. */
function each(answer: Answer, ...names: string[]): Record<string, Answer> {
  return Object.fromEntries(names.map((n) => [n, answer]));
}

const TABLE: Readonly<Record<string, InterfaceSpec>> = {
  "wasi:sockets/network": {
    resources: { Network: {} },
    functions: { networkErrorCode: NONE },
  },
  "wasi:sockets/instance-network": {
    // The network handle itself is harmless: everything done with it is denied.
    functions: { instanceNetwork: instance("Network") },
  },
  "wasi:sockets/tcp": {
    resources: {
      TcpSocket: {
        methods: {
          ...each(
            SOCKETS,
            "startBind",
            "finishBind",
            "startConnect",
            "finishConnect",
            "startListen",
            "finishListen",
            "accept",
            "localAddress",
            "remoteAddress",
            "setListenBacklogSize",
            "keepAliveEnabled",
            "setKeepAliveEnabled",
            "keepAliveIdleTime",
            "setKeepAliveIdleTime",
            "keepAliveInterval",
            "setKeepAliveInterval",
            "keepAliveCount",
            "setKeepAliveCount",
            "hopLimit",
            "setHopLimit",
            "receiveBufferSize",
            "setReceiveBufferSize",
            "sendBufferSize",
            "setSendBufferSize",
            "shutdown",
          ),
          isListening: NO,
          addressFamily: value("ipv4"),
          subscribe: READY,
        },
      },
    },
  },
  "wasi:sockets/tcp-create-socket": { functions: { createTcpSocket: SOCKETS } },
  "wasi:sockets/udp": {
    resources: {
      UdpSocket: {
        methods: {
          ...each(
            SOCKETS,
            "startBind",
            "finishBind",
            "stream",
            "localAddress",
            "remoteAddress",
            "unicastHopLimit",
            "setUnicastHopLimit",
            "receiveBufferSize",
            "setReceiveBufferSize",
            "sendBufferSize",
            "setSendBufferSize",
          ),
          addressFamily: value("ipv4"),
          subscribe: READY,
        },
      },
      IncomingDatagramStream: { methods: { receive: SOCKETS, subscribe: READY } },
      OutgoingDatagramStream: {
        methods: { checkSend: SOCKETS, send: SOCKETS, subscribe: READY },
      },
    },
  },
  "wasi:sockets/udp-create-socket": { functions: { createUdpSocket: SOCKETS } },
  "wasi:sockets/ip-name-lookup": {
    functions: { resolveAddresses: SOCKETS },
    resources: {
      ResolveAddressStream: { methods: { resolveNextAddress: SOCKETS, subscribe: READY } },
    },
  },
  "wasi:filesystem/types": {
    functions: { filesystemErrorCode: NONE },
    resources: {
      Descriptor: {
        methods: {
          ...each(
            FILES,
            "readViaStream",
            "writeViaStream",
            "appendViaStream",
            "advise",
            "syncData",
            "getFlags",
            "getType",
            "setSize",
            "setTimes",
            "read",
            "write",
            "readDirectory",
            "sync",
            "createDirectoryAt",
            "stat",
            "statAt",
            "setTimesAt",
            "linkAt",
            "openAt",
            "readlinkAt",
            "removeDirectoryAt",
            "renameAt",
            "symlinkAt",
            "unlinkFileAt",
            "metadataHash",
            "metadataHashAt",
          ),
          isSameObject: NO,
        },
      },
      DirectoryEntryStream: { methods: { readDirectoryEntry: FILES } },
    },
  },
  "wasi:http/types": {
    functions: { httpErrorCode: NONE },
    resources: {
      Fields: {
        methods: {
          get: EMPTY,
          has: NO,
          entries: EMPTY,
          clone: instance("Fields"),
          ...each(HEADERS, "set", "delete", "append"),
        },
        statics: { fromList: HEADERS },
      },
      IncomingRequest: {
        methods: {
          method: value({ tag: "get" }),
          ...each(NONE, "pathWithQuery", "scheme", "authority"),
          headers: instance("Fields"),
          consume: REFUSED,
        },
      },
      IncomingBody: {
        methods: { stream: REFUSED },
        statics: { finish: instance("FutureTrailers") },
      },
      OutgoingRequest: {
        methods: {
          method: value({ tag: "get" }),
          ...each(NONE, "pathWithQuery", "scheme", "authority"),
          ...each(REFUSED, "body", "setMethod", "setPathWithQuery", "setScheme", "setAuthority"),
          headers: instance("Fields"),
        },
      },
      OutgoingBody: { methods: { write: REFUSED }, statics: { finish: HTTP } },
      RequestOptions: {
        methods: {
          ...each(NONE, "connectTimeout", "firstByteTimeout", "betweenBytesTimeout"),
          ...each(REFUSED, "setConnectTimeout", "setFirstByteTimeout", "setBetweenBytesTimeout"),
        },
      },
      ResponseOutparam: { methods: { sendInformational: HTTP }, statics: { set: NONE } },
      OutgoingResponse: {
        methods: {
          statusCode: value(200), // the WIT's default for a new response
          ...each(REFUSED, "setStatusCode", "body"),
          headers: instance("Fields"),
        },
      },
      IncomingResponse: {
        methods: { status: value(0), headers: instance("Fields"), consume: REFUSED },
      },
      FutureTrailers: { methods: { subscribe: READY, get: SETTLED_DENIED } },
      FutureIncomingResponse: { methods: { subscribe: READY, get: SETTLED_DENIED } },
    },
  },
  "wasi:http/outgoing-handler": { functions: { handle: HTTP } },
  // An export in WASI's own worlds; a module importing it gets a no-op.
  "wasi:http/incoming-handler": { functions: { handle: NONE } },
};

type Imports = Record<string, Record<string, unknown>>;

/** Builds the classes and functions of {@linkcode TABLE} once; they hold no state. */
function build(table: Readonly<Record<string, InterfaceSpec>>): Imports {
  const classes = new Map<string, new () => object>();
  const make = (resource: string): object => new (classes.get(resource)!)();
  const call = (answer: Answer) => () => answer(make);
  const out: Imports = {};
  for (const [iface, spec] of Object.entries(table)) {
    const members: Record<string, unknown> = {};
    for (const [name, resource] of Object.entries(spec.resources ?? {})) {
      // Constructors take the WIT's arguments (if any) and keep none of them.
      const cls = class {};
      Object.defineProperty(cls, "name", { value: name });
      for (const [method, answer] of Object.entries(resource.methods ?? {})) {
        Object.defineProperty(cls.prototype, method, { value: call(answer) });
      }
      for (const [fn, answer] of Object.entries(resource.statics ?? {})) {
        Object.defineProperty(cls, fn, { value: call(answer) });
      }
      if (classes.has(name)) throw new Error(`Denied resource "${name}" is defined twice`);
      classes.set(name, cls);
      members[name] = cls;
    }
    for (const [fn, answer] of Object.entries(spec.functions ?? {})) members[fn] = call(answer);
    out[iface] = Object.freeze(members);
  }
  return Object.freeze(out);
}

const DENIED = build(TABLE);

/** The WASI 0.2 interfaces linked deny-all (keys of {@linkcode deniedWasi}). */
export const DENIED_WASI_INTERFACES: readonly string[] = Object.keys(TABLE);

/** The deny-all import objects, keyed as jco's bindings ask (no versions). */
export function deniedWasi(): Imports {
  return { ...DENIED };
}
