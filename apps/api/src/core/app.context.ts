// What every command and the server share for their whole run: configuration, the logger, the
// database and the image store. app/app.context.ts opens it (openAppContext); everything else
// receives it.
import type { Database } from "@medcap/db";
import type { Config } from "../config/config.js";
import type { ImageStore } from "./image.store.js";
import type { Logger } from "./logger.js";

export interface AppContext {
  config: Config;
  logger: Logger;
  db: Database;
  images: ImageStore;
  close(): Promise<void>;
}
