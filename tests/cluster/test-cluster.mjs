// jumpstarter-host as an exporter of a (fake) Jumpstarter cluster: the
// controller's view (metadata, reports, status sequence, reconnection,
// shutdown) and a stock client's view through the router (GetReport,
// DriverCall, byte streams), two leases in a row.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';
import dgram from 'node:dgram';
import net from 'node:net';
import path from 'node:path';
import { FakeCluster, grpc, loadProtos, makeCertificate, tempDir, unary, within } from './fake-cluster.mjs';

const PROTO_DIR = process.env.JMP_TEST_PROTO_DIR;
const HOST = process.env.JMP_TEST_HOST;
const CLI = process.env.JMP_TEST_CLI;
const STATUS = (s) => `EXPORTER_STATUS_${s}`;
// pumped streams per lease: the router connections of the lease count too
const STREAM_BUDGET = 12;

let tmp, tls, proto, cluster, host, echoServer, udpServer, camera, cameraPort, config;

// tests/video's MJPEG camera (Debian's python3): real JPEG frames
async function startCamera() {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'video', 'mjpeg-server.py');
  camera = spawn('/usr/bin/python3', [script, '--port', '0', '--width', '64', '--height', '48'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await within(60000, new Promise((resolve) =>
    readline.createInterface({ input: camera.stdout }).once('line', resolve)), 'camera port');
  cameraPort = Number(line);
}

function startEchoServers() {
  echoServer = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('data', (d) => s.write(d));
    s.on('end', () => s.end());
    s.on('error', () => {});
  });
  udpServer = dgram.createSocket('udp4');
  udpServer.on('message', (msg, rinfo) => udpServer.send(msg, rinfo.port, rinfo.address));
  return Promise.all([
    new Promise((r) => echoServer.listen(0, '127.0.0.1', r)),
    new Promise((r) => udpServer.bind(0, '127.0.0.1', r)),
  ]);
}

function writeConfig(name, extra = {}) {
  const file = path.join(tmp.dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({
    apiVersion: 'jumpstarter.dev/v1alpha1',
    kind: 'ExporterConfig',
    metadata: { namespace: 'lab', name },
    endpoint: cluster.endpoint,
    token: cluster.token,
    tls: { ca: Buffer.from(tls.cert).toString('base64'), insecure: false },
    grpcOptions: { 'grpc.keepalive_time_ms': 30000 },
    export: {
      echo: { type: 'TcpNetwork', config: { host: '127.0.0.1', port: echoServer.address().port } },
      udp: { type: 'UdpNetwork', config: { host: '127.0.0.1', port: udpServer.address().port } },
      power: { type: 'Declared', description: 'a declared driver' },
      harness: { type: 'Composite', children: { inner: { type: 'Declared' } } },
      cam: { type: 'HttpVideo', config: { url: `http://127.0.0.1:${cameraPort}/stream`,
                                          snapshot_url: `http://127.0.0.1:${cameraPort}/snapshot` } },
    },
    ...extra,
  }));
  return file;
}

function spawnHost(configFile, name, extraArgs = []) {
  const listen = `unix:path=${path.join(tmp.dir, `${name}.bus`)}`;
  const verbose = process.env.JMP_TEST_VERBOSE ? ['--verbose'] : [];
  const child = spawn(HOST, ['--config', configFile, '--listen', listen, ...extraArgs, ...verbose], {
    stdio: ['ignore', verbose.length ? 'inherit' : 'ignore', 'pipe'],
  });
  child.log = '';
  child.listen = listen;
  // the host's log goes to the test's log too, for a failure's reader
  child.stderr.on('data', (d) => { child.log += d; process.stderr.write(d); });
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return child;
}

function waitLog(child, pattern, what) {
  return within(60000, new Promise((resolve) => {
    const check = () => { if (pattern.test(child.log)) { clearInterval(t); resolve(); } };
    const t = setInterval(check, 50);
    check();
  }), what);
}

before(async () => {
  tmp = tempDir();
  tls = makeCertificate(tmp.dir);
  proto = loadProtos(PROTO_DIR);
  cluster = new FakeCluster(proto, tls);
  await cluster.start();
  await startEchoServers();
  await startCamera();
  config = writeConfig('bench-1');
  host = spawnHost(config, 'bench-1', ['--max-streams-per-peer', String(STREAM_BUDGET)]);
});

after(() => {
  if (host && host.exitCode === null) host.kill('SIGKILL');
  cluster.stop();
  echoServer.close();
  udpServer.close();
  camera.kill();
  tmp.remove();
});

