// A TCP forwarder, as an SSH tunnel would be: listens on LISTEN (host:port) and carries each
// connection to TARGET (host:port). tests/relay.rs runs one inside each device's network
// namespace, so a device reaches the relay's namespace only through it.
// Usage: node forward.mjs LISTEN TARGET       (prints "forwarding" once listening)
import net from 'node:net'

const [listen, target] = process.argv.slice(2)
const split = (a) => { const i = a.lastIndexOf(':'); return [a.slice(0, i), Number(a.slice(i + 1))] }
const [lh, lp] = split(listen)
const [th, tp] = split(target)
net.createServer((c) => {
  const s = net.connect(tp, th)
  c.pipe(s).on('error', () => c.destroy())
  s.pipe(c).on('error', () => s.destroy())
  c.on('error', () => s.destroy())
  s.on('error', () => c.destroy())
}).listen(lp, lh, () => console.log('forwarding'))
