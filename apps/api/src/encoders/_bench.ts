import { readFileSync } from "node:fs";
import pino from "pino";
import { EncoderService } from "./encoder.service.js";
const dir = "/work/main/models/medcap-base-v1/";
const parity = JSON.parse(readFileSync(dir + "parity.json", "utf8"));
const t0 = performance.now();
const svc = await EncoderService.load(dir, { providers: ["cpu"], onnxThreads: 0, batch: { maxSize: 16, maxWaitMs: 4, maxQueue: 256 }, limits: { maxUploadBytes: 2e7, maxPixels: 4e7 } }, pino({ level: "silent" }));
console.log("load ms", (performance.now() - t0).toFixed(0));
const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
const texts: string[] = parity.texts.map((t: any) => t.text);
const alone = [] as Float32Array[];
for (const t of texts) alone.push(await svc.encodeText(t));
const batched = await svc.encodeTextsBatch(texts);
console.log("alone vs batched cos", batched.map((b, i) => cos(b, alone[i]!).toFixed(6)).join(" "));
const img = readFileSync(dir + parity.images[1].file);
const png = readFileSync("/work/shared/data/medpix-2.0/MedPix-2-0/images/" + (await import("node:fs")).readdirSync("/work/shared/data/medpix-2.0/MedPix-2-0/images")[0]);
for (const [label, bytes] of [["parity png", img], ["medpix png " + png.length + "B", png]] as const) {
  for (let i = 0; i < 3; i++) await svc.encodeImage(bytes);
  const ts: number[] = [];
  for (let i = 0; i < 20; i++) { const s = performance.now(); await svc.encodeImage(bytes); ts.push(performance.now() - s); }
  ts.sort((a, b) => a - b); console.log(label, "encodeImage p50 ms", ts[10]!.toFixed(1), "min", ts[0]!.toFixed(1));
}
for (const text of ["axial CT of the liver", texts[7]]) {
  for (let i = 0; i < 3; i++) await svc.encodeText(text);
  const ts: number[] = [];
  for (let i = 0; i < 20; i++) { const s = performance.now(); await svc.encodeText(text); ts.push(performance.now() - s); }
  ts.sort((a, b) => a - b); console.log("encodeText", svc.tokenizer.encode(text).length, "tokens p50 ms", ts[10]!.toFixed(1), "min", ts[0]!.toFixed(1));
}
const many = Array.from({ length: 64 }, () => png);
let s = performance.now(); await svc.encodeImagesBatch(many); console.log("bulk images/s", (64000 / (performance.now() - s)).toFixed(1));
s = performance.now(); await Promise.all(many.map((b) => svc.encodeImage(b))); console.log("64 concurrent encodeImage images/s", (64000 / (performance.now() - s)).toFixed(1));
await svc.close();
