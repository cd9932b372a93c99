// A free loopback TCP port, found by letting the OS pick one and releasing it. The embedded
// PostgreSQL uses it when its preferred port is taken; tests and harnesses use it for their servers.
import net from "node:net";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