let register;

test('registers with the token and the exporter\'s identity', async () => {
  register = await cluster.waitFor((e) => e.type === 'Register', 'Register');
  assert.equal(register.metadata.authorization, 'Bearer exporter-token');
  assert.equal(register.metadata['jumpstarter-kind'], 'Exporter');
  assert.equal(register.metadata['jumpstarter-namespace'], 'lab');
  assert.equal(register.metadata['jumpstarter-name'], 'bench-1');
  assert.equal(register.request.labels['jumpstarter.dev/name'], 'bench-1');
});

test('reports the tree root first, parents before children, with client classes', () => {
  const reports = register.request.reports;
  assert.equal(reports.length, 7);
  const root = reports[0];
  assert.equal(root.parent_uuid, undefined);
  assert.equal(root.labels['jumpstarter.dev/client'], 'jumpstarter_driver_composite.client.CompositeClient');
  assert.equal(root.labels['jumpstarter.dev/name'], undefined);
  const seen = new Set([root.uuid]);
  const byName = {};
  for (const r of reports.slice(1)) {
    assert.ok(seen.has(r.parent_uuid), `${r.labels['jumpstarter.dev/name']}: parent reported first`);
    seen.add(r.uuid);
    byName[r.labels['jumpstarter.dev/name']] = r;
  }
  assert.deepEqual(Object.keys(byName).sort(), ['cam', 'echo', 'harness', 'inner', 'power', 'udp']);
  assert.equal(byName.cam.labels['jumpstarter.dev/client'], 'jumpstarter_driver_ustreamer.client.UStreamerClient');
  assert.equal(byName.echo.labels['jumpstarter.dev/client'], 'jumpstarter_driver_network.client.NetworkClient');
  assert.equal(byName.udp.labels['jumpstarter.dev/client'], 'jumpstarter_driver_network.client.NetworkClient');
  assert.equal(byName.power.labels['jumpstarter.dev/client'], 'jumpstarter.client.DriverClient');
  assert.equal(byName.harness.labels['jumpstarter.dev/client'], 'jumpstarter_driver_composite.client.CompositeClient');
  assert.equal(byName.inner.parent_uuid, byName.harness.uuid);
  assert.equal(byName.power.description, 'a declared driver');
  assert.equal(byName.power.methods_description.echo, 'Repeat TEXT TIMES times');
});

test('reports AVAILABLE and keeps the Status stream open', async () => {
  await cluster.waitFor((e) => e.type === 'ReportStatus' && e.status === STATUS('AVAILABLE'), 'AVAILABLE');
  await cluster.waitFor((e) => e.type === 'Status', 'Status');
  await waitLog(host, /cluster: online at 127\.0\.0\.1:/, 'online log line');
});

test('keeps its local D-Bus API', () => {
  const out = execFileSync(CLI, ['list'], { env: { ...process.env, JUMPSTARTER_HOST: host.listen } }).toString();
  for (const name of ['echo', 'udp', 'power', 'inner']) assert.match(out, new RegExp(name));
});

let lease, fdsBefore;

// The host's fds, less HttpVideo's HTTP keep-alive connections to the
// camera, which libsoup keeps for a while whatever the lease does.
function cameraInodes() {
  const port = cameraPort.toString(16).toUpperCase().padStart(4, '0');
  return new Set(readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)
    .map((l) => l.trim().split(/\s+/)).filter((f) => f[2] && f[2].endsWith(`:${port}`)).map((f) => f[9]));
}
function hostFds(child) {
  const camera = cameraInodes();
  return readdirSync(`/proc/${child.pid}/fd`).map((fd) => {
    try { return `${fd}:${readlinkSync(`/proc/${child.pid}/fd/${fd}`)}`; } catch { return `${fd}:gone`; }
  }).filter((f) => !camera.has((f.match(/socket:\[(\d+)\]/) || [])[1]));
}
const fdCount = (child) => hostFds(child).length;
const fdList = (child) => hostFds(child).join(' ');

async function beginLease(name) {
  const from = cluster.events.length;
  cluster.setLease(name);
  const listen = await cluster.waitFor((e) => e.type === 'Listen' && e.lease === name, `Listen ${name}`, from);
  const ready = await cluster.waitFor((e) => e.type === 'ReportStatus' && e.status === STATUS('LEASE_READY'),
    `LEASE_READY ${name}`, from);
  assert.ok(cluster.events.indexOf(listen) < cluster.events.indexOf(ready), 'Listen before LEASE_READY');
  return cluster.openLease(tmp.dir);
}

