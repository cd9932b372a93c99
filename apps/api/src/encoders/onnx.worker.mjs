// One ONNX Runtime session on its own thread. onnxruntime-node's `run` is synchronous native code
// (the JS promise only defers it with setImmediate), so on the main thread every batch froze the
// event loop for its whole duration: health checks, other keys' requests and their database round
// trips all waited behind the encoder. Plain JavaScript on purpose: a worker is loaded by Node
// itself, outside tsx/vitest's TypeScript loaders.
//
// Protocol (see onnx.session.ts): workerData { model: Uint8Array | string, options }; then messages
// { id, feeds: { name: { type, data, dims } }, outputs: [name…] } → { id, results: [{ type, data, dims } | null…] }
// (null = the graph has no such output) or { id, error };
// { id, release: true } → { id, released: true }.
import { parentPort, workerData } from "node:worker_threads";
import * as ort from "onnxruntime-node";

let session;
try {
  session = await ort.InferenceSession.create(workerData.model, workerData.options);
  parentPort.postMessage({ ready: true, inputNames: [...session.inputNames], outputNames: [...session.outputNames] });
} catch (err) {
  parentPort.postMessage({ ready: false, error: err instanceof Error ? err.message : String(err) });
}

parentPort.on("message", async (message) => {
  const { id } = message;
  if (message.release) {
    await session?.release().catch(() => {});
    parentPort.postMessage({ id, released: true });
    return;
  }
  try {
    const feeds = {};
    for (const [name, t] of Object.entries(message.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
    const result = await session.run(feeds, message.outputs);
    const results = message.outputs.map((name) => {
      const tensor = result[name];
      return tensor ? { type: tensor.type, data: tensor.data, dims: [...tensor.dims] } : null;
    });
    parentPort.postMessage(
      { id, results },
      results.filter((r) => r !== null).map((r) => r.data.buffer),
    );
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
