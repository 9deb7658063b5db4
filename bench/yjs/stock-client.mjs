// A stock Yjs client in a brief's room (yjs + y-websocket from npm, as a team's dashboard or
// script would be): connects to the server at URL in ROOM, and once synced prints one JSON line
// with the brief's title and problem statement as Groundwork stores them (ARCHITECTURE.md,
// "Document schema": `title` is a Y.Text, each section's body a Y.Text). With APPEND it then
// types those words at the end of the problem statement; with WAIT it waits until the problem
// statement holds those words (from the peers: the test answers what it appended, so the
// client leaves only after its words went out) and prints again. Exits 0 when done.
// Usage: node stock-client.mjs URL ROOM [APPEND] [WAIT]     (used by tests/relay.rs)
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'

const [url, room, append, wait] = process.argv.slice(2)
const doc = new Y.Doc()
const provider = new WebsocketProvider(url, room, doc, { WebSocketPolyfill: WebSocket })
provider.awareness.setLocalStateField('user', { name: 'Dashboard script' })
const problem = doc.getText('body:problem')
const print = () => console.log(JSON.stringify({ title: doc.getText('title').toString(), problem: problem.toString(), evidence: doc.getText('body:evidence').toString() }))
const timeout = setTimeout(() => { console.error('timed out'); process.exit(1) }, 30000)
await new Promise((resolve) => provider.once('sync', resolve))
print()
if (append) problem.insert(problem.length, append)
if (wait) {
  await new Promise((resolve) => {
    const check = () => { if (problem.toString().includes(wait)) resolve() }
    problem.observe(check)
    check()
  })
  print()
}
clearTimeout(timeout)
provider.destroy()
process.exit(0)