function reportByName(report, name) {
  return report.reports.find((r) => r.labels['jumpstarter.dev/name'] === name);
}

test('a lease: Listen first, then LEASE_READY; the session reports and says LEASE_READY', async () => {
  fdsBefore = fdCount(host);
  if (process.env.JMP_TEST_VERBOSE) console.error('fds before', fdList(host));
  lease = await beginLease('lease-1');
  const report = await unary(lease.exporter, 'GetReport', {});
  assert.equal(report.uuid, 'exporter-uuid-1');
  assert.equal(report.labels['jumpstarter.dev/name'], 'bench-1');
  assert.deepEqual(report.reports.map((r) => r.uuid), register.request.reports.map((r) => r.uuid));
  const status = await unary(lease.exporter, 'GetStatus', {});
  assert.equal(status.status, STATUS('LEASE_READY'));
});

// protobufjs names the fields of its well-known types in camelCase
const num = (n) => ({ numberValue: n });
const str = (s) => ({ stringValue: s });

function valueOf(v) {
  switch (v.kind) {
    case 'nullValue': return null;
    case 'numberValue': return v.numberValue;
    case 'stringValue': return v.stringValue;
    case 'boolValue': return v.boolValue;
    case 'listValue': return v.listValue.values.map(valueOf);
    case 'structValue': return Object.fromEntries(Object.entries(v.structValue.fields).map(([k, x]) => [k, valueOf(x)]));
    default: return undefined;
  }
}

async function call(name, method, args = []) {
  const report = await unary(lease.exporter, 'GetReport', {});
  const uuid = reportByName(report, name).uuid;
  const resp = await unary(lease.exporter, 'DriverCall', { uuid, method, args });
  assert.equal(resp.uuid, uuid);
  return valueOf(resp.result);
}

async function callError(name, method, args = []) {
  try {
    await call(name, method, args);
  } catch (e) {
    return e;
  }
  assert.fail(`${method} did not fail`);
}

test('DriverCall: declared methods with values converted by signature', async () => {
  assert.deepEqual(await call('power', 'echo', [str('ab'), num(3)]), ['ababab', 6]);
  assert.equal(await call('power', 'bump'), null);
  assert.equal(await call('power', 'answer-later'), 'later');
  assert.equal(await call('inner', 'echo', [str('x'), num(2)]).then((r) => r[0]), 'xx');
  assert.match(await call('echo', 'address'), new RegExp(String(echoServer.address().port)));
});

test('DriverCall: errors as a stock client expects them', async () => {
  const cases = [
    [['power', 'echo', [num(1), num(3)]], grpc.status.INVALID_ARGUMENT],
    [['power', 'echo', [str('a'), num(1.5)]], grpc.status.INVALID_ARGUMENT],
    [['power', 'echo', [str('a'), num(2 ** 40)]], grpc.status.INVALID_ARGUMENT],
    [['power', 'echo', [str('a')]], grpc.status.INVALID_ARGUMENT],
    [['power', 'nope'], grpc.status.NOT_FOUND],
    [['power', 'fail'], grpc.status.NOT_FOUND],
    [['power', 'stream'], grpc.status.UNIMPLEMENTED],
  ];
  for (const [args, code] of cases) {
    const e = await callError(...args);
    assert.equal(e.code, code, `${args[1]}: ${e.details}`);
  }
  const e = await unary(lease.exporter, 'DriverCall', { uuid: 'no-such-uuid', method: 'x', args: [] })
    .catch((err) => err);
  assert.equal(e.code, grpc.status.NOT_FOUND);
  const u = await unary(lease.exporter, 'Reset', {}).catch((err) => err);
  assert.equal(u.code, grpc.status.UNIMPLEMENTED);
});

async function uuidOf(name) {
  const report = await unary(lease.exporter, 'GetReport', {});
  return reportByName(report, name).uuid;
}

