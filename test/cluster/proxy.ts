// A TCP proxy in front of the test API server that a test can take down (cutting every open
// connection, watches included) and bring back: the network failing between a client and
// kube-apiserver, without touching either.
import net from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export interface ApiProxy {
  readonly port: number;
  /** A copy of `kc` whose current cluster is reached through this proxy. */
  readonly kubeConfig: KubeConfig;
  /** Cuts every open connection and refuses new ones until {@link up}. */
  down(): void;
  /**
   * Stops answering without closing anything: open connections carry no more bytes, new ones
   * are accepted and then left silent, until {@link up} (which closes them): a cluster that hangs.
   */
  stall(): void;
  up(): void;
  close(): Promise<void>;
}

/** Starts a proxy to the current cluster of `kc` on a free port of 127.0.0.1. */
export async function startApiProxy(kc: KubeConfig): Promise<ApiProxy> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const target = new URL(cluster.server);
  const sockets = new Set<net.Socket>();
  let refusing = false;
  let stalling = false;
  const held = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (refusing) return client.destroy();
    if (stalling) {
      held.add(client);
      client.on('error', () => held.delete(client)).on('close', () => held.delete(client));
      return;
    }
    const upstream = net.connect(Number(target.port || 443), target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const proxied = new KubeConfig();
  proxied.loadFromString(kc.exportConfig());
  const proxiedServer = new URL(cluster.server);
  proxiedServer.port = String(port);
  proxied.clusters = proxied.clusters.map((entry) => (entry.name === cluster.name ? { ...entry, server: proxiedServer.origin } : entry));
  return {
    port,
    kubeConfig: proxied,
    down() {
      refusing = true;
      for (const socket of sockets) socket.destroy();
    },
    stall() {
      stalling = true;
      for (const socket of sockets) {
        socket.unpipe();
        socket.pause();
      }
    },
    up() {
      refusing = false;
      if (stalling) {
        stalling = false;
        for (const socket of [...sockets, ...held]) socket.destroy();
        held.clear();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of [...sockets, ...held]) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
