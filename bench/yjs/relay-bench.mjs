// The reference for benches/sync.rs: the stock Yjs websocket server (@y/websocket-server
// 0.1.1, its own process) relaying edits between two y-websocket clients (this process).
// Prints one JSON line: typing latency (p50/p99/max over N edits at an interval) and the time
// until B has applied a burst of N edits.
// Usage: node relay-bench.mjs [edits=10000] [interval_ms=20]
import { spawn } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'

const N = Number(process.argv[2] || 10000)
const INTERVAL = Number(process.argv[3] || 20)
const here = path.dirname(fileURLToPath(import.meta.url))
const port = String(20000 + Math.floor(Math.random() * 20000))
const server = spawn(process.execPath, [path.join(here, 'node_modules/@y/websocket-server/src/server.js')], {
  env: { ...process.env, PORT: port, HOST: '127.0.0.1' },
  stdio: ['ignore', 'pipe', 'inherit']
})
await new Promise((resolve) => server.stdout.once('data', resolve))

// disableBc: both clients live in this one process, and y-websocket also publishes every
// update on a BroadcastChannel named after the room (for browser tabs of one origin), which
// Node has too — left on, B gets A's edits in-process and the figures never measure the
// server (p50 ~0.4 ms with it, ~1.0 ms without, measured 2026-12-07).
const connect = (room) => {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(`ws://127.0.0.1:${port}`, room, doc, { WebSocketPolyfill: WebSocket, disableBc: true })
  return { doc, provider }
}
const synced = (p) => new Promise((resolve) => p.provider.once('sync', resolve))
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const pct = (s, p) => s[Math.round((s.length - 1) * p)]

async function scenario (room, interval) {
  const a = connect(room)
  const b = connect(room)
  await Promise.all([synced(a), synced(b)])
  const sent = []
  const lat = []
  let received = 0
  let allDone
  const done = new Promise((resolve) => { allDone = resolve })
  b.doc.on('update', (_u, origin) => {
    if (origin === null) return
    const t = performance.now()
    lat.push(t - sent[received])
    received++
    if (received === N) allDone(t)
  })
  const text = a.doc.getText('t')
  if (interval === 0) {
    // burst: the edits are made on a scratch document first (as benches/sync.rs does), then
    // every update is applied to A at once, which sends each; timed from the first one
    const scratch = new Y.Doc()
    Y.applyUpdate(scratch, Y.encodeStateAsUpdate(a.doc))
    const updates = []
    scratch.on('update', (u) => updates.push(u))
    const st = scratch.getText('t')
    for (let i = 0; i < N; i++) st.insert(st.length, 'x')
    const start = performance.now()
    for (let i = 0; i < N; i++) {
      sent.push(performance.now())
      Y.applyUpdate(a.doc, updates[i], 'burst')
      if (i % 500 === 0) await sleep(0)
    }
    const end = await done
    a.provider.destroy(); b.provider.destroy()
    return { lat: lat.sort((x, y) => x - y), total: end - start }
  }
  const start = performance.now()
  for (let i = 0; i < N; i++) {
    sent.push(performance.now())
    text.insert(text.length, 'x')
    if (interval > 0) await sleep(interval)
    else if (i % 500 === 0) await sleep(0)
  }
  const end = await done
  a.provider.destroy(); b.provider.destroy()
  return { lat: lat.sort((x, y) => x - y), total: end - start }
}

const typing = await scenario('typing', INTERVAL)
const burst = await scenario('burst', 0)
console.log(JSON.stringify({
  edits: N,
  interval_ms: INTERVAL,
  p50_ms: pct(typing.lat, 0.5),
  p99_ms: pct(typing.lat, 0.99),
  max_ms: typing.lat[typing.lat.length - 1],
  burst_ms: burst.total
}))
server.kill()
process.exit(0)
