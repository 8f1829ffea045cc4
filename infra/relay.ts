/**
 * A byte relay between a TCP address and a Unix socket, either way round. It is how a test
 * joins processes in separate network namespaces to a server of the root one (the shared
 * PostgreSQL and Redis) without giving the namespaces any network path out: a Unix socket is a
 * file, reachable from every namespace, and carries only what the relay is told to carry.
 *
 * As a program (run inside a namespace):
 *   deno run --allow-net --allow-read --allow-write infra/relay.ts tcp:HOST:PORT unix:PATH
 * listens on the first address and connects each client to the second.
 *
 * @module
 */

/** `tcp:host:port` or `unix:/path`. */
export type RelayAddress =
  | { transport: "tcp"; hostname: string; port: number }
  | { transport: "unix"; path: string };

/** Reads `tcp:host:port` or `unix:/path`. */
export function parseRelayAddress(text: string): RelayAddress {
  if (text.startsWith("unix:") && text.length > 5) {
    return { transport: "unix", path: text.slice(5) };
  }
  const match = /^tcp:(.+):(\d{1,5})$/.exec(text);
  if (match && Number(match[2]) <= 65_535) {
    return { transport: "tcp", hostname: match[1], port: Number(match[2]) };
  }
  throw new Error(`not a relay address (tcp:HOST:PORT or unix:PATH): ${text}`);
}

/** A running relay. */
export interface Relay {
  /** Connections accepted so far. */
  readonly connections: number;
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
}

function connect(address: RelayAddress): Promise<Deno.Conn> {
  return address.transport === "tcp"
    ? Deno.connect({ hostname: address.hostname, port: address.port })
    : Deno.connect({ transport: "unix", path: address.path });
}

function listen(address: RelayAddress): Deno.Listener {
  return address.transport === "tcp"
    ? Deno.listen({ hostname: address.hostname, port: address.port })
    : Deno.listen({ transport: "unix", path: address.path });
}

/** Listens on `from` and pipes each client, both ways, to a new connection to `to`. */
export function startRelay(from: RelayAddress, to: RelayAddress): Relay {
  const listener = listen(from);
  const open = new Set<Deno.Conn>();
  let connections = 0;
  const close = (conn: Deno.Conn) => {
    open.delete(conn);
    try {
      conn.close();
    } catch {
      // Already closed by the other side.
    }
  };
  const serve = async (client: Deno.Conn) => {
    let server: Deno.Conn;
    try {
      server = await connect(to);
    } catch {
      // The target is down: the client sees its connection close, as it would without us.
      return close(client);
    }
    open.add(server);
    // Either side ending ends both: a half-open pair would hold the client forever.
    await Promise.race([
      client.readable.pipeTo(server.writable, { preventClose: true }).catch(() => {}),
      server.readable.pipeTo(client.writable, { preventClose: true }).catch(() => {}),
    ]);
    close(client);
    close(server);
  };
  const accepting = (async () => {
    try {
      for await (const client of listener) {
        connections++;
        open.add(client);
        serve(client);
      }
    } catch {
      // The listener was closed.
    }
  })();
  return {
    get connections() {
      return connections;
    },
    async close() {
      try {
        listener.close();
      } catch {
        // Already closed.
      }
      for (const conn of [...open]) close(conn);
      await accepting;
    },
  };
}

if (import.meta.main) {
  const [from, to] = Deno.args;
  if (!from || !to) {
    console.error("usage: relay.ts tcp:HOST:PORT|unix:PATH tcp:HOST:PORT|unix:PATH");
    Deno.exit(2);
  }
  startRelay(parseRelayAddress(from), parseRelayAddress(to));
  console.log(JSON.stringify({ msg: "relay listening", from, to }));
}