// A driver byte stream: RouterService.Stream inside the session.
function openStream(uuid) {
  const md = new grpc.Metadata();
  md.set('request', JSON.stringify({ kind: 'driver', uuid, method: 'connect' }));
  const stream = lease.streams.Stream(md);
  const chunks = [];
  let goaway = false;
  const done = new Promise((resolve, reject) => {
    stream.on('data', (f) => {
      if (f.frame_type === 'FRAME_TYPE_DATA') chunks.push(f.payload);
      else if (f.frame_type === 'FRAME_TYPE_GOAWAY') goaway = true;
    });
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  return {
    stream,
    send: (buf) => stream.write({ payload: buf, frame_type: 'FRAME_TYPE_DATA' }),
    close: () => { stream.write({ frame_type: 'FRAME_TYPE_GOAWAY' }); stream.end(); },
    result: () => within(120000, done, 'stream end').then(() => ({ data: Buffer.concat(chunks), chunks, goaway })),
  };
}

test('byte stream: echo through the router, half-close, GOAWAY as EOF', async () => {
  const s = openStream(await uuidOf('echo'));
  s.send(Buffer.from('hello '));
  s.send(Buffer.from('world'));
  s.close();
  const r = await s.result();
  assert.equal(r.data.toString(), 'hello world');
  assert.ok(r.goaway, 'the echo server\'s end arrives as GOAWAY');
});

test('byte stream: 16 MiB byte-exact both ways', async () => {
  const data = randomBytes(16 * 1024 * 1024);
  const s = openStream(await uuidOf('echo'));
  for (let off = 0; off < data.length; off += 65536) s.send(data.subarray(off, off + 65536));
  s.close();
  const r = await s.result();
  assert.equal(r.data.length, data.length);
  assert.equal(createHash('sha256').update(r.data).digest('hex'), createHash('sha256').update(data).digest('hex'));
});

test('byte stream: many at once in one lease', async () => {
  const uuid = await uuidOf('echo');
  const runs = Array.from({ length: 8 }, (_, i) => {
    const data = randomBytes(256 * 1024 + i);
    const s = openStream(uuid);
    s.send(data);
    s.close();
    return s.result().then((r) => assert.ok(r.data.equals(data), `stream ${i}`));
  });
  await Promise.all(runs);
});

// The first echo, or the error that ended the stream before it.
async function firstEcho(s, what) {
  const outcome = s.result().then(() => null, (e) => e);
  return within(60000, new Promise((resolve) => {
    s.stream.once('data', () => resolve(null));
    outcome.then((e) => resolve(e || new Error('ended before the first echo')));
    s.send(Buffer.from('x'));
  }), what);
}

test('byte stream: a lease holds at most its budget of streams; a closed one comes back', async () => {
  const uuid = await uuidOf('echo');
  const held = [];
  let refused = null;
  for (let i = 0; i <= STREAM_BUDGET && !refused; i++) {
    const s = openStream(uuid);
    refused = await firstEcho(s, `stream ${i}`);
    if (!refused) held.push(s);
  }
  assert.ok(refused, 'a stream past the budget is refused');
  assert.equal(refused.code, grpc.status.RESOURCE_EXHAUSTED, refused.details);
  assert.match(refused.details, new RegExp(` ${STREAM_BUDGET} `));
  // the lease's router connections hold at least one place
  assert.ok(held.length < STREAM_BUDGET && held.length >= STREAM_BUDGET - 3, `${held.length} streams held`);

  // one closed: its place comes back once the host's pump saw the end
  const closed = held.pop();
  closed.close();
  await closed.result();
  let again = null;
  for (let i = 0; i < 200 && !again; i++) {
    const s = openStream(uuid);
    if (!(await firstEcho(s, `again ${i}`))) again = s;
    else await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(again, 'a stream opens again after one closed');
  held.push(again);
  for (const s of held) s.close();
  await Promise.all(held.map((s) => s.result()));
});

test('byte stream: UDP keeps datagram boundaries', async () => {
  const s = openStream(await uuidOf('udp'));
  const sizes = [1, 1200, 7, 60000];
  const got = [];
  const all = new Promise((resolve) => s.stream.on('data', (f) => {
    if (f.frame_type === 'FRAME_TYPE_DATA') got.push(f.payload.length);
    if (got.length === sizes.length) resolve();
  }));
  for (const n of sizes) s.send(randomBytes(n));
  await within(60000, all, 'datagrams back');
  assert.deepEqual(got, sizes);
  s.close();
  await s.result();
});

test('video: state, snapshot as base64, connect as a byte stream', async () => {
  const state = await call('cam', 'state');
  assert.equal(state.online, true);
  const jpeg = Buffer.from(await call('cam', 'snapshot'), 'base64');
  assert.equal(jpeg.subarray(0, 2).toString('hex'), 'ffd8');
  const s = openStream(await uuidOf('cam'));
  s.send(Buffer.from('GET /snapshot HTTP/1.0\r\n\r\n'));
  s.close();
  const r = await s.result();
  assert.match(r.data.subarray(0, 20).toString(), /^HTTP\/1\.[01] 200/);
});

test('byte stream: an unknown driver or a bad request header is an error, the host stays', async () => {
  const md = new grpc.Metadata();
  md.set('request', JSON.stringify({ kind: 'driver', uuid: 'nope', method: 'connect' }));
  const bad = lease.streams.Stream(md);
  const err = await within(60000, new Promise((resolve) => { bad.on('error', resolve); bad.on('data', () => {}); }), 'refusal');
  assert.equal(err.code, grpc.status.NOT_FOUND);
  const md2 = new grpc.Metadata();
  md2.set('request', 'not json');
  const bad2 = lease.streams.Stream(md2);
  const err2 = await within(60000, new Promise((resolve) => { bad2.on('error', resolve); bad2.on('data', () => {}); }), 'refusal');
  assert.equal(err2.code, grpc.status.INVALID_ARGUMENT);
  // json-glib 1.6 alone would take the first object and drop the rest
  const md3 = new grpc.Metadata();
  const good = JSON.stringify({ kind: 'driver', uuid: await uuidOf('echo'), method: 'connect' });
  md3.set('request', `${good} {}`);
  const bad3 = lease.streams.Stream(md3);
  const err3 = await within(60000, new Promise((resolve) => { bad3.on('error', resolve); bad3.on('data', () => {}); }), 'refusal');
  assert.equal(err3.code, grpc.status.INVALID_ARGUMENT);
  assert.equal(await call('power', 'answer-later'), 'later');
});

test('EndSession: available again at once, as the client waits for', async () => {
  const from = cluster.events.length;
  const resp = await unary(lease.exporter, 'EndSession', {});
  assert.equal(resp.success, true);
  await cluster.waitFor((e) => e.type === 'ReportStatus' && e.status === STATUS('AVAILABLE'), 'AVAILABLE', from);
  assert.equal((await unary(lease.exporter, 'GetStatus', {})).status, STATUS('AVAILABLE'));
});

test('the end of a lease: AVAILABLE again; a second lease works', async () => {
  const from = cluster.events.length;
  cluster.setLease(null);
  await cluster.waitFor((e) => e.type === 'ReportStatus' && e.status === STATUS('AVAILABLE'), 'AVAILABLE', from);
  lease.close();
  // every stream, router connection and session socket of the lease is gone
  await within(60000, new Promise((resolve) => {
    let n = 0;
    const t = setInterval(() => {
      if (process.env.JMP_TEST_VERBOSE && ++n % 100 === 0) console.error('fds now', fdList(host));
      if (fdCount(host) <= fdsBefore) { clearInterval(t); resolve(); }
    }, 50);
  }), `fds back to ${fdsBefore}`).catch((e) => { e.message += `: ${fdList(host)}`; throw e; });
  lease = await beginLease('lease-2');
  assert.deepEqual(await call('power', 'echo', [str('z'), num(2)]), ['zz', 2]);
  const s = openStream(await uuidOf('echo'));
  s.send(Buffer.from('again'));
  s.close();
  assert.equal((await s.result()).data.toString(), 'again');
});

test('a router that cannot be reached is one line; the lease goes on', async () => {
  const gone = new FakeCluster(proto, tls);
  await gone.start();
  const endpoint = gone.routerEndpoint;
  gone.stop();
  cluster.listenCalls.filter((c) => !c.cancelled).at(-1)
    .write({ router_endpoint: endpoint, router_token: 'x' });
  await waitLog(host, new RegExp(`cluster: router ${endpoint.replace(/\./g, '\\.')}: UNAVAILABLE`), 'router line');
  assert.equal(await call('power', 'answer-later'), 'later');
});

test('a lost Status stream is reopened, with one log line each way', async () => {
  const from = cluster.events.length;
  cluster.dropStatus();
  await cluster.waitFor((e) => e.type === 'Register', 'Register again', from);
  await cluster.waitFor((e) => e.type === 'Status', 'Status again', from);
  await waitLog(host, /status stream to 127\.0\.0\.1:\d+ lost: UNAVAILABLE/, 'lost line');
  assert.equal(host.log.match(/status stream to .* lost/g).length, 1);
  // still leased: the status it reports again is LEASE_READY
  const again = await cluster.waitFor((e) => e.type === 'ReportStatus', 'ReportStatus again', from);
  assert.equal(again.status, STATUS('LEASE_READY'));
});

test('a reload (SIGHUP) registers the new tree', async () => {
  const from = cluster.events.length;
  const doc = JSON.parse(readFileSync(config));
  doc.export.extra = { type: 'Declared' };
  writeFileSync(config, JSON.stringify(doc));
  host.kill('SIGHUP');
  await cluster.waitFor((e) => e.type === 'Register' &&
    e.request.reports.some((r) => r.labels['jumpstarter.dev/name'] === 'extra'), 'Register with extra', from);
});

test('SIGTERM: OFFLINE, then Unregister, then exit', async () => {
  const from = cluster.events.length;
  host.kill('SIGTERM');
  const offline = await cluster.waitFor((e) => e.type === 'ReportStatus' && e.status === STATUS('OFFLINE'), 'OFFLINE', from);
  const unregister = await cluster.waitFor((e) => e.type === 'Unregister', 'Unregister', from);
  assert.ok(cluster.events.indexOf(offline) < cluster.events.indexOf(unregister));
  assert.equal(unregister.metadata.authorization, 'Bearer exporter-token');
  const { code } = await within(60000, host.exited, 'exit');
  assert.equal(code, 0, host.log);
  lease.close();
});

test('a bad token: UNAUTHENTICATED with the endpoint, logged per attempt, retried, no crash', async () => {
  const file = writeConfig('bench-2', { token: 'wrong' });
  const from = cluster.events.length;
  const child = spawnHost(file, 'bench-2');
  await cluster.waitFor((e) => e.type === 'Register' && e.metadata['jumpstarter-name'] === 'bench-2', 'first', from);
  await waitLog(child, /cannot register with 127\.0\.0\.1:\d+: UNAUTHENTICATED[^\n]*\n[^]*UNAUTHENTICATED/, 'two lines');
  assert.equal(child.exitCode, null, 'still running');
  child.kill('SIGTERM');
  const { code } = await within(60000, child.exited, 'exit');
  assert.equal(code, 0, child.log);
});

test('a controller that is down at start is retried until it is up, with one line', async () => {
  const late = new FakeCluster(proto, tls);
  await late.start();
  const port = late.controllerPort;
  late.stop();
  const child = spawnHost(writeConfig('bench-6', { endpoint: `127.0.0.1:${port}` }), 'bench-6');
  await waitLog(child, /cannot register with 127\.0\.0\.1:\d+: UNAVAILABLE/, 'down');
  // a few attempts fail meanwhile (1 s, then 2 s later): not a bound, a chance
  await new Promise((resolve) => setTimeout(resolve, 4000));
  const again = new FakeCluster(proto, tls);
  await again.start(port);
  await again.waitFor((e) => e.type === 'Register', 'Register once up');
  await waitLog(child, /cluster: online at/, 'online');
  assert.equal(child.log.match(/cannot register/g).length, 1, child.log);
  child.kill('SIGTERM');
  assert.equal((await within(60000, child.exited, 'exit')).code, 0, child.log);
  again.stop();
});

test('a broken tls.ca is refused at start, naming the key', async () => {
  const bad = writeConfig('bench-3', { tls: { ca: 'not base64 of a certificate' } });
  const child = spawnHost(bad, 'bench-3');
  const { code } = await within(60000, child.exited, 'exit');
  assert.notEqual(code, 0);
  assert.match(child.log, /tls\.ca/);
});

test('tls.insecure: trusts the certificate shown first, still checks the host name', async () => {
  const from = cluster.events.length;
  const trusting = spawnHost(writeConfig('bench-4', { tls: { insecure: true } }), 'bench-4');
  await cluster.waitFor((e) => e.type === 'Register' && e.metadata['jumpstarter-name'] === 'bench-4', 'Register', from);
  trusting.kill('SIGTERM');
  assert.equal((await within(60000, trusting.exited, 'exit')).code, 0, trusting.log);

  // a controller whose certificate names another host
  const other = new FakeCluster(proto, makeCertificate(tmp.dir, 'other.example'));
  await other.start();
  const child = spawnHost(writeConfig('bench-5', { endpoint: other.endpoint, tls: { insecure: true } }), 'bench-5');
  await waitLog(child, /cannot register with 127\.0\.0\.1:\d+: UNAVAILABLE/, 'refused');
  assert.equal(other.events.length, 0);
  child.kill('SIGTERM');
  assert.equal((await within(60000, child.exited, 'exit')).code, 0, child.log);
  other.stop();
});
