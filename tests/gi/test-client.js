#!/usr/bin/gjs
// Copyright the jumpstarter-glib authors
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The client library as GJS sees it: list the drivers of a real host and
// echo bytes through EchoNetwork.

imports.gi.versions.Jumpstarter = '1.0';
const {GLib, Gio, Jumpstarter} = imports.gi;
const System = imports.system;

const CONFIG = `apiVersion: jumpstarter.dev/v1alpha1
kind: ExporterConfig
metadata: {name: gjs-bench}
export:
  echo: {type: EchoNetwork}
  loopback:
    children:
      echo: {type: EchoNetwork}
`;

let failures = 0;
function check(condition, what) {
    print(`${condition ? 'ok' : 'not ok'} - ${what}`);
    if (!condition)
        failures++;
}

const dir = GLib.dir_make_tmp('jmp-gjs-XXXXXX');
const configPath = GLib.build_filenamev([dir, 'bench.yaml']);
GLib.file_set_contents(configPath, CONFIG);
const listen = `unix:path=${GLib.build_filenamev([dir, 'host.sock'])}`;

const host = Gio.Subprocess.new(
    [GLib.getenv('JMP_TEST_HOST'), '--config', configPath, '--listen', listen, '--print-address'],
    Gio.SubprocessFlags.STDOUT_PIPE);
const hostOut = new Gio.DataInputStream({base_stream: host.get_stdout_pipe()});
const [line] = hostOut.read_line_utf8(null);

try {
    check(line === listen, 'host prints its address');

    const client = Jumpstarter.Client.new_for_address_sync(line, null);
    const paths = client.get_drivers().map(d => d.get_path());
    check(paths.includes('echo'), 'echo is listed');
    check(paths.includes('loopback.echo'), 'loopback.echo is listed');
    check(client.get_driver('loopback.echo').get_type_name() === 'EchoNetwork', 'type name');

    // Network1.Connect() is open() here: connect() stays GObject's
    const network = client.get_driver('echo').get_network();
    const handler = network.connect('notify', () => {});
    check(handler > 0, 'GObject connect() is not hidden');
    network.disconnect(handler);

    const stream = network.open_sync(null);
    const data = new TextEncoder().encode('hello from gjs\n');
    stream.get_output_stream().write_all(data, null);
    stream.get_socket().shutdown(false, true);
    let received = '';
    const input = stream.get_input_stream();
    for (;;) {
        const chunk = input.read_bytes(4096, null);
        if (chunk.get_size() === 0)
            break;
        received += new TextDecoder().decode(chunk.toArray());
    }
    stream.close(null);
    check(received === 'hello from gjs\n', 'echo returns the bytes');

    let caught = null;
    try {
        client.get_driver('nope');
    } catch (e) {
        caught = e;
    }
    check(caught !== null && caught.matches(Jumpstarter.error_quark(), Jumpstarter.Error.NOT_FOUND),
        'a missing driver is NOT_FOUND');
} catch (e) {
    print(`not ok - ${e}`);
    failures++;
} finally {
    host.send_signal(15);
    host.wait(null);
    check(host.get_if_exited() && host.get_exit_status() === 0, 'host exits cleanly');
    for (const path of [configPath, GLib.build_filenamev([dir, 'host.sock']), dir]) {
        try {
            Gio.File.new_for_path(path).delete(null);
        } catch (e) {
            // the host removes its socket itself
        }
    }
}

System.exit(failures === 0 ? 0 : 1);
