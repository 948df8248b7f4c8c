// A fake Jumpstarter cluster for the tests: a controller, a router and a
// client, written against the project's own transcription of the protocol
// (host/cluster/proto). Everything runs over TLS with a certificate the
// test makes.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

export { grpc };

export function loadProtos(protoDir) {
  const def = protoLoader.loadSync(
    ['jumpstarter/v1/jumpstarter.proto', 'jumpstarter/v1/router.proto'],
    { includeDirs: [protoDir], keepCase: true, longs: String, enums: String,
      defaults: true, oneofs: true });
  return grpc.loadPackageDefinition(def).jumpstarter.v1;
}

// A self-signed certificate for 127.0.0.1 and localhost, or for another
// name only.
export function makeCertificate(dir, name = 'localhost') {
  const key = path.join(dir, `${name}-key.pem`);
  const cert = path.join(dir, `${name}-cert.pem`);
  const san = name === 'localhost' ? 'DNS:localhost,IP:127.0.0.1' : `DNS:${name}`;
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-keyout', key, '-out', cert,
    '-addext', `subjectAltName=${san}`], { stdio: 'ignore' });
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

// Resolves with the value, or rejects after `ms`: a guard against hangs,
// never a measure of speed.
export function within(ms, promise, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

function metadataObject(metadata) {
  const out = {};
  for (const [k, v] of Object.entries(metadata.getMap())) out[k] = String(v);
  return out;
}

export class FakeCluster {
  constructor(proto, tls) {
    this.proto = proto;
    this.tls = tls;
    this.events = [];         // everything the exporter did, in order
    this.waiters = [];
    this.statusCalls = [];
    this.listenCalls = [];
    this.token = 'exporter-token';
    this.refuseRegister = null;
    this.pendingRouter = new Map();
    this.nextToken = 0;
  }

  record(event) {
    this.events.push(event);
    for (const w of [...this.waiters]) {
      if (w.match(event)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  }

  // The first event, already seen or to come, that `match` accepts after
  // `from` events.
  waitFor(match, what, from = 0, ms = 60000) {
    const seen = this.events.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return within(ms, new Promise((resolve) => this.waiters.push({ match, resolve })), what);
  }

  async start(controllerPort = 0) {
    const creds = () => grpc.ServerCredentials.createSsl(null,
      [{ private_key: this.tls.key, cert_chain: this.tls.cert }], false);
    this.controller = new grpc.Server();
    this.controller.addService(this.proto.ControllerService.service, {
      Register: (call, cb) => {
        const md = metadataObject(call.metadata);
        this.record({ type: 'Register', metadata: md, request: call.request });
        if (this.refuseRegister) return cb(this.refuseRegister);
        if (md.authorization !== `Bearer ${this.token}`)
          return cb({ code: grpc.status.UNAUTHENTICATED, details: 'bad token' });
        cb(null, { uuid: 'exporter-uuid-1' });
      },
      Unregister: (call, cb) => {
        this.record({ type: 'Unregister', metadata: metadataObject(call.metadata), request: call.request });
        cb(null, {});
      },
      ReportStatus: (call, cb) => {
        this.record({ type: 'ReportStatus', status: call.request.status, metadata: metadataObject(call.metadata) });
        cb(null, {});
      },
      Status: (call) => {
        this.statusCalls.push(call);
        this.record({ type: 'Status', metadata: metadataObject(call.metadata) });
        call.write({ leased: false });
        call.on('cancelled', () => this.record({ type: 'StatusCancelled' }));
      },
      Listen: (call) => {
        this.listenCalls.push(call);
        this.record({ type: 'Listen', lease: call.request.lease_name, metadata: metadataObject(call.metadata) });
        call.on('cancelled', () => this.record({ type: 'ListenCancelled', lease: call.request.lease_name }));
      },
    });
    this.router = new grpc.Server();
    this.router.addService(this.proto.RouterService.service, {
      Stream: (call) => this.routerStream(call),
    });
    this.controllerPort = await new Promise((resolve, reject) =>
      this.controller.bindAsync(`127.0.0.1:${controllerPort}`, creds(), (e, p) => (e ? reject(e) : resolve(p))));
    this.routerPort = await new Promise((resolve, reject) =>
      this.router.bindAsync('127.0.0.1:0', creds(), (e, p) => (e ? reject(e) : resolve(p))));
    this.endpoint = `127.0.0.1:${this.controllerPort}`;
    this.routerEndpoint = `127.0.0.1:${this.routerPort}`;
  }

  // The router pairs the two streams that show the same token and copies
  // frames verbatim, as Jumpstarter's does.
  routerStream(call) {
    const auth = String(call.metadata.get('authorization')[0] || '');
    const token = auth.replace(/^Bearer /, '');
    this.record({ type: 'RouterStream', token });
    const other = this.pendingRouter.get(token);
    if (!other) {
      this.pendingRouter.set(token, call);
      return;
    }
    this.pendingRouter.delete(token);
    const pipe = (a, b) => {
      a.on('data', (frame) => { if (!b.write(frame)) { a.pause(); b.once('drain', () => a.resume()); } });
      a.on('end', () => b.end());
      a.on('error', () => b.end());
    };
    pipe(call, other);
    pipe(other, call);
  }

  setLease(lease, client = 'client-1') {
    for (const call of this.statusCalls)
      if (!call.cancelled && !call.destroyed)
        call.write(lease ? { leased: true, lease_name: lease, client_name: client } : { leased: false });
  }

  dropStatus(code = grpc.status.UNAVAILABLE) {
    const calls = this.statusCalls.splice(0);
    for (const call of calls) call.emit('error', { code, details: 'controller restarting' });
  }

  // A client's connection through the router: a new token per connection,
  // announced on the exporter's Listen, as a Dial does.
  dial(socket) {
    const token = `router-token-${++this.nextToken}`;
    const listen = this.listenCalls.filter((c) => !c.cancelled).at(-1);
    listen.write({ router_endpoint: this.routerEndpoint, router_token: token });
    const client = new this.proto.RouterService(this.routerEndpoint,
      grpc.credentials.createSsl(this.tls.cert));
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${token}`);
    const stream = client.Stream(md);
    const debug = process.env.JMP_TEST_VERBOSE ? (...a) => console.error('fake:', ...a) : () => {};
    socket.on('data', (payload) => {
      debug('client → router', payload.length);
      if (!stream.write({ payload, frame_type: 'FRAME_TYPE_DATA' })) {
        socket.pause();
        stream.once('drain', () => socket.resume());
      }
    });
    socket.on('end', () => { stream.write({ frame_type: 'FRAME_TYPE_GOAWAY' }); stream.end(); });
    socket.on('error', () => stream.cancel());
    stream.on('data', (frame) => {
      debug('router → client', frame.frame_type, frame.payload.length);
      if (frame.frame_type === 'FRAME_TYPE_DATA') socket.write(frame.payload);
      else if (frame.frame_type === 'FRAME_TYPE_GOAWAY') socket.end();
    });
    stream.on('end', () => socket.end());
    stream.on('error', () => socket.destroy());
  }

  // What a stock client does: a local socket whose every connection goes
  // through the router; the gRPC client on it speaks plaintext h2c.
  async openLease(dir) {
    const sock = path.join(dir, `lease-${++this.nextToken}.sock`);
    const server = net.createServer({ allowHalfOpen: true }, (s) => this.dial(s));
    await new Promise((resolve) => server.listen(sock, resolve));
    const target = `unix://${sock}`;
    const exporter = new this.proto.ExporterService(target, grpc.credentials.createInsecure());
    const streams = new this.proto.RouterService(target, grpc.credentials.createInsecure());
    return {
      exporter, streams,
      close: () => { exporter.close(); streams.close(); server.close(); },
    };
  }

  stop() {
    this.controller.forceShutdown();
    this.router.forceShutdown();
  }
}

export function unary(client, method, request, ms = 60000) {
  return within(ms, new Promise((resolve, reject) =>
    client[method](request, (err, resp) => (err ? reject(err) : resolve(resp)))), method);
}

export function tempDir() {
  const dir = mkdtempSync(path.join(process.env.TMPDIR || tmpdir(), 'jmp-cluster-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
