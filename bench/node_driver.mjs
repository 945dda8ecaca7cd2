// The same work as bench/sfu_driver.py, through mediasoup's own Node library, for comparison.
// Run by sfu_driver.py with MEDIASOUP_WORKER_BIN pointing at our build; prints one JSON line.
import { createRequire } from 'node:module';

const require = createRequire(process.env.MEDIASOUP_NODE_MODULES + '/');
const mediasoup = require('mediasoup');
const n = Number(process.env.BENCH_N || 1000);

const mediaCodecs = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
];
const listenIps = [{ ip: '127.0.0.1' }];

const worker = await mediasoup.createWorker({ logLevel: 'warn' });
const router = await worker.createRouter({ mediaCodecs });

let start = process.hrtime.bigint();
for (let i = 0; i < n; i++) {
  const transport = await router.createWebRtcTransport({ listenIps });
  transport.close();
}
await router.dump(); // every close has been handled once this answers
const transportSeconds = Number(process.hrtime.bigint() - start) / 1e9;

const send = await router.createWebRtcTransport({ listenIps });
const recv = await router.createWebRtcTransport({ listenIps });
const producer = await send.produce({ kind: 'audio', rtpParameters: JSON.parse(process.env.BENCH_RTP_PARAMETERS) });
const rtpCapabilities = router.rtpCapabilities;
start = process.hrtime.bigint();
for (let i = 0; i < n; i++) {
  const consumer = await recv.consume({ producerId: producer.id, rtpCapabilities, paused: true });
  consumer.close();
}
await router.dump();
const consumerSeconds = Number(process.hrtime.bigint() - start) / 1e9;
worker.close();
console.log(JSON.stringify({ transportSeconds, consumerSeconds }));
